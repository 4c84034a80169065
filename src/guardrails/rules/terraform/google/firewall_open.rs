use paved_model::terraform::cloud::{
    bool_or, is_world_cidr, nested, setting, str_setting, PortRange, Setting,
};
use paved_parse::hcl::Block;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Firewall rule opens SSH, RDP or every port to the internet
    ///
    /// ## Why it matters
    /// An ingress rule from `0.0.0.0/0` that allows TCP 22, port 3389 or every port
    /// puts remote administration (or everything the instances listen on) in front of
    /// the whole internet, where it is scanned within minutes and brute-forced
    /// continuously; it is one of the most common initial-access paths.
    ///
    /// ## How to fix it
    /// Restrict `source_ranges` to the addresses that need access (for SSH through
    /// Identity-Aware Proxy: `35.235.240.0/20`), or remove the rule and use IAP TCP
    /// forwarding or OS Login through a bastion; allow only the ports the service
    /// serves.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: SSH from anywhere
    /// resource "google_compute_firewall" "ssh" {
    ///   name          = "allow-ssh"
    ///   network       = google_compute_network.main.name
    ///   source_ranges = ["0.0.0.0/0"]
    ///   allow {
    ///     protocol = "tcp"
    ///     ports    = ["22"]
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "google_compute_firewall" "ssh" {
    ///   name          = "allow-ssh-from-iap"
    ///   network       = google_compute_network.main.name
    ///   source_ranges = ["35.235.240.0/20"]
    ///   allow {
    ///     protocol = "tcp"
    ///     ports    = ["22"]
    ///   }
    /// }
    /// ```
    pub struct FirewallOpen {
        id: "PVD-TF-205",
        severity: Critical,
        references: ["checkov:CKV_GCP_2", "checkov:CKV_GCP_3", "cis-gcp:3.6", "cis-gcp:3.7"],
    }
}

/// The internet source of an ingress rule: a `/0` range, or no source at all (Google
/// Cloud then applies the rule to `0.0.0.0/0`). `None` when it has none or it is
/// unknown.
fn world_source(rule: &Block) -> Option<String> {
    match setting(rule, "source_ranges") {
        Setting::Set(v) => v.strings().into_iter().find(|c| is_world_cidr(c)).map(str::to_owned),
        Setting::Unknown => None,
        Setting::Default => {
            let other = ["source_tags", "source_service_accounts"]
                .iter()
                .any(|k| setting(rule, k) != Setting::Default);
            (!other).then(|| "0.0.0.0/0 (no source given)".to_owned())
        }
    }
}

/// What one `allow` block opens, if it is SSH, RDP or every port.
fn opens(allow: &Block) -> Option<&'static str> {
    let protocol = match str_setting(allow, "protocol") {
        Some(Some(p)) => p.to_ascii_lowercase(),
        _ => return None,
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "all" | "6" | "17") {
        return None;
    }
    let ranges: Vec<PortRange> = match setting(allow, "ports") {
        Setting::Default => vec![PortRange::ALL],
        Setting::Set(v) => v.strings().into_iter().filter_map(PortRange::parse).collect(),
        Setting::Unknown => return None,
    };
    if ranges.iter().any(|r| r.is_all()) {
        return Some("every port");
    }
    let tcp = matches!(protocol.as_str(), "tcp" | "all" | "6");
    let ssh = tcp && ranges.iter().any(|r| r.contains(22));
    let rdp = ranges.iter().any(|r| r.contains(3389));
    match (ssh, rdp) {
        (true, true) => Some("SSH (22) and RDP (3389)"),
        (true, false) => Some("SSH (22)"),
        (false, true) => Some("RDP (3389)"),
        (false, false) => None,
    }
}

impl Check for FirewallOpen {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_compute_firewall") {
            let ingress = matches!(str_setting(r.block, "direction"), Some(None))
                || matches!(str_setting(r.block, "direction"), Some(Some(d)) if d.eq_ignore_ascii_case("INGRESS"));
            if !ingress || bool_or(r.block, "disabled", false) != Some(false) {
                continue;
            }
            let Some(source) = world_source(r.block) else {
                continue;
            };
            let mut what: Vec<&str> = Vec::new();
            for w in nested(r.block, "allow").filter_map(opens) {
                if !what.contains(&w) {
                    what.push(w);
                }
            }
            if what.contains(&"every port") {
                what = vec!["every port"];
            }
            if what.is_empty() {
                continue;
            }
            out.at(r.at("source_ranges")).say(format!(
                "{}: allows {} from {source}",
                r.block.address(),
                what.join(", ")
            ));
        }
    }
}
