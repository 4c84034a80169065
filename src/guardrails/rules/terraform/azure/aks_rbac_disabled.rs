use paved_model::terraform::cloud::bool_or;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// AKS cluster without Kubernetes RBAC
    ///
    /// ## Why it matters
    /// With Kubernetes RBAC off every authenticated identity, including the
    /// service-account token mounted in every pod, may do anything in the cluster:
    /// code execution in any one container becomes control of every workload, secret
    /// and node.
    ///
    /// ## How to fix it
    /// Remove the setting or set `role_based_access_control_enabled = true` (RBAC is
    /// fixed at creation, so the cluster is recreated), and grant access through Roles
    /// and Microsoft Entra ID groups.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: RBAC off
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name                              = "acme"
    ///   role_based_access_control_enabled = false
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name                              = "acme"
    ///   role_based_access_control_enabled = true
    /// }
    /// ```
    pub struct AksRbacDisabled {
        id: "PVD-TF-109",
        severity: Critical,
        references: ["checkov:CKV_AZURE_5"],
    }
}

impl Check for AksRbacDisabled {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("azurerm_kubernetes_cluster") {
            let key = "role_based_access_control_enabled";
            if bool_or(r.block, key, true) == Some(false) {
                out.at(r.at(key)).say(format!(
                    "{}: {key} = false turns Kubernetes RBAC off",
                    r.block.address()
                ));
            }
            // azurerm 2.x: `role_based_access_control { enabled = false }`.
            if let Some(b) = r.block.body.block("role_based_access_control") {
                if bool_or(b, "enabled", true) == Some(false) {
                    out.at(r.at("role_based_access_control.enabled")).say(format!(
                        "{}: role_based_access_control.enabled = false turns Kubernetes RBAC off",
                        r.block.address()
                    ));
                }
            }
        }
    }
}
