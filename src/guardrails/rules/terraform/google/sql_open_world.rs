use paved_model::terraform::cloud::{sql_public_ip, sql_world_networks};
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Cloud SQL instance open to the whole internet
    ///
    /// ## Why it matters
    /// An authorized network of `0.0.0.0/0` on an instance with a public IP lets every
    /// address on the internet reach the database's login: it is found by scanners
    /// and brute-forced, and a leaked or weak password is then enough.
    ///
    /// ## How to fix it
    /// Remove the `0.0.0.0/0` authorized network; connect through private IP
    /// (`ipv4_enabled = false` with `private_network`), the Cloud SQL Auth Proxy or
    /// connectors, or authorize only the addresses that need it.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: every address may connect
    /// resource "google_sql_database_instance" "db" {
    ///   database_version = "POSTGRES_16"
    ///   settings {
    ///     tier = "db-custom-2-7680"
    ///     ip_configuration {
    ///       authorized_networks {
    ///         name  = "anywhere"
    ///         value = "0.0.0.0/0"
    ///       }
    ///     }
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
    pub struct SqlOpenWorld {
        id: "PVD-TF-201",
        severity: Critical,
        references: ["checkov:CKV_GCP_11", "cis-gcp:6.5"],
    }
}

impl Check for SqlOpenWorld {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_sql_database_instance") {
            if sql_public_ip(r.block) != Some(true) {
                continue;
            }
            for network in sql_world_networks(r.block) {
                let value = network.value("value").and_then(|v| v.as_str()).unwrap_or("");
                out.at(Location::hcl(r.path(), network, "value")).say(format!(
                    "{}: authorized network {value} lets every address reach the database on its public IP",
                    r.block.address()
                ));
            }
        }
    }
}
