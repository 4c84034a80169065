use paved_model::terraform::cloud::{bool_or, is_set};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// AKS cluster keeps its static local admin account
    ///
    /// ## Why it matters
    /// Unless `local_account_disabled = true`, AKS issues a static cluster-admin
    /// credential (`az aks get-credentials --admin`) that bypasses Microsoft Entra ID:
    /// it cannot be tied to a person, survives their departure and is not covered by
    /// conditional access, so whoever copies one kubeconfig keeps full control.
    ///
    /// ## How to fix it
    /// Enable Entra ID integration (`azure_active_directory_role_based_access_control`)
    /// and set `local_account_disabled = true`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: local accounts are enabled by default
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name = "acme"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name                   = "acme"
    ///   local_account_disabled = true
    ///   azure_active_directory_role_based_access_control {
    ///     azure_rbac_enabled = true
    ///   }
    /// }
    /// ```
    pub struct AksLocalAccounts {
        id: "PVD-TF-110",
        severity: Medium,
        references: ["checkov:CKV_AZURE_141"],
    }
}

impl Check for AksLocalAccounts {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("azurerm_kubernetes_cluster") {
            let key = "local_account_disabled";
            if bool_or(r.block, key, false) == Some(false) {
                let why = if is_set(r.block, key) {
                    "local_account_disabled = false"
                } else {
                    "local accounts are enabled by default"
                };
                out.at(r.at(key)).say(format!(
                    "{}: {why}, so a static cluster-admin credential bypasses Entra ID",
                    r.block.address()
                ));
            }
        }
    }
}
