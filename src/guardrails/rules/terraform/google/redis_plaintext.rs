use paved_model::terraform::cloud::str_setting;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Memorystore for Redis without in-transit encryption
    ///
    /// ## Why it matters
    /// A Memorystore Redis instance speaks plain text unless `transit_encryption_mode`
    /// asks for TLS: the AUTH string, session data and cached secrets cross the VPC
    /// readable and changeable by anyone who gains a position on its network path.
    ///
    /// ## How to fix it
    /// Set `transit_encryption_mode = "SERVER_AUTHENTICATION"` (it can only be chosen
    /// when the instance is created) and connect with TLS using the instance's
    /// `server_ca_certs`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: transit_encryption_mode defaults to DISABLED
    /// resource "google_redis_instance" "cache" {
    ///   name           = "acme-cache"
    ///   memory_size_gb = 1
    ///   auth_enabled   = true
    /// }
    /// ```
    /// ```hcl
    /// resource "google_redis_instance" "cache" {
    ///   name                    = "acme-cache"
    ///   memory_size_gb          = 1
    ///   auth_enabled            = true
    ///   transit_encryption_mode = "SERVER_AUTHENTICATION"
    /// }
    /// ```
    pub struct RedisPlaintext {
        id: "PVD-TF-212",
        severity: Medium,
        references: ["checkov:CKV_GCP_97"],
    }
}

impl Check for RedisPlaintext {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let key = "transit_encryption_mode";
        for r in cx.terraform().resources("google_redis_instance") {
            let what = match str_setting(r.block, key) {
                // Not literal: nothing can be said.
                None => continue,
                Some(Some(mode)) if mode.eq_ignore_ascii_case("SERVER_AUTHENTICATION") => continue,
                Some(Some(mode)) => format!("{key} = \"{mode}\""),
                Some(None) => format!("{key} is not set (it defaults to DISABLED)"),
            };
            out.at(r.at(key)).say(format!(
                "{}: {what}, so clients talk to Redis in plain text",
                r.block.address()
            ));
        }
    }
}
