//! Edge cases of the Azure rules: defaults, unknown values, dynamic blocks, and the
//! companion resources they consult.

use crate::guardrails::rules::terraform::test_support::{of, run};

/// A storage account with every setting the storage rules look at made safe,
/// plus `extra` lines.
fn account(extra: &str) -> String {
    format!(
        "resource \"azurerm_storage_account\" \"a\" {{\n  name = \"acme\"\n  allow_nested_items_to_be_public = false\n  public_network_access_enabled = false\n{extra}}}\n"
    )
}

#[test]
fn a_hardened_module_is_quiet() {
    let tf = format!(
        "{}{}",
        account(""),
        r#"resource "azurerm_kubernetes_cluster" "k" {
  name                   = "k"
  local_account_disabled = true
  api_server_access_profile {
    authorized_ip_ranges = ["203.0.113.0/24"]
  }
}
resource "azurerm_mssql_server" "db" {
  public_network_access_enabled = false
}
"#
    );
    assert!(run(&tf).is_empty(), "{:?}", run(&tf));
}

#[test]
fn storage_public_blobs_default_null_and_unknown() {
    let absent = "resource \"azurerm_storage_account\" \"a\" {\n  name = \"acme\"\n  public_network_access_enabled = false\n}\n";
    assert_eq!(of("PVD-TF-101", absent), vec![1]);
    // `null` is the provider default, a variable is unknown.
    assert_eq!(
        run(&absent.replace("  name", "  allow_nested_items_to_be_public = null\n  name")),
        vec![(
            "PVD-TF-101",
            2,
            "azurerm_storage_account.a: allow_nested_items_to_be_public defaults to true, so any of its containers can be made public".to_owned()
        )]
    );
    assert!(of(
        "PVD-TF-101",
        &absent.replace(
            "  name",
            "  allow_nested_items_to_be_public = var.public\n  name"
        )
    )
    .is_empty());
    assert_eq!(
        of(
            "PVD-TF-101",
            &account("  allow_blob_public_access = true\n")
        ),
        vec![5]
    );
    assert!(of(
        "PVD-TF-101",
        &account("  allow_blob_public_access = false\n")
    )
    .is_empty());
}

#[test]
fn storage_network_rules_inline_separate_and_dynamic() {
    let open = "resource \"azurerm_storage_account\" \"a\" {\n  name = \"acme\"\n  allow_nested_items_to_be_public = false\n}\n";
    assert_eq!(of("PVD-TF-102", open), vec![1]);
    let separate = |target: &str, action: &str| {
        format!("{open}resource \"azurerm_storage_account_network_rules\" \"n\" {{\n  storage_account_id = {target}\n  default_action = \"{action}\"\n}}\n")
    };
    assert!(of(
        "PVD-TF-102",
        &separate("azurerm_storage_account.a.id", "Deny")
    )
    .is_empty());
    assert_eq!(
        of(
            "PVD-TF-102",
            &separate("azurerm_storage_account.other.id", "Deny")
        ),
        vec![1]
    );
    assert_eq!(
        of(
            "PVD-TF-102",
            &separate("azurerm_storage_account.a.id", "Allow")
        ),
        vec![1]
    );
    // An account the rules resource names through a variable may be this one.
    assert!(of("PVD-TF-102", &separate("var.account_id", "Deny")).is_empty());
    let dynamic = open.replace(
        "}\n",
        "  dynamic \"network_rules\" {\n    for_each = var.rules\n    content {\n      default_action = network_rules.value.action\n    }\n  }\n}\n",
    );
    assert!(of("PVD-TF-102", &dynamic).is_empty());
    let attribute = open.replace("  name", "  network_rules = var.network_rules\n  name");
    assert!(of("PVD-TF-102", &attribute).is_empty());
    let unknown = open.replace(
        "  name",
        "  public_network_access_enabled = var.public\n  name",
    );
    assert!(of("PVD-TF-102", &unknown).is_empty());
}

