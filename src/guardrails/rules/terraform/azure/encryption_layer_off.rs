use paved_model::terraform::cloud::{bool_or, is_set, nested};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Azure database or disk without its second layer of encryption at rest
    ///
    /// ## Why it matters
    /// Azure encrypts database storage and managed disks with platform keys by default;
    /// infrastructure encryption (MySQL and PostgreSQL single servers) and Azure Disk
    /// Encryption (`encryption_settings` of a managed disk) add a second, independent
    /// layer, so one broken key or algorithm, or a disk image copied outside the
    /// platform's control, does not expose the data. Without it the data rests on that
    /// one platform-managed layer.
    ///
    /// ## How to fix it
    /// On `azurerm_mysql_server` and `azurerm_postgresql_server` set
    /// `infrastructure_encryption_enabled = true` (it can only be chosen when the server
    /// is created, so a new server and a restore are needed); on `azurerm_managed_disk`
    /// set `encryption_settings { enabled = true }` with a Key Vault key, or remove the
    /// block and encrypt with a customer-managed key through `disk_encryption_set_id`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: infrastructure_encryption_enabled is not set (it defaults to false)
    /// resource "azurerm_postgresql_server" "db" {
    ///   name                    = "acme-db"
    ///   ssl_enforcement_enabled = true
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_postgresql_server" "db" {
    ///   name                              = "acme-db"
    ///   ssl_enforcement_enabled           = true
    ///   infrastructure_encryption_enabled = true
    /// }
    /// ```
    pub struct EncryptionLayerOff {
        id: "PVD-TF-113",
        severity: Low,
        references: [
            "checkov:CKV_AZURE_96",
            "checkov:CKV_AZURE_130",
            "checkov:CKV_AZURE_2",
            "trivy:AVD-AZU-0038",
        ],
    }
}

/// Single servers with `infrastructure_encryption_enabled` (default false).
const SERVERS: &[&str] = &["azurerm_mysql_server", "azurerm_postgresql_server"];

impl Check for EncryptionLayerOff {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        let key = "infrastructure_encryption_enabled";
        for type_ in SERVERS {
            for r in tf.resources(type_) {
                if bool_or(r.block, key, false) != Some(false) {
                    continue;
                }
                let what = if is_set(r.block, key) {
                    format!("{key} = false")
                } else {
                    format!("{key} is not set")
                };
                out.at(r.at(key)).say(format!(
                    "{}: {what}, so its storage has no infrastructure encryption layer",
                    r.block.address()
                ));
            }
        }
        // Only an explicit `enabled = false`: a disk without the block is still
        // encrypted by the platform, and the block itself is optional.
        for r in tf.resources("azurerm_managed_disk") {
            for settings in nested(r.block, "encryption_settings") {
                if is_set(settings, "enabled") && bool_or(settings, "enabled", true) == Some(false) {
                    out.at(r.at("encryption_settings.enabled")).say(format!(
                        "{}: encryption_settings.enabled = false turns Azure Disk Encryption off",
                        r.block.address()
                    ));
                }
            }
        }
    }
}
