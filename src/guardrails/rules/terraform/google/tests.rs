//! Edge cases of the Google Cloud rules: defaults, unknown values, dynamic blocks,
//! and the buckets that grants resolve to.

use crate::guardrails::rules::terraform::test_support::{of, run};

fn sql(ip_configuration: &str) -> String {
    format!(
        "resource \"google_sql_database_instance\" \"db\" {{\n  settings {{\n    backup_configuration {{\n      enabled = true\n    }}\n    ip_configuration {{\n{ip_configuration}    }}\n  }}\n}}\n"
    )
}

#[test]
fn a_hardened_module_is_quiet() {
    let tf = format!(
        "{}{}",
        sql("      ipv4_enabled = false\n      private_network = google_compute_network.main.id\n      ssl_mode = \"ENCRYPTED_ONLY\"\n"),
        r#"resource "google_storage_bucket" "b" {
  name                        = "acme"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
}
resource "google_container_cluster" "c" {
  name = "c"
  private_cluster_config {
    enable_private_endpoint = true
  }
}
resource "google_compute_firewall" "web" {
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["80", "443"]
  }
}
"#
    );
    assert!(run(&tf).is_empty(), "{:?}", run(&tf));
}

#[test]
fn cloud_sql_world_networks_public_ip_and_dynamic_blocks() {
    let world = "      authorized_networks {\n        value = \"0.0.0.0/0\"\n      }\n";
    assert_eq!(of("PVD-TF-201", &sql(world)), vec![8]);
    // 201 covers the public IP of an instance open to the world.
    assert!(of("PVD-TF-202", &sql(world)).is_empty());
    // Without a public IP the authorized networks do not apply.
    let private = format!("      ipv4_enabled = false\n{world}");
    assert!(run(&sql(&private))
        .iter()
        .all(|(r, _, _)| *r != "PVD-TF-201" && *r != "PVD-TF-202"));
    assert!(of(
        "PVD-TF-201",
        &sql(&format!("      ipv4_enabled = var.public\n{world}"))
    )
    .is_empty());
    let iterated = "      dynamic \"authorized_networks\" {\n        for_each = var.networks\n        content {\n          value = authorized_networks.value\n        }\n      }\n";
    assert!(of("PVD-TF-201", &sql(iterated)).is_empty());
    let literal = iterated.replace("authorized_networks.value", "\"::/0\"");
    assert_eq!(of("PVD-TF-201", &sql(&literal)), vec![10]);
    assert_eq!(
        of("PVD-TF-202", &sql("      ssl_mode = \"ENCRYPTED_ONLY\"\n")),
        vec![6]
    );
    assert_eq!(
        run(&sql("      ipv4_enabled = true\n      ssl_mode = \"ENCRYPTED_ONLY\"\n")),
        vec![(
            "PVD-TF-202",
            7,
            "google_sql_database_instance.db: ipv4_enabled = true, so the instance has a public IP address".to_owned()
        )]
    );
    assert!(of("PVD-TF-202", &sql("      ipv4_enabled = var.public\n")).is_empty());
}

#[test]
fn cloud_sql_ssl_modes() {
    let ssl = |line: &str| of("PVD-TF-203", &sql(line));
    assert_eq!(
        ssl("      ssl_mode = \"ALLOW_UNENCRYPTED_AND_ENCRYPTED\"\n"),
        vec![7]
    );
    assert!(ssl("      ssl_mode = \"TRUSTED_CLIENT_CERTIFICATE_REQUIRED\"\n").is_empty());
    assert!(ssl("      ssl_mode = var.ssl_mode\n").is_empty());
    assert!(ssl("      require_ssl = true\n").is_empty());
    assert_eq!(ssl("      require_ssl = false\n"), vec![7]);
    assert!(ssl("      require_ssl = var.ssl\n").is_empty());
    // Default settings: reported on a public IP that authorizes networks (or with a
    // private network attached), not on a private one.
    let office = "      authorized_networks {\n        value = \"203.0.113.0/24\"\n      }\n";
    assert_eq!(ssl(office), vec![6]);
    assert_eq!(
        ssl("      private_network = google_compute_network.vpc.id\n"),
        vec![6]
    );
    assert!(ssl(&format!("      ipv4_enabled = false\n{office}")).is_empty());
    // No authorized network: only the Cloud SQL connectors (always TLS) get in.
    assert!(ssl("").is_empty());
    assert!(of(
        "PVD-TF-203",
        "resource \"google_sql_database_instance\" \"db\" {\n  settings {\n    tier = \"db-f1-micro\"\n  }\n}\n"
    )
    .is_empty());
    // An explicit plain-text mode is reported even on a private IP.
    assert_eq!(
        ssl("      ipv4_enabled = false\n      require_ssl = false\n"),
        vec![8]
    );
}

