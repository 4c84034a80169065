use paved_model::terraform::cloud::{bool_or, nested, str_setting};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// GKE cluster issues static credentials
    ///
    /// ## Why it matters
    /// Basic authentication (`master_auth.username` / `password`) and client
    /// certificates (`issue_client_certificate = true`) are static cluster-admin
    /// credentials stored in the Terraform state: they cannot be revoked short of
    /// rotating the cluster's credentials and are not tied to any person.
    ///
    /// ## How to fix it
    /// Remove `username` and `password` from `master_auth`, set
    /// `issue_client_certificate = false`, and authenticate with Google identities
    /// (`gcloud container clusters get-credentials`).
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: a client certificate is issued
    /// resource "google_container_cluster" "main" {
    ///   name = "acme"
    ///   master_auth {
    ///     client_certificate_config {
    ///       issue_client_certificate = true
    ///     }
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "google_container_cluster" "main" {
    ///   name = "acme"
    ///   master_auth {
    ///     client_certificate_config {
    ///       issue_client_certificate = false
    ///     }
    ///   }
    /// }
    /// ```
    pub struct GkeStaticCredentials {
        id: "PVD-TF-211",
        severity: High,
        references: ["checkov:CKV_GCP_19", "checkov:CKV_GCP_13"],
    }
}

impl Check for GkeStaticCredentials {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_container_cluster") {
            let Some(auth) = nested(r.block, "master_auth").next() else {
                continue;
            };
            if matches!(str_setting(auth, "username"), Some(Some(u)) if !u.is_empty()) {
                out.at(r.at("master_auth.username")).say(format!(
                    "{}: master_auth.username enables basic authentication",
                    r.block.address()
                ));
            }
            let issued = nested(auth, "client_certificate_config")
                .next()
                .and_then(|c| bool_or(c, "issue_client_certificate", false));
            if issued == Some(true) {
                out.at(r.at("master_auth.client_certificate_config.issue_client_certificate"))
                    .say(format!(
                        "{}: issue_client_certificate = true issues a static client certificate",
                        r.block.address()
                    ));
            }
        }
    }
}
