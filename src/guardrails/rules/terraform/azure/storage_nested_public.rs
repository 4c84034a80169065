use paved_model::terraform::cloud::{bool_or, is_set};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Storage account lets its blob containers be made public
    ///
    /// ## Why it matters
    /// While `allow_nested_items_to_be_public` is true (the azurerm default) one
    /// container setting, in Terraform, the portal or a script, publishes every blob in
    /// that container to anonymous readers; turning it off makes anonymous access
    /// impossible for the whole account.
    ///
    /// ## How to fix it
    /// Set `allow_nested_items_to_be_public = false` on the storage account and serve
    /// public content through a CDN or SAS tokens with short expiry.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: the default lets any container become public
    /// resource "azurerm_storage_account" "data" {
    ///   name                     = "acmedata"
    ///   account_tier             = "Standard"
    ///   account_replication_type = "ZRS"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_storage_account" "data" {
    ///   name                            = "acmedata"
    ///   account_tier                    = "Standard"
    ///   account_replication_type        = "ZRS"
    ///   allow_nested_items_to_be_public = false
    /// }
    /// ```
    pub struct StorageNestedPublic {
        id: "PVD-TF-101",
        severity: Medium,
        references: ["checkov:CKV_AZURE_190", "checkov:CKV_AZURE_59"],
    }
}

impl Check for StorageNestedPublic {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("azurerm_storage_account") {
            // azurerm 2.x spelled it `allow_blob_public_access`, default false.
            if r.block.attr("allow_blob_public_access").is_some() {
                if bool_or(r.block, "allow_blob_public_access", false) == Some(true) {
                    out.at(r.at("allow_blob_public_access")).say(format!(
                        "{}: allow_blob_public_access = true lets its containers be made public",
                        r.block.address()
                    ));
                }
                continue;
            }
            if bool_or(r.block, "allow_nested_items_to_be_public", true) == Some(true) {
                let why = if is_set(r.block, "allow_nested_items_to_be_public") {
                    "allow_nested_items_to_be_public = true"
                } else {
                    "allow_nested_items_to_be_public defaults to true"
                };
                out.at(r.at("allow_nested_items_to_be_public")).say(format!(
                    "{}: {why}, so any of its containers can be made public",
                    r.block.address()
                ));
            }
        }
    }
}
