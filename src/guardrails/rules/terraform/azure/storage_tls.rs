use paved_model::terraform::cloud::str_setting;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Storage account accepts TLS older than 1.2
    ///
    /// ## Why it matters
    /// TLS 1.0 and 1.1 lack modern cipher suites and are deprecated (RFC 8996); a
    /// client that can be pushed down to them gets weaker protection for the keys and
    /// data it sends.
    ///
    /// ## How to fix it
    /// Remove `min_tls_version` (azurerm defaults to `TLS1_2`) or set it to `TLS1_2`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: TLS 1.0 accepted
    /// resource "azurerm_storage_account" "data" {
    ///   name            = "acmedata"
    ///   min_tls_version = "TLS1_0"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_storage_account" "data" {
    ///   name            = "acmedata"
    ///   min_tls_version = "TLS1_2"
    /// }
    /// ```
    pub struct StorageTls {
        id: "PVD-TF-105",
        severity: Low,
        references: ["checkov:CKV_AZURE_44"],
    }
}

impl Check for StorageTls {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("azurerm_storage_account") {
            if let Some(Some(v @ ("TLS1_0" | "TLS1_1"))) = str_setting(r.block, "min_tls_version") {
                out.at(r.at("min_tls_version")).say(format!(
                    "{}: min_tls_version = \"{v}\" accepts TLS older than 1.2",
                    r.block.address()
                ));
            }
        }
    }
}