#[test]
fn containers_transport_and_tls() {
    let c = |t: &str| {
        format!("resource \"azurerm_storage_container\" \"c\" {{\n  name = \"c\"\n  container_access_type = {t}\n}}\n")
    };
    assert_eq!(of("PVD-TF-103", &c("\"blob\"")), vec![3]);
    assert!(of("PVD-TF-103", &c("\"private\"")).is_empty());
    assert!(of("PVD-TF-103", &c("var.access")).is_empty());
    assert_eq!(
        of(
            "PVD-TF-104",
            &account("  enable_https_traffic_only = false\n")
        ),
        vec![5]
    );
    assert!(of(
        "PVD-TF-104",
        &account("  https_traffic_only_enabled = var.https\n")
    )
    .is_empty());
    assert_eq!(
        of("PVD-TF-105", &account("  min_tls_version = \"TLS1_1\"\n")),
        vec![5]
    );
    assert!(of("PVD-TF-105", &account("  min_tls_version = \"TLS1_2\"\n")).is_empty());
}

#[test]
fn database_firewall_ranges() {
    let rule = |start: &str, end: &str| {
        format!("resource \"azurerm_mysql_flexible_server_firewall_rule\" \"r\" {{\n  start_ip_address = {start}\n  end_ip_address = {end}\n}}\n")
    };
    assert_eq!(
        of("PVD-TF-106", &rule("\"0.0.0.0\"", "\"255.255.255.255\"")),
        vec![3]
    );
    // "Allow Azure services" is not the internet; a /8 is an allow-list.
    assert!(of("PVD-TF-106", &rule("\"0.0.0.0\"", "\"0.0.0.0\"")).is_empty());
    assert!(of("PVD-TF-106", &rule("\"10.0.0.0\"", "\"10.255.255.255\"")).is_empty());
    assert!(of("PVD-TF-106", &rule("var.start", "\"255.255.255.255\"")).is_empty());
    assert!(of("PVD-TF-106", &rule("\"255.255.255.255\"", "\"0.0.0.0\"")).is_empty());
}

#[test]
fn database_public_network_access() {
    let server =
        |t: &str, body: &str| format!("resource \"{t}\" \"d\" {{\n  name = \"d\"\n{body}}}\n");
    assert_eq!(
        of("PVD-TF-107", &server("azurerm_postgresql_server", "")),
        vec![1]
    );
    assert_eq!(
        of(
            "PVD-TF-107",
            &server(
                "azurerm_mssql_server",
                "  public_network_access_enabled = true\n"
            )
        ),
        vec![3]
    );
    assert!(of(
        "PVD-TF-107",
        &server(
            "azurerm_mssql_server",
            "  public_network_access_enabled = var.p\n"
        )
    )
    .is_empty());
    // Flexible servers: VNet integration (even through a reference) is private.
    assert!(of(
        "PVD-TF-107",
        &server(
            "azurerm_mysql_flexible_server",
            "  delegated_subnet_id = azurerm_subnet.db.id\n"
        )
    )
    .is_empty());
    assert!(of(
        "PVD-TF-107",
        &server(
            "azurerm_mysql_flexible_server",
            "  public_network_access = \"Disabled\"\n"
        )
    )
    .is_empty());
    assert_eq!(
        of(
            "PVD-TF-107",
            &server(
                "azurerm_mysql_flexible_server",
                "  public_network_access = \"Enabled\"\n"
            )
        ),
        vec![3]
    );
    // Cosmos DB: an IP or virtual-network filter restricts it; an empty filter does not.
    let cosmos = |body: &str| server("azurerm_cosmosdb_account", body);
    assert!(of(
        "PVD-TF-107",
        &cosmos("  is_virtual_network_filter_enabled = true\n")
    )
    .is_empty());
    assert!(of(
        "PVD-TF-107",
        &cosmos("  ip_range_filter = \"203.0.113.0/24\"\n")
    )
    .is_empty());
    assert!(of("PVD-TF-107", &cosmos("  ip_range_filter = var.ips\n")).is_empty());
    assert_eq!(
        of("PVD-TF-107", &cosmos("  ip_range_filter = []\n")),
        vec![1]
    );
    assert!(of(
        "PVD-TF-107",
        &cosmos("  public_network_access_enabled = false\n")
    )
    .is_empty());
}