#[test]
fn cloud_sql_backups_and_replicas() {
    let instance = |body: &str| {
        format!("resource \"google_sql_database_instance\" \"db\" {{\n{body}  settings {{\n    tier = \"db-f1-micro\"\n  }}\n}}\n")
    };
    assert_eq!(of("PVD-TF-204", &instance("")), vec![2]);
    assert!(of(
        "PVD-TF-204",
        &instance("  master_instance_name = google_sql_database_instance.main.name\n")
    )
    .is_empty());
    let backups = |enabled: &str| {
        format!("resource \"google_sql_database_instance\" \"db\" {{\n  settings {{\n    backup_configuration {{\n      enabled = {enabled}\n    }}\n  }}\n}}\n")
    };
    assert_eq!(of("PVD-TF-204", &backups("false")), vec![4]);
    assert!(of("PVD-TF-204", &backups("var.backups")).is_empty());
    assert!(of("PVD-TF-204", &backups("true")).is_empty());
}

#[test]
fn blocks_written_as_attributes_are_unknown() {
    // Terraform 0.11 modules pass nested blocks as attributes built from variables.
    let legacy = "resource \"google_sql_database_instance\" \"db\" {\n  settings {\n    tier = var.tier\n    backup_configuration = [var.backup_configuration]\n    ip_configuration = local.ip_configuration\n  }\n}\n";
    assert!(run(legacy).is_empty(), "{:?}", run(legacy));
    let cluster = "resource \"google_container_cluster\" \"c\" {\n  master_authorized_networks_config = var.networks\n}\n";
    assert!(of("PVD-TF-210", cluster).is_empty());
}

fn firewall(top: &str, allow: &str) -> String {
    format!("resource \"google_compute_firewall\" \"f\" {{\n  name = \"f\"\n{top}  allow {{\n{allow}  }}\n}}\n")
}

#[test]
fn firewall_sources_directions_protocols_and_ports() {
    let world = "  source_ranges = [\"0.0.0.0/0\"]\n";
    let tcp = |ports: &str| format!("    protocol = \"tcp\"\n    ports = {ports}\n");
    assert_eq!(
        of("PVD-TF-205", &firewall(world, &tcp("[\"22\"]"))),
        vec![3]
    );
    assert_eq!(
        of("PVD-TF-205", &firewall(world, &tcp("[\"3000-4000\"]"))),
        vec![3]
    );
    assert_eq!(
        of("PVD-TF-205", &firewall(world, "    protocol = \"udp\"\n")),
        vec![3]
    );
    assert!(of("PVD-TF-205", &firewall(world, &tcp("[\"443\"]"))).is_empty());
    assert!(of("PVD-TF-205", &firewall(world, &tcp("var.ports"))).is_empty());
    assert!(of("PVD-TF-205", &firewall(world, "    protocol = \"icmp\"\n")).is_empty());
    assert!(of(
        "PVD-TF-205",
        &firewall(world, "    protocol = \"udp\"\n    ports = [\"22\"]\n")
    )
    .is_empty());
    let ssh = tcp("[\"22\"]");
    let quiet = |top: &str| assert!(of("PVD-TF-205", &firewall(top, &ssh)).is_empty(), "{top}");
    quiet(&format!("{world}  direction = \"EGRESS\"\n"));
    quiet(&format!("{world}  disabled = true\n"));
    quiet(&format!("{world}  disabled = var.off\n"));
    quiet("  source_ranges = var.sources\n");
    quiet("  source_tags = [\"bastion\"]\n");
    quiet("  source_ranges = [\"10.0.0.0/8\"]\n");
    // No source at all means 0.0.0.0/0.
    assert_eq!(
        run(&firewall("", &ssh)),
        vec![(
            "PVD-TF-205",
            1,
            "google_compute_firewall.f: allows SSH (22) from 0.0.0.0/0 (no source given)"
                .to_owned()
        )]
    );
    // Dynamic allow blocks: iterator values are unknown, literal ones count.
    let dynamic = |protocol: &str| {
        format!("resource \"google_compute_firewall\" \"f\" {{\n{world}  dynamic \"allow\" {{\n    for_each = var.allow\n    content {{\n      protocol = {protocol}\n      ports = [\"3389\"]\n    }}\n  }}\n}}\n")
    };
    assert!(of("PVD-TF-205", &dynamic("allow.value.protocol")).is_empty());
    assert_eq!(of("PVD-TF-205", &dynamic("\"tcp\"")), vec![2]);
}

