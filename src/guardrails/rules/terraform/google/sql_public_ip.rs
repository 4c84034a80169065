use paved_model::terraform::cloud::{is_set, sql_ip_configuration, sql_public_ip, sql_world_networks};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Cloud SQL instance has a public IP address
    ///
    /// ## Why it matters
    /// `ipv4_enabled` defaults to true, giving the instance an internet-facing address.
    /// Only authorized networks and the Auth Proxy may connect to it today, but one
    /// added authorized network puts the database's login in front of the internet;
    /// a private IP removes that path altogether.
    ///
    /// ## How to fix it
    /// Set `ipv4_enabled = false` with `private_network` (private services access or
    /// Private Service Connect) and connect from inside the VPC.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: public IP by default
    /// resource "google_sql_database_instance" "db" {
    ///   database_version = "POSTGRES_16"
    ///   settings {
    ///     tier = "db-custom-2-7680"
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "google_sql_database_instance" "db" {
    ///   database_version = "POSTGRES_16"
    ///   settings {
    ///     tier = "db-custom-2-7680"
    ///     ip_configuration {
    ///       ipv4_enabled    = false
    ///       private_network = google_compute_network.main.id
    ///     }
    ///   }
    /// }
    /// ```
    pub struct SqlPublicIp {
        id: "PVD-TF-202",
        severity: Low,
        references: ["checkov:CKV_GCP_60", "cis-gcp:6.6"],
    }
}

impl Check for SqlPublicIp {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_sql_database_instance") {
            // An instance open to 0.0.0.0/0 is PVD-TF-201's, and worse.
            if sql_public_ip(r.block) != Some(true) || !sql_world_networks(r.block).is_empty() {
                continue;
            }
            let explicit = sql_ip_configuration(r.block)
                .flatten()
                .is_some_and(|ip| is_set(ip, "ipv4_enabled"));
            let why = if explicit {
                "ipv4_enabled = true"
            } else {
                "ipv4_enabled defaults to true"
            };
            out.at(r.at("settings.ip_configuration.ipv4_enabled")).say(format!(
                "{}: {why}, so the instance has a public IP address",
                r.block.address()
            ));
        }
    }
}
