//! What the Azure and Google Cloud rules ask of Terraform: a setting with its
//! provider default, nested blocks spelled directly or as `dynamic` blocks, addresses
//! that mean "the whole internet", port specifications, and the resource a reference
//! names within one module.
//!
//! Only literal values decide: a reference, a call or an interpolation is
//! [`Setting::Unknown`], and rules never report an unknown value.

use paved_parse::hcl::{Block, Value};

use super::{Resource, Terraform};

/// An attribute as the provider will see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Setting<'b> {
    /// Absent or `null`: the provider's default applies.
    Default,
    /// A literal value.
    Set(&'b Value),
    /// A reference, a call, an interpolation: nothing can be said about it.
    Unknown,
}

/// The attribute `name` of `block`.
pub fn setting<'b>(block: &'b Block, name: &str) -> Setting<'b> {
    match block.value(name) {
        None | Some(Value::Null) => Setting::Default,
        Some(Value::Reference(_) | Value::Template(_) | Value::Unknown) => Setting::Unknown,
        Some(v) => Setting::Set(v),
    }
}

/// Whether the attribute is written with a literal value (not absent, `null` or
/// unknown): decides between "x = false" and "x defaults to false" in a message.
pub fn is_set(block: &Block, name: &str) -> bool {
    matches!(setting(block, name), Setting::Set(_))
}

/// A boolean attribute with the provider's `default` filled in; `None` when it is
/// not literal (or not a boolean).
pub fn bool_or(block: &Block, name: &str, default: bool) -> Option<bool> {
    match setting(block, name) {
        Setting::Default => Some(default),
        Setting::Set(v) => v.as_bool(),
        Setting::Unknown => None,
    }
}

/// A string attribute: `Some(None)` when absent (the default applies), `None` when it
/// is not a literal string.
pub fn str_setting<'b>(block: &'b Block, name: &str) -> Option<Option<&'b str>> {
    match setting(block, name) {
        Setting::Default => Some(None),
        Setting::Set(v) => v.as_str().map(Some),
        Setting::Unknown => None,
    }
}

/// Nested blocks of `kind` below `block`: `kind { … }` and the `content` of each
/// `dynamic "kind" { … }`. A dynamic block's content usually reads its iterator
/// (`rule.value.port`), which is unknown; literal values in it decide like any other.
pub fn nested<'b>(block: &'b Block, kind: &'b str) -> impl Iterator<Item = &'b Block> + 'b {
    block.body.blocks.iter().filter_map(move |b| {
        if b.kind == kind {
            Some(b)
        } else if b.kind == "dynamic" && b.labels.first().map(String::as_str) == Some(kind) {
            b.body.block("content")
        } else {
            None
        }
    })
}

/// The first nested block of `kind` (see [`nested`]): `Some(None)` when there is none,
/// `None` when `kind` is written as an attribute (`ip_configuration = var.ip`,
/// Terraform 0.11's `settings = [...]`), whose content is unknown.
pub fn single<'b>(block: &'b Block, kind: &'b str) -> Option<Option<&'b Block>> {
    if block.attr(kind).is_some() {
        return None;
    }
    Some(nested(block, kind).next())
}

/// A CIDR with a zero-length prefix (`0.0.0.0/0`, `::/0`): every address.
pub fn is_world_cidr(cidr: &str) -> bool {
    match cidr.trim().split_once('/') {
        Some((addr, "0")) => addr.parse::<std::net::IpAddr>().is_ok(),
        _ => false,
    }
}

/// An inclusive port range as Azure security rules and Google firewall rules spell
/// it: `22`, `1000-2000`, or `*` (every port).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };

    /// `None` for anything that is not a port, a range or `*`.
    pub fn parse(spec: &str) -> Option<PortRange> {
        let spec = spec.trim();
        if spec == "*" {
            return Some(PortRange::ALL);
        }
        let (from, to) = spec.split_once('-').unwrap_or((spec, spec));
        let (from, to) = (from.trim().parse().ok()?, to.trim().parse().ok()?);
        (from <= to).then_some(PortRange { from, to })
    }

    pub fn contains(self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    /// Every port a service can listen on (port 0 is not one).
    pub fn is_all(self) -> bool {
        self.from <= 1 && self.to == 65535
    }
}