#[test]
fn public_buckets_through_iam_and_acls() {
    let bucket = |extra: &str| {
        format!("resource \"google_storage_bucket\" \"b\" {{\n  name = \"acme-b\"\n  uniform_bucket_level_access = true\n{extra}}}\n")
    };
    let member = |bucket_ref: &str, member: &str| {
        format!("resource \"google_storage_bucket_iam_member\" \"m\" {{\n  bucket = {bucket_ref}\n  role = \"roles/storage.objectViewer\"\n  member = {member}\n}}\n")
    };
    let tf = format!(
        "{}{}",
        bucket(""),
        member("google_storage_bucket.b.name", "\"allUsers\"")
    );
    assert_eq!(of("PVD-TF-206", &tf), vec![8]);
    assert!(of(
        "PVD-TF-206",
        &format!(
            "{}{}",
            bucket(""),
            member("google_storage_bucket.b.name", "var.member")
        )
    )
    .is_empty());
    // Public access prevention on the resolved bucket (by reference or by name)
    // makes Cloud Storage refuse the grant.
    let enforced = bucket("  public_access_prevention = \"enforced\"\n");
    assert!(of(
        "PVD-TF-206",
        &format!(
            "{enforced}{}",
            member("google_storage_bucket.b.name", "\"allUsers\"")
        )
    )
    .is_empty());
    assert!(of(
        "PVD-TF-206",
        &format!("{enforced}{}", member("\"acme-b\"", "\"allUsers\""))
    )
    .is_empty());
    assert_eq!(
        of(
            "PVD-TF-206",
            &format!("{enforced}{}", member("var.bucket", "\"allUsers\""))
        ),
        vec![9]
    );
    let acl = "resource \"google_storage_bucket_acl\" \"a\" {\n  bucket = \"other\"\n  role_entity = [\"OWNER:project-owners-1\", \"READER:allUsers\"]\n}\n";
    assert_eq!(of("PVD-TF-206", acl), vec![3]);
    let predefined = "resource \"google_storage_bucket_acl\" \"a\" {\n  bucket = \"other\"\n  predefined_acl = \"publicRead\"\n}\n";
    assert_eq!(of("PVD-TF-206", predefined), vec![3]);
    let entity = "resource \"google_storage_default_object_access_control\" \"a\" {\n  bucket = \"other\"\n  role = \"READER\"\n  entity = \"allAuthenticatedUsers\"\n}\n";
    assert_eq!(of("PVD-TF-206", entity), vec![4]);
}

#[test]
fn bucket_settings_defaults_and_unknowns() {
    let bucket = |body: &str| {
        format!("resource \"google_storage_bucket\" \"b\" {{\n  name = \"b\"\n{body}}}\n")
    };
    assert_eq!(of("PVD-TF-207", &bucket("")), vec![1]);
    assert_eq!(
        of(
            "PVD-TF-207",
            &bucket("  public_access_prevention = \"inherited\"\n")
        ),
        vec![3]
    );
    assert!(of(
        "PVD-TF-207",
        &bucket("  public_access_prevention = var.pap\n")
    )
    .is_empty());
    assert_eq!(of("PVD-TF-208", &bucket("")), vec![1]);
    assert_eq!(
        of(
            "PVD-TF-208",
            &bucket("  uniform_bucket_level_access = false\n")
        ),
        vec![3]
    );
    assert!(of(
        "PVD-TF-208",
        &bucket("  uniform_bucket_level_access = var.ubla\n")
    )
    .is_empty());
}

