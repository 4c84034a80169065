use paved_model::terraform::cloud::{
    bool_or, nested, setting, sql_ip_configuration, sql_public_ip, str_setting, Setting,
};
use paved_parse::hcl::Block;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Cloud SQL instance accepts unencrypted connections
    ///
    /// ## Why it matters
    /// Unless `ssl_mode` (or the older `require_ssl`) demands encryption, clients may
    /// connect in plain text: on a public IP, passwords and query results then cross
    /// the internet readable and changeable by anyone on the path. A public IP with no
    /// `authorized_networks` (and no private network) admits only the Cloud SQL Auth
    /// Proxy and connectors, which always encrypt: without `ssl_mode` that instance is
    /// not reported; an explicit plain-text mode still is.
    ///
    /// ## How to fix it
    /// Set `ssl_mode = "ENCRYPTED_ONLY"` (or `"TRUSTED_CLIENT_CERTIFICATE_REQUIRED"`)
    /// in `ip_configuration`, or connect only through the Cloud SQL Auth Proxy over
    /// private IP.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: plain text allowed on a public IP
    /// resource "google_sql_database_instance" "db" {
    ///   settings {
    ///     ip_configuration {
    ///       ssl_mode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
    ///     }
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "google_sql_database_instance" "db" {
    ///   settings {
    ///     ip_configuration {
    ///       ssl_mode = "ENCRYPTED_ONLY"
    ///     }
    ///   }
    /// }
    /// ```
    pub struct SqlSsl {
        id: "PVD-TF-203",
        severity: Medium,
        references: ["checkov:CKV_GCP_6", "cis-gcp:6.4"],
    }
}

impl Check for SqlSsl {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_sql_database_instance") {
            let Some(ip) = sql_ip_configuration(r.block) else {
                continue;
            };
            let ssl_mode = match ip {
                Some(ip) => str_setting(ip, "ssl_mode"),
                None => Some(None),
            };
            let require_ssl = match ip {
                Some(ip) if ip.attr("require_ssl").is_some() => bool_or(ip, "require_ssl", false),
                _ => None,
            };
            let (at, why) = match (ssl_mode, require_ssl) {
                (None, _) => continue,
                (Some(Some("ALLOW_UNENCRYPTED_AND_ENCRYPTED")), _) => (
                    "ssl_mode",
                    "ssl_mode = \"ALLOW_UNENCRYPTED_AND_ENCRYPTED\" accepts plain text".to_owned(),
                ),
                (Some(Some(_)), _) => continue,
                (Some(None), Some(true)) => continue,
                (Some(None), Some(false)) => {
                    ("require_ssl", "require_ssl = false accepts plain text".to_owned())
                }
                (Some(None), None) => {
                    let unknown = ip.is_some_and(|ip| ip.attr("require_ssl").is_some());
                    if unknown || sql_public_ip(r.block) != Some(true) || !direct_clients(ip) {
                        continue;
                    }
                    (
                        "ssl_mode",
                        "neither ssl_mode nor require_ssl demands encryption on its public IP"
                            .to_owned(),
                    )
                }
            };
            out.at(r.at(&format!("settings.ip_configuration.{at}"))).say(format!(
                "{}: {why}",
                r.block.address()
            ));
        }
    }
}

/// Whether clients may connect without a Cloud SQL connector: some network is
/// authorized on the public IP (literal, iterated or not literal at all), or a private
/// network is attached.
fn direct_clients(ip: Option<&Block>) -> bool {
    ip.is_some_and(|ip| {
        ip.attr("authorized_networks").is_some()
            || nested(ip, "authorized_networks").next().is_some()
            || setting(ip, "private_network") != Setting::Default
    })
}