/// `TYPE.NAME` of a reference such as `azurerm_storage_account.main[0].id`.
fn address_of(reference: &str) -> Option<(&str, &str)> {
    let mut parts = reference.splitn(3, '.');
    let type_ = parts.next()?;
    let name = parts.next()?;
    let name = name.split('[').next().unwrap_or(name);
    Some((type_, name))
}

/// Whether `value` names `target`: `Some(true)` for a reference to it (any of its
/// attributes) or for its literal `name`, `Some(false)` for a reference to another
/// resource or another literal name, `None` when it cannot be said.
pub fn names(value: &Value, target: &Block) -> Option<bool> {
    match value {
        Value::Reference(r) => {
            let (type_, name) = address_of(r)?;
            if type_ == "var" || type_ == "local" || type_ == "module" || type_ == "data" {
                return None;
            }
            Some(type_ == target.type_label() && name == target.name_label())
        }
        Value::String(s) => match target.value("name") {
            Some(Value::String(n)) => Some(n == s),
            _ => None,
        },
        _ => None,
    }
}

impl<'m> Terraform<'m> {
    /// The resource of `type_` that `value` names (a reference such as
    /// `google_storage_bucket.assets.name`, or a literal name) in the module of `from`.
    pub fn named_by(
        &self,
        from: &Resource<'m>,
        value: &Value,
        type_: &str,
    ) -> Option<Resource<'m>> {
        self.module_resources(from.path(), type_)
            .find(|r| names(value, r.block) == Some(true))
    }
}

/// Cloud SQL: `settings { ip_configuration { … } }` of a
/// `google_sql_database_instance` (directly or as dynamic blocks): `Some(None)` when
/// not written, `None` when unknown (written as an attribute).
pub fn sql_ip_configuration(instance: &Block) -> Option<Option<&Block>> {
    match single(instance, "settings")? {
        Some(settings) => single(settings, "ip_configuration"),
        None => Some(None),
    }
}

/// Cloud SQL: whether the instance has a public IPv4 address (`ipv4_enabled`
/// defaults to true); `None` when unknown.
pub fn sql_public_ip(instance: &Block) -> Option<bool> {
    match sql_ip_configuration(instance)? {
        Some(ip) => bool_or(ip, "ipv4_enabled", true),
        None => Some(true),
    }
}

