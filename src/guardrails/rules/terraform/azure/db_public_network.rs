use paved_model::terraform::cloud::{bool_or, is_set, setting, str_setting, Setting};
use paved_model::terraform::Resource;
use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Database accepts connections from public networks
    ///
    /// ## Why it matters
    /// Azure SQL, PostgreSQL, MySQL and MariaDB servers and Cosmos DB accounts keep
    /// public network access on unless told otherwise. The database's login then faces
    /// the internet, guarded only by firewall rules that one change can widen (Cosmos
    /// DB without an IP or virtual-network filter answers every address), so a leaked
    /// connection string is usable from anywhere.
    ///
    /// ## How to fix it
    /// Set `public_network_access_enabled = false` and connect through a private
    /// endpoint (flexible servers: `delegated_subnet_id` for VNet integration); for
    /// Cosmos DB at least restrict `ip_range_filter` or enable the virtual-network
    /// filter.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: public network access is on by default
    /// resource "azurerm_mssql_server" "db" {
    ///   name    = "acme-sql"
    ///   version = "12.0"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_mssql_server" "db" {
    ///   name                          = "acme-sql"
    ///   version                       = "12.0"
    ///   public_network_access_enabled = false
    /// }
    /// ```
    pub struct DbPublicNetwork {
        id: "PVD-TF-107",
        severity: Medium,
        references: [
            "checkov:CKV_AZURE_113",
            "checkov:CKV_AZURE_68",
            "checkov:CKV_AZURE_53",
            "checkov:CKV_AZURE_101",
            "checkov:CKV_AZURE_99",
        ],
    }
}

/// Servers whose `public_network_access_enabled` defaults to true.
const SERVERS: &[&str] = &[
    "azurerm_mssql_server",
    "azurerm_postgresql_server",
    "azurerm_mysql_server",
    "azurerm_mariadb_server",
];

/// Flexible servers: public unless VNet-integrated (`delegated_subnet_id`).
const FLEXIBLE_SERVERS: &[&str] = &[
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_flexible_server",
];

const KEY: &str = "public_network_access_enabled";

/// Why a database resource is public, or `None` (also when unknown).
type Public = fn(&Resource<'_>) -> Option<&'static str>;

/// Why the database is public, or `None`.
fn public_server(r: &Resource<'_>) -> Option<&'static str> {
    match (is_set(r.block, KEY), bool_or(r.block, KEY, true)?) {
        (_, false) => None,
        (true, true) => Some("public_network_access_enabled = true"),
        (false, true) => Some("public network access is on by default"),
    }
}

fn public_flexible(r: &Resource<'_>) -> Option<&'static str> {
    if let Some(Some(v)) = str_setting(r.block, "public_network_access") {
        return v
            .eq_ignore_ascii_case("enabled")
            .then_some("public_network_access = \"Enabled\"");
    }
    match setting(r.block, KEY) {
        Setting::Set(v) if v.as_bool() == Some(true) => {
            return Some("public_network_access_enabled = true")
        }
        Setting::Default => {}
        _ => return None,
    }
    (setting(r.block, "delegated_subnet_id") == Setting::Default)
        .then_some("without delegated_subnet_id public access is on by default")
}

fn public_cosmos(r: &Resource<'_>) -> Option<&'static str> {
    public_server(r)?;
    let filtered = match setting(r.block, "ip_range_filter") {
        Setting::Default => false,
        Setting::Set(Value::String(s)) => !s.trim().is_empty(),
        Setting::Set(Value::List(items)) => !items.is_empty(),
        _ => return None,
    };
    if filtered || bool_or(r.block, "is_virtual_network_filter_enabled", false) != Some(false) {
        return None;
    }
    Some("public network access is on and no IP or virtual-network filter is set")
}

impl Check for DbPublicNetwork {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        let kinds: [(&[&str], Public); 3] = [
            (SERVERS, public_server),
            (FLEXIBLE_SERVERS, public_flexible),
            (&["azurerm_cosmosdb_account"], public_cosmos),
        ];
        for (types, public) in kinds {
            for type_ in types {
                for r in tf.resources(type_) {
                    if let Some(why) = public(&r) {
                        let at = if r.block.attr("public_network_access").is_some() {
                            "public_network_access"
                        } else {
                            KEY
                        };
                        out.at(r.at(at)).say(format!(
                            "{}: {why}, so it accepts connections from public networks",
                            r.block.address()
                        ));
                    }
                }
            }
        }
    }
}
