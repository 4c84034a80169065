use std::net::Ipv4Addr;

use paved_model::terraform::cloud::str_setting;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Database firewall rule admits the whole internet
    ///
    /// ## Why it matters
    /// A server-level firewall rule from 0.0.0.0 to 255.255.255.255 lets every address
    /// on the internet reach the database's login: it is found by scanners within
    /// hours and brute-forced, and any leaked or weak credential is then enough.
    ///
    /// ## How to fix it
    /// Delete the rule and reach the server through a private endpoint or VNet
    /// integration; when a public address must connect, allow only that address.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: every IPv4 address
    /// resource "azurerm_mssql_firewall_rule" "all" {
    ///   name             = "all"
    ///   server_id        = azurerm_mssql_server.db.id
    ///   start_ip_address = "0.0.0.0"
    ///   end_ip_address   = "255.255.255.255"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_mssql_firewall_rule" "office" {
    ///   name             = "office"
    ///   server_id        = azurerm_mssql_server.db.id
    ///   start_ip_address = "203.0.113.10"
    ///   end_ip_address   = "203.0.113.10"
    /// }
    /// ```
    pub struct DbFirewallOpen {
        id: "PVD-TF-106",
        severity: Critical,
        references: ["checkov:CKV_AZURE_11"],
    }
}

/// Server-level firewall rules of Azure's database services.
const FIREWALL_RULES: &[&str] = &[
    "azurerm_mssql_firewall_rule",
    "azurerm_sql_firewall_rule",
    "azurerm_postgresql_firewall_rule",
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mysql_firewall_rule",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_mariadb_firewall_rule",
    "azurerm_cosmosdb_postgresql_firewall_rule",
    "azurerm_synapse_firewall_rule",
];

/// A range this wide is "the internet", not an allow-list.
const HALF_THE_INTERNET: u64 = 1 << 31;

impl Check for DbFirewallOpen {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for type_ in FIREWALL_RULES {
            for r in cx.terraform().resources(type_) {
                let ip = |key| match str_setting(r.block, key) {
                    Some(Some(s)) => s.parse::<Ipv4Addr>().ok().map(u32::from),
                    _ => None,
                };
                let (Some(start), Some(end)) = (ip("start_ip_address"), ip("end_ip_address"))
                else {
                    continue;
                };
                if end >= start && u64::from(end - start) + 1 >= HALF_THE_INTERNET {
                    let share = if start == 0 && end == u32::MAX {
                        "every IPv4 address"
                    } else {
                        "half the internet or more"
                    };
                    out.at(r.at("end_ip_address")).say(format!(
                        "{}: {} to {} lets {share} reach the database server",
                        r.block.address(),
                        Ipv4Addr::from(start),
                        Ipv4Addr::from(end)
                    ));
                }
            }
        }
    }
}
