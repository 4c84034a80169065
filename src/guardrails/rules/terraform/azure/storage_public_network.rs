use paved_model::terraform::cloud::{bool_or, is_set, names, single, str_setting};
use paved_parse::hcl::Block;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Storage account accepts connections from every network
    ///
    /// ## Why it matters
    /// With public network access on (the azurerm default) and no network rule that
    /// denies by default, the account's endpoints answer the whole internet: a leaked
    /// account key or SAS token works from anywhere, and nothing but the credential
    /// stands between an attacker and the data.
    ///
    /// ## How to fix it
    /// Set `public_network_access_enabled = false` and reach the account through a
    /// private endpoint, or add `network_rules { default_action = "Deny" }` with the
    /// subnets and addresses that need it.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: public network access with no default-deny network rule
    /// resource "azurerm_storage_account" "data" {
    ///   name                     = "acmedata"
    ///   account_tier             = "Standard"
    ///   account_replication_type = "ZRS"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_storage_account" "data" {
    ///   name                     = "acmedata"
    ///   account_tier             = "Standard"
    ///   account_replication_type = "ZRS"
    ///   network_rules {
    ///     default_action             = "Deny"
    ///     virtual_network_subnet_ids = [azurerm_subnet.app.id]
    ///   }
    /// }
    /// ```
    pub struct StoragePublicNetwork {
        id: "PVD-TF-102",
        severity: Medium,
        references: ["checkov:CKV_AZURE_59", "checkov:CKV_AZURE_35"],
    }
}

/// `Some(true)` when the network rules deny by default, `None` when unknown.
fn denies(rules: &Block) -> Option<bool> {
    str_setting(rules, "default_action").map(|a| a.is_some_and(|a| a.eq_ignore_ascii_case("deny")))
}

impl Check for StoragePublicNetwork {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        for r in tf.resources("azurerm_storage_account") {
            if bool_or(r.block, "public_network_access_enabled", true) != Some(true) {
                continue;
            }
            match single(r.block, "network_rules") {
                None => continue,
                Some(Some(rules)) if denies(rules) != Some(false) => continue,
                Some(_) => {}
            }
            // A separate network-rules resource for this account (or one whose
            // account cannot be resolved) decides instead.
            let covered = tf
                .module_resources(r.path(), "azurerm_storage_account_network_rules")
                .any(|n| {
                    let target = n
                        .block
                        .value("storage_account_id")
                        .or_else(|| n.block.value("storage_account_name"));
                    let ours = target.and_then(|v| names(v, r.block)) != Some(false);
                    ours && denies(n.block) != Some(false)
                });
            if covered {
                continue;
            }
            let why = if is_set(r.block, "public_network_access_enabled") {
                "public_network_access_enabled = true"
            } else {
                "public network access is on by default"
            };
            out.at(r.at("public_network_access_enabled")).say(format!(
                "{}: {why} and no network rule denies by default, so it accepts connections from every network",
                r.block.address()
            ));
        }
    }
}
