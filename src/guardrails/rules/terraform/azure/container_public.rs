use paved_model::terraform::cloud::str_setting;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Blob container readable by anyone on the internet
    ///
    /// ## Why it matters
    /// `container_access_type = "blob"` lets anyone who guesses a blob's URL read it
    /// without a credential; `"container"` also lets them list every blob. Public
    /// containers are enumerated by scanners and are a common source of data leaks.
    ///
    /// ## How to fix it
    /// Set `container_access_type = "private"` (the default) and hand out short-lived
    /// SAS tokens or serve public files through a CDN; disallow public containers on
    /// the account with `allow_nested_items_to_be_public = false`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: anonymous read and list
    /// resource "azurerm_storage_container" "exports" {
    ///   name                  = "exports"
    ///   storage_account_id    = azurerm_storage_account.data.id
    ///   container_access_type = "container"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_storage_container" "exports" {
    ///   name                  = "exports"
    ///   storage_account_id    = azurerm_storage_account.data.id
    ///   container_access_type = "private"
    /// }
    /// ```
    pub struct ContainerPublic {
        id: "PVD-TF-103",
        severity: Critical,
        references: ["checkov:CKV_AZURE_34"],
    }
}

impl Check for ContainerPublic {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("azurerm_storage_container") {
            let what = match str_setting(r.block, "container_access_type") {
                Some(Some("blob")) => "read any blob",
                Some(Some("container")) => "list and read every blob",
                _ => continue,
            };
            out.at(r.at("container_access_type")).say(format!(
                "{}: container_access_type lets anyone on the internet {what}",
                r.block.address()
            ));
        }
    }
}