#[test]
fn gke_abac_control_plane_and_credentials() {
    let cluster = |body: &str| {
        format!("resource \"google_container_cluster\" \"c\" {{\n  name = \"c\"\n{body}}}\n")
    };
    assert!(of("PVD-TF-209", &cluster("  enable_legacy_abac = false\n")).is_empty());
    assert!(of("PVD-TF-209", &cluster("  enable_legacy_abac = var.abac\n")).is_empty());
    assert_eq!(
        of("PVD-TF-209", &cluster("  enable_legacy_abac = \"true\"\n")),
        vec![3]
    );

    assert_eq!(of("PVD-TF-210", &cluster("")), vec![1]);
    assert!(of(
        "PVD-TF-210",
        &cluster("  master_authorized_networks_config {}\n")
    )
    .is_empty());
    assert!(of(
        "PVD-TF-210",
        &cluster("  private_cluster_config {\n    enable_private_endpoint = var.private\n  }\n")
    )
    .is_empty());
    let networks = |cidr: &str| {
        cluster(&format!("  master_authorized_networks_config {{\n    cidr_blocks {{\n      cidr_block = {cidr}\n    }}\n  }}\n"))
    };
    assert_eq!(of("PVD-TF-210", &networks("\"0.0.0.0/0\"")), vec![5]);
    assert!(of("PVD-TF-210", &networks("var.cidr")).is_empty());

    let auth = |body: &str| cluster(&format!("  master_auth {{\n{body}  }}\n"));
    assert_eq!(
        of(
            "PVD-TF-211",
            &auth("    username = \"admin\"\n    password = var.password\n")
        ),
        vec![4]
    );
    assert!(of(
        "PVD-TF-211",
        &auth("    username = \"\"\n    password = \"\"\n")
    )
    .is_empty());
    assert!(of(
        "PVD-TF-211",
        &auth(
            "    client_certificate_config {\n      issue_client_certificate = var.issue\n    }\n"
        )
    )
    .is_empty());
}

#[test]
fn redis_transit_encryption() {
    let redis = |mode: &str| {
        format!("resource \"google_redis_instance\" \"r\" {{\n  memory_size_gb = 1\n{mode}}}\n")
    };
    // Missing: the default is DISABLED, reported at the instance.
    assert_eq!(of("PVD-TF-212", &redis("")), vec![1]);
    assert_eq!(
        of(
            "PVD-TF-212",
            &redis("  transit_encryption_mode = \"DISABLED\"\n")
        ),
        vec![3]
    );
    assert!(of(
        "PVD-TF-212",
        &redis("  transit_encryption_mode = \"SERVER_AUTHENTICATION\"\n")
    )
    .is_empty());
    assert!(of(
        "PVD-TF-212",
        &redis("  transit_encryption_mode = var.tls\n")
    )
    .is_empty());
}

#[test]
fn ssl_policy_versions_and_profiles() {
    let policy = |body: &str| {
        format!("resource \"google_compute_ssl_policy\" \"p\" {{\n  name = \"p\"\n{body}}}\n")
    };
    // Both defaults are weak: one finding at the policy.
    assert_eq!(of("PVD-TF-213", &policy("")), vec![1]);
    assert_eq!(
        of(
            "PVD-TF-213",
            &policy("  min_tls_version = \"TLS_1_1\"\n  profile = \"MODERN\"\n")
        ),
        vec![3]
    );
    assert_eq!(
        of(
            "PVD-TF-213",
            &policy("  min_tls_version = \"TLS_1_2\"\n  profile = \"COMPATIBLE\"\n")
        ),
        vec![4]
    );
    for strong in [
        "  min_tls_version = \"TLS_1_2\"\n  profile = \"MODERN\"\n",
        "  min_tls_version = \"TLS_1_2\"\n  profile = \"RESTRICTED\"\n",
        "  min_tls_version = var.tls\n  profile = var.profile\n",
    ] {
        assert!(of("PVD-TF-213", &policy(strong)).is_empty(), "{strong}");
    }
}
