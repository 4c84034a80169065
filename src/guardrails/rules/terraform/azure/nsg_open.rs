use paved_model::terraform::cloud::{is_world_cidr, nested, setting, str_setting, PortRange, Setting};
use paved_model::Location;
use paved_parse::hcl::{Block, Value};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Network security rule opens SSH, RDP or every port to the internet
    ///
    /// ## Why it matters
    /// An inbound Allow from `*`, `Internet` or `0.0.0.0/0` to port 22, port 3389 or
    /// every port puts remote administration (or everything the VM listens on) in
    /// front of the whole internet, where it is scanned within minutes and
    /// brute-forced continuously; it is one of the most common initial-access paths.
    ///
    /// ## How to fix it
    /// Restrict `source_address_prefix` to the addresses that need access, or remove
    /// the rule and use Azure Bastion or a VPN for administration; open only the ports
    /// the service actually serves.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: SSH from anywhere
    /// resource "azurerm_network_security_rule" "ssh" {
    ///   name                        = "ssh"
    ///   priority                    = 100
    ///   direction                   = "Inbound"
    ///   access                      = "Allow"
    ///   protocol                    = "Tcp"
    ///   source_port_range           = "*"
    ///   destination_port_range      = "22"
    ///   source_address_prefix       = "Internet"
    ///   destination_address_prefix  = "*"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_network_security_rule" "ssh" {
    ///   name                        = "ssh"
    ///   priority                    = 100
    ///   direction                   = "Inbound"
    ///   access                      = "Allow"
    ///   protocol                    = "Tcp"
    ///   source_port_range           = "*"
    ///   destination_port_range      = "22"
    ///   source_address_prefix       = "10.20.0.0/24"
    ///   destination_address_prefix  = "*"
    /// }
    /// ```
    pub struct NsgOpen {
        id: "PVD-TF-108",
        severity: Critical,
        references: ["checkov:CKV_AZURE_9", "checkov:CKV_AZURE_10", "cis-azure:6.1", "cis-azure:6.2"],
    }
}

/// Azure's spellings of "any source on the internet".
fn is_internet(prefix: &str) -> bool {
    let p = prefix.trim();
    p == "*" || p.eq_ignore_ascii_case("internet") || p.eq_ignore_ascii_case("any") || is_world_cidr(p)
}

/// The literal strings of an attribute that is a string or a list of strings.
fn strings<'b>(rule: &'b Block, single: &str, many: &str) -> Vec<&'b str> {
    [single, many]
        .iter()
        .filter_map(|k| match setting(rule, k) {
            Setting::Set(v) => Some(v.strings()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The destination ports of a rule as written: strings (`"22"`, `"1000-2000"`, `"*"`)
/// and numbers, which Terraform turns into the string the provider takes
/// (`destination_port_range = 22`).
fn ports(rule: &Block) -> Vec<String> {
    fn add(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 => out.push(format!("{}", *n as u64)),
            Value::List(items) => items.iter().for_each(|i| add(i, out)),
            v => out.extend(v.as_str().map(str::to_owned)),
        }
    }
    let mut out = Vec::new();
    for key in ["destination_port_range", "destination_port_ranges"] {
        if let Setting::Set(v) = setting(rule, key) {
            add(v, &mut out);
        }
    }
    out
}

fn is(rule: &Block, key: &str, want: &str) -> bool {
    matches!(str_setting(rule, key), Some(Some(v)) if v.eq_ignore_ascii_case(want))
}

/// What an inbound rule opens to the internet, if it is SSH, RDP or every port.
fn exposure(rule: &Block) -> Option<(String, &'static str)> {
    if !is(rule, "direction", "Inbound") || !is(rule, "access", "Allow") {
        return None;
    }
    let protocol = match str_setting(rule, "protocol") {
        Some(Some(p)) => p.to_ascii_lowercase(),
        _ => return None,
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "*") {
        return None;
    }
    let source = strings(rule, "source_address_prefix", "source_address_prefixes")
        .into_iter()
        .find(|p| is_internet(p))?;
    let ranges: Vec<PortRange> = ports(rule)
        .iter()
        .filter_map(|p| PortRange::parse(p))
        .collect();
    let what = if ranges.iter().any(|r| r.is_all()) {
        "every port"
    } else {
        let ssh = protocol != "udp" && ranges.iter().any(|r| r.contains(22));
        let rdp = ranges.iter().any(|r| r.contains(3389));
        match (ssh, rdp) {
            (true, true) => "SSH (22) and RDP (3389)",
            (true, false) => "SSH (22)",
            (false, true) => "RDP (3389)",
            (false, false) => return None,
        }
    };
    Some((source.to_owned(), what))
}

impl Check for NsgOpen {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        let mut report = |path, rule: &Block, owner: String| {
            let Some((source, what)) = exposure(rule) else { return };
            let name = match rule.value("name") {
                Some(Value::String(n)) => format!(" `{n}`"),
                _ => String::new(),
            };
            let key = if rule.attr("source_address_prefix").is_some() {
                "source_address_prefix"
            } else {
                "source_address_prefixes"
            };
            out.at(Location::hcl(path, rule, key)).say(format!(
                "{owner}: inbound rule{name} allows {what} from {source}"
            ));
        };
        for r in tf.resources("azurerm_network_security_rule") {
            report(r.path(), r.block, r.block.address());
        }
        for g in tf.resources("azurerm_network_security_group") {
            for rule in nested(g.block, "security_rule") {
                report(g.path(), rule, g.block.address());
            }
        }
    }
}