fn nsg_rule(direction: &str, access: &str, protocol: &str, ports: &str, source: &str) -> String {
    format!(
        "resource \"azurerm_network_security_rule\" \"r\" {{\n  name = \"r\"\n  direction = \"{direction}\"\n  access = \"{access}\"\n  protocol = \"{protocol}\"\n  {ports}\n  {source}\n}}\n"
    )
}

#[test]
fn nsg_rules_direction_access_protocol_ports_sources() {
    let open = |protocol: &str, ports: &str| {
        of(
            "PVD-TF-108",
            &nsg_rule(
                "Inbound",
                "Allow",
                protocol,
                ports,
                "source_address_prefix = \"*\"",
            ),
        )
    };
    assert_eq!(open("Tcp", "destination_port_range = \"22\""), vec![7]);
    assert_eq!(open("Tcp", "destination_port_range = \"20-25\""), vec![7]);
    assert_eq!(open("*", "destination_port_range = \"*\""), vec![7]);
    assert_eq!(open("Udp", "destination_port_range = \"3389\""), vec![7]);
    // SSH is TCP only; ICMP has no ports; 443 is the public listener.
    assert!(open("Udp", "destination_port_range = \"22\"").is_empty());
    assert!(open("Icmp", "destination_port_range = \"*\"").is_empty());
    assert!(open("Tcp", "destination_port_ranges = [\"443\", \"8443\"]").is_empty());
    assert!(open("Tcp", "destination_port_range = var.port").is_empty());
    let with = |direction: &str, access: &str, source: &str| {
        of(
            "PVD-TF-108",
            &nsg_rule(
                direction,
                access,
                "Tcp",
                "destination_port_range = \"3389\"",
                source,
            ),
        )
    };
    assert!(with("Outbound", "Allow", "source_address_prefix = \"*\"").is_empty());
    assert!(with("Inbound", "Deny", "source_address_prefix = \"*\"").is_empty());
    assert!(with(
        "Inbound",
        "Allow",
        "source_address_prefix = \"VirtualNetwork\""
    )
    .is_empty());
    assert!(with("Inbound", "Allow", "source_address_prefix = var.source").is_empty());
    assert_eq!(
        with(
            "inbound",
            "allow",
            "source_address_prefixes = [\"10.0.0.0/8\", \"::/0\"]"
        ),
        vec![7]
    );
    let msgs: Vec<String> = run(&nsg_rule(
        "Inbound",
        "Allow",
        "Tcp",
        "destination_port_ranges = [\"22\", \"3389\"]",
        "source_address_prefix = \"Any\"",
    ))
    .into_iter()
    .map(|(_, _, m)| m)
    .collect();
    assert_eq!(
        msgs,
        vec!["azurerm_network_security_rule.r: inbound rule `r` allows SSH (22) and RDP (3389) from Any"]
    );
}

#[test]
fn nsg_dynamic_security_rules() {
    let group = |content: &str| {
        format!("resource \"azurerm_network_security_group\" \"g\" {{\n  name = \"g\"\n  dynamic \"security_rule\" {{\n    for_each = var.rules\n    content {{\n{content}    }}\n  }}\n}}\n")
    };
    // Values read from the iterator are unknown.
    let iterated = group("      direction = \"Inbound\"\n      access = \"Allow\"\n      protocol = \"Tcp\"\n      destination_port_range = security_rule.value.port\n      source_address_prefix = security_rule.value.source\n");
    assert!(of("PVD-TF-108", &iterated).is_empty());
    // Literal content opens the same port for every element.
    let literal = group("      direction = \"Inbound\"\n      access = \"Allow\"\n      protocol = \"Tcp\"\n      destination_port_range = \"22\"\n      source_address_prefix = \"Internet\"\n");
    assert_eq!(of("PVD-TF-108", &literal), vec![10]);
}