/// Cloud SQL: the `authorized_networks` blocks whose `value` is the whole internet.
pub fn sql_world_networks(instance: &Block) -> Vec<&Block> {
    let Some(Some(ip)) = sql_ip_configuration(instance) else {
        return Vec::new();
    };
    nested(ip, "authorized_networks")
        .filter(|n| matches!(str_setting(n, "value"), Some(Some(v)) if is_world_cidr(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;

    fn model(text: &str) -> Model {
        Model::from_memory(&[("infra/main.tf", text), ("other/main.tf", text)])
    }

    #[test]
    fn settings_tell_default_literal_and_unknown_apart() {
        let m = model(
            "resource \"x\" \"y\" {\n  a = true\n  b = null\n  c = var.c\n  d = \"TLS1_0\"\n  e = \"${var.e}-x\"\n}\n",
        );
        let tf = Terraform::build(&m);
        let r = tf.resources("x").next().unwrap();
        let b = r.block;
        assert_eq!(bool_or(b, "a", false), Some(true));
        assert_eq!(bool_or(b, "b", true), Some(true));
        assert_eq!(bool_or(b, "absent", false), Some(false));
        assert_eq!(bool_or(b, "c", false), None);
        assert_eq!(str_setting(b, "d"), Some(Some("TLS1_0")));
        assert_eq!(str_setting(b, "absent"), Some(None));
        assert_eq!(str_setting(b, "e"), None);
        assert_eq!(setting(b, "c"), Setting::Unknown);
    }

    #[test]
    fn nested_blocks_include_dynamic_content() {
        let m = model(
            r#"resource "azurerm_network_security_group" "g" {
  security_rule {
    name = "a"
  }
  dynamic "security_rule" {
    for_each = var.rules
    content {
      name = security_rule.value.name
    }
  }
  dynamic "other" {
    for_each = var.x
    content {}
  }
}
"#,
        );
        let tf = Terraform::build(&m);
        let g = tf
            .resources("azurerm_network_security_group")
            .next()
            .unwrap();
        let lines: Vec<u32> = nested(g.block, "security_rule").map(|b| b.line).collect();
        assert_eq!(lines, vec![2, 7]);
    }

    #[test]
    fn cloud_sql_ip_configuration() {
        let m = model(
            r#"resource "google_sql_database_instance" "default" {
  settings {
    tier = "db-f1-micro"
  }
}
resource "google_sql_database_instance" "private" {
  settings {
    ip_configuration {
      ipv4_enabled = false
      authorized_networks {
        value = "0.0.0.0/0"
      }
    }
  }
}
resource "google_sql_database_instance" "open" {
  settings {
    ip_configuration {
      dynamic "authorized_networks" {
        for_each = var.networks
        content {
          value = authorized_networks.value
        }
      }
      authorized_networks {
        name  = "all"
        value = "0.0.0.0/0"
      }
    }
  }
}
resource "google_sql_database_instance" "unknown" {
  settings {
    ip_configuration {
      ipv4_enabled = var.public
    }
  }
}
resource "google_sql_database_instance" "legacy" {
  settings {
    ip_configuration = "${local.ip_configurations["enabled"]}"
  }
}
"#,
        );
        let tf = Terraform::build(&m);
        let sql: Vec<_> = tf
            .resources("google_sql_database_instance")
            .take(5)
            .map(|r| r.block)
            .collect();
        let public: Vec<_> = sql.iter().map(|b| sql_public_ip(b)).collect();
        assert_eq!(
            public,
            vec![Some(true), Some(false), Some(true), None, None]
        );
        let world: Vec<Vec<u32>> = sql
            .iter()
            .map(|b| sql_world_networks(b).iter().map(|n| n.line).collect())
            .collect();
        assert_eq!(world, vec![vec![], vec![10], vec![25], vec![], vec![]]);
    }

    #[test]
    fn world_cidrs_and_port_ranges() {
        assert!(is_world_cidr("0.0.0.0/0"));
        assert!(is_world_cidr("::/0"));
        assert!(!is_world_cidr("10.0.0.0/8"));
        assert!(!is_world_cidr("0.0.0.0"));
        assert!(!is_world_cidr("Internet"));
        assert_eq!(PortRange::parse("*"), Some(PortRange::ALL));
        assert_eq!(PortRange::parse("22"), Some(PortRange { from: 22, to: 22 }));
        let r = PortRange::parse("20-25").unwrap();
        assert!(r.contains(22) && !r.contains(3389) && !r.is_all());
        assert!(PortRange::parse("1-65535").unwrap().is_all());
        assert_eq!(PortRange::parse("30-20"), None);
        assert_eq!(PortRange::parse("ssh"), None);
        assert_eq!(PortRange::parse("70000"), None);
    }

    #[test]
    fn references_resolve_within_one_module() {
        let m = model(
            r#"resource "google_storage_bucket" "assets" {
  name = "acme-assets"
}
resource "google_storage_bucket_iam_member" "a" {
  bucket = google_storage_bucket.assets.name
}
resource "google_storage_bucket_iam_member" "b" {
  bucket = "acme-assets"
}
resource "google_storage_bucket_iam_member" "c" {
  bucket = var.bucket
}
resource "google_storage_bucket_iam_member" "d" {
  bucket = google_storage_bucket.logs[0].name
}
"#,
        );
        let tf = Terraform::build(&m);
        let members: Vec<_> = tf.resources("google_storage_bucket_iam_member").collect();
        assert_eq!(members.len(), 8);
        let target = |i: usize| {
            let r = &members[i];
            tf.named_by(r, r.block.value("bucket").unwrap(), "google_storage_bucket")
                .map(|b| (b.path().to_string_lossy().into_owned(), b.block.line))
        };
        assert_eq!(target(0), Some(("infra/main.tf".into(), 1)));
        assert_eq!(target(1), Some(("infra/main.tf".into(), 1)));
        assert_eq!(target(2), None);
        assert_eq!(target(3), None);
        // The copy in other/ resolves to its own module's bucket.
        assert_eq!(target(4), Some(("other/main.tf".into(), 1)));
        let bucket = tf.resources("google_storage_bucket").next().unwrap();
        assert_eq!(
            names(members[3].block.value("bucket").unwrap(), bucket.block),
            Some(false)
        );
        assert_eq!(
            names(members[2].block.value("bucket").unwrap(), bucket.block),
            None
        );
    }
}
