use paved_model::terraform::cloud::bool_or;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// GKE cluster uses legacy ABAC authorization
    ///
    /// ## Why it matters
    /// Legacy ABAC grants broad, static permissions that Kubernetes RBAC cannot narrow:
    /// service accounts, including the token mounted in every pod, get read and write
    /// access across the cluster, so code execution in one container controls every
    /// workload and secret.
    ///
    /// ## How to fix it
    /// Remove `enable_legacy_abac` or set it to `false`, and grant access with RBAC
    /// Roles and Google groups.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: legacy ABAC on
    /// resource "google_container_cluster" "main" {
    ///   name               = "acme"
    ///   enable_legacy_abac = true
    /// }
    /// ```
    /// ```hcl
    /// resource "google_container_cluster" "main" {
    ///   name               = "acme"
    ///   enable_legacy_abac = false
    /// }
    /// ```
    pub struct GkeLegacyAbac {
        id: "PVD-TF-209",
        severity: Critical,
        references: ["checkov:CKV_GCP_7"],
    }
}

impl Check for GkeLegacyAbac {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_container_cluster") {
            if bool_or(r.block, "enable_legacy_abac", false) == Some(true) {
                out.at(r.at("enable_legacy_abac")).say(format!(
                    "{}: enable_legacy_abac = true bypasses Kubernetes RBAC",
                    r.block.address()
                ));
            }
        }
    }
}
