use paved_model::terraform::cloud::str_setting;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Load balancer SSL policy allows TLS below 1.2 or weak ciphers
    ///
    /// ## Why it matters
    /// A `google_compute_ssl_policy` defaults to `min_tls_version = "TLS_1_0"` and the
    /// `COMPATIBLE` profile, so the HTTPS and SSL proxy load balancers using it still
    /// negotiate TLS 1.0 and 1.1 and cipher suites such as 3DES and CBC with SHA-1,
    /// which a client can be pushed down to and which are broken or deprecated.
    ///
    /// ## How to fix it
    /// Set `min_tls_version = "TLS_1_2"` and `profile = "MODERN"` or `"RESTRICTED"` (or
    /// `"CUSTOM"` with only strong `custom_features`).
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: TLS 1.0 and the COMPATIBLE profile are the defaults
    /// resource "google_compute_ssl_policy" "web" {
    ///   name = "acme-web"
    /// }
    /// ```
    /// ```hcl
    /// resource "google_compute_ssl_policy" "web" {
    ///   name            = "acme-web"
    ///   min_tls_version = "TLS_1_2"
    ///   profile         = "MODERN"
    /// }
    /// ```
    pub struct SslPolicyWeak {
        id: "PVD-TF-213",
        severity: Low,
        references: ["checkov:CKV_GCP_4"],
    }
}

impl Check for SslPolicyWeak {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_compute_ssl_policy") {
            let mut weak = Vec::new();
            let mut at = "min_tls_version";
            match str_setting(r.block, "min_tls_version") {
                Some(None) => weak.push("min_tls_version is not set (it defaults to TLS_1_0)".to_owned()),
                Some(Some(v)) if v == "TLS_1_0" || v == "TLS_1_1" => {
                    weak.push(format!("min_tls_version = \"{v}\""))
                }
                _ => {}
            }
            match str_setting(r.block, "profile") {
                Some(None) => weak.push("profile is not set (it defaults to COMPATIBLE)".to_owned()),
                Some(Some("COMPATIBLE")) => {
                    if weak.is_empty() {
                        at = "profile";
                    }
                    weak.push("profile = \"COMPATIBLE\"".to_owned())
                }
                _ => {}
            }
            if weak.is_empty() {
                continue;
            }
            out.at(r.at(at)).say(format!(
                "{}: {}, so clients may negotiate old TLS versions or weak ciphers",
                r.block.address(),
                weak.join(" and ")
            ));
        }
    }
}
