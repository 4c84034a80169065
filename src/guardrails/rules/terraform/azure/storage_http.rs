use paved_model::terraform::cloud::bool_or;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Storage account accepts plain HTTP
    ///
    /// ## Why it matters
    /// With secure transfer off, requests (with their SAS tokens and shared-key
    /// signatures) and the data they carry can travel unencrypted, readable and
    /// changeable by anyone on the network path.
    ///
    /// ## How to fix it
    /// Remove the setting or set `https_traffic_only_enabled = true`
    /// (`enable_https_traffic_only` before azurerm 4.0).
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: plain HTTP allowed
    /// resource "azurerm_storage_account" "data" {
    ///   name                       = "acmedata"
    ///   https_traffic_only_enabled = false
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_storage_account" "data" {
    ///   name                       = "acmedata"
    ///   https_traffic_only_enabled = true
    /// }
    /// ```
    pub struct StorageHttp {
        id: "PVD-TF-104",
        severity: Medium,
        references: ["checkov:CKV_AZURE_3"],
    }
}

impl Check for StorageHttp {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("azurerm_storage_account") {
            for key in ["https_traffic_only_enabled", "enable_https_traffic_only"] {
                if r.block.attr(key).is_some() && bool_or(r.block, key, true) == Some(false) {
                    out.at(r.at(key)).say(format!(
                        "{}: {key} = false accepts plain HTTP",
                        r.block.address()
                    ));
                }
            }
        }
    }
}
