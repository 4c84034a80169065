use paved_model::terraform::cloud::{bool_or, str_setting};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Database server accepts unencrypted connections
    ///
    /// ## Why it matters
    /// With SSL enforcement off (or `require_secure_transport = OFF` on a flexible
    /// server) clients may connect in plain text: passwords and query results cross the
    /// network readable and changeable by anyone on the path.
    ///
    /// ## How to fix it
    /// Set `ssl_enforcement_enabled = true`, or leave `require_secure_transport` at its
    /// default `ON` on flexible servers, and connect with `sslmode=verify-full` (or
    /// the driver's equivalent).
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: plain-text connections accepted
    /// resource "azurerm_postgresql_flexible_server_configuration" "tls" {
    ///   name      = "require_secure_transport"
    ///   server_id = azurerm_postgresql_flexible_server.db.id
    ///   value     = "off"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_postgresql_flexible_server_configuration" "tls" {
    ///   name      = "require_secure_transport"
    ///   server_id = azurerm_postgresql_flexible_server.db.id
    ///   value     = "on"
    /// }
    /// ```
    pub struct DbPlaintext {
        id: "PVD-TF-112",
        severity: Medium,
        references: ["checkov:CKV_AZURE_28", "checkov:CKV_AZURE_29"],
    }
}

/// Single servers with `ssl_enforcement_enabled` (required since azurerm 2.0).
const SERVERS: &[&str] = &[
    "azurerm_postgresql_server",
    "azurerm_mysql_server",
    "azurerm_mariadb_server",
];

const CONFIGURATIONS: &[&str] = &[
    "azurerm_postgresql_flexible_server_configuration",
    "azurerm_mysql_flexible_server_configuration",
    "azurerm_postgresql_configuration",
    "azurerm_mysql_configuration",
];

impl Check for DbPlaintext {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        for type_ in SERVERS {
            for r in tf.resources(type_) {
                let key = "ssl_enforcement_enabled";
                if r.block.attr(key).is_some() && bool_or(r.block, key, true) == Some(false) {
                    out.at(r.at(key)).say(format!(
                        "{}: {key} = false accepts unencrypted connections",
                        r.block.address()
                    ));
                }
            }
        }
        for type_ in CONFIGURATIONS {
            for r in tf.resources(type_) {
                let name = str_setting(r.block, "name").flatten();
                if !name.is_some_and(|n| n.eq_ignore_ascii_case("require_secure_transport")) {
                    continue;
                }
                if let Some(Some(v)) = str_setting(r.block, "value") {
                    if v.eq_ignore_ascii_case("off") {
                        out.at(r.at("value")).say(format!(
                            "{}: require_secure_transport = {v} accepts unencrypted connections",
                            r.block.address()
                        ));
                    }
                }
            }
        }
    }
}