#[test]
fn aks_rbac_local_accounts_and_api_server() {
    let cluster = |body: &str| {
        format!("resource \"azurerm_kubernetes_cluster\" \"k\" {{\n  name = \"k\"\n{body}}}\n")
    };
    assert_eq!(
        of(
            "PVD-TF-109",
            &cluster("  role_based_access_control_enabled = false\n")
        ),
        vec![3]
    );
    assert_eq!(
        of(
            "PVD-TF-109",
            &cluster("  role_based_access_control {\n    enabled = false\n  }\n")
        ),
        vec![4]
    );
    assert!(of(
        "PVD-TF-109",
        &cluster("  role_based_access_control_enabled = var.rbac\n")
    )
    .is_empty());
    assert!(of("PVD-TF-109", &cluster("")).is_empty());
    assert_eq!(
        of("PVD-TF-110", &cluster("  local_account_disabled = false\n")),
        vec![3]
    );
    assert!(of("PVD-TF-110", &cluster("  local_account_disabled = var.x\n")).is_empty());
    assert!(of("PVD-TF-111", &cluster("  private_cluster_enabled = true\n")).is_empty());
    assert!(of(
        "PVD-TF-111",
        &cluster("  private_cluster_enabled = var.private\n")
    )
    .is_empty());
    assert!(of(
        "PVD-TF-111",
        &cluster("  api_server_authorized_ip_ranges = [\"203.0.113.0/24\"]\n")
    )
    .is_empty());
    assert_eq!(
        of(
            "PVD-TF-111",
            &cluster("  api_server_authorized_ip_ranges = []\n")
        ),
        vec![3]
    );
    assert!(of(
        "PVD-TF-111",
        &cluster(
            "  api_server_access_profile {\n    authorized_ip_ranges = var.admin_ranges\n  }\n"
        )
    )
    .is_empty());
    assert!(of(
        "PVD-TF-111",
        &cluster("  dynamic \"api_server_access_profile\" {\n    for_each = var.p\n    content {\n      authorized_ip_ranges = api_server_access_profile.value\n    }\n  }\n")
    )
    .is_empty());
}

#[test]
fn database_plaintext() {
    let server = "resource \"azurerm_postgresql_server\" \"p\" {\n  public_network_access_enabled = false\n  ssl_enforcement_enabled = false\n}\n";
    assert_eq!(of("PVD-TF-112", server), vec![3]);
    assert!(of("PVD-TF-112", &server.replace("= false\n}", "= var.ssl\n}")).is_empty());
    let config = |name: &str, value: &str| {
        format!("resource \"azurerm_mysql_flexible_server_configuration\" \"c\" {{\n  name = \"{name}\"\n  value = \"{value}\"\n}}\n")
    };
    assert_eq!(
        of("PVD-TF-112", &config("require_secure_transport", "OFF")),
        vec![3]
    );
    assert!(of("PVD-TF-112", &config("require_secure_transport", "ON")).is_empty());
    assert!(of("PVD-TF-112", &config("max_connections", "off")).is_empty());
}

#[test]
fn encryption_layer_off() {
    let server = "resource \"azurerm_mysql_server\" \"m\" {\n  ssl_enforcement_enabled = true\n}\n";
    // Missing: reported at the server block.
    assert_eq!(of("PVD-TF-113", server), vec![1]);
    let off = "resource \"azurerm_postgresql_server\" \"p\" {\n  ssl_enforcement_enabled = true\n  infrastructure_encryption_enabled = false\n}\n";
    assert_eq!(of("PVD-TF-113", off), vec![3]);
    assert!(of("PVD-TF-113", &off.replace("= false\n}", "= true\n}")).is_empty());
    assert!(of("PVD-TF-113", &off.replace("= false\n}", "= var.infra\n}")).is_empty());
    // Flexible servers have no such switch.
    assert!(of(
        "PVD-TF-113",
        &server.replace("mysql_server", "mysql_flexible_server")
    )
    .is_empty());
    let disk = |settings: &str| {
        format!("resource \"azurerm_managed_disk\" \"d\" {{\n  create_option = \"Empty\"\n{settings}}}\n")
    };
    assert_eq!(
        of(
            "PVD-TF-113",
            &disk("  encryption_settings {\n    enabled = false\n  }\n")
        ),
        vec![4]
    );
    // No block, `true`, or an unknown value: nothing certain to report.
    assert!(of("PVD-TF-113", &disk("")).is_empty());
    assert!(of(
        "PVD-TF-113",
        &disk("  encryption_settings {\n    enabled = true\n  }\n")
    )
    .is_empty());
    assert!(of(
        "PVD-TF-113",
        &disk("  encryption_settings {\n    enabled = var.ade\n  }\n")
    )
    .is_empty());
}
