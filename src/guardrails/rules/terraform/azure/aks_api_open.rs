use paved_model::terraform::cloud::{bool_or, is_world_cidr, setting, single, Setting};
use paved_parse::hcl::Block;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// AKS API server reachable from every address
    ///
    /// ## Why it matters
    /// A public AKS cluster without authorized IP ranges exposes the Kubernetes API to
    /// the whole internet: every leaked kubeconfig or token works from anywhere, and
    /// every API server vulnerability is reachable by anyone.
    ///
    /// ## How to fix it
    /// Make the cluster private (`private_cluster_enabled = true`) or list the networks
    /// that administer it in `api_server_access_profile { authorized_ip_ranges = [...] }`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: public API server, no authorized ranges
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name = "acme"
    /// }
    /// ```
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name = "acme"
    ///   api_server_access_profile {
    ///     authorized_ip_ranges = ["203.0.113.0/24"]
    ///   }
    /// }
    /// ```
    pub struct AksApiOpen {
        id: "PVD-TF-111",
        severity: High,
        references: ["checkov:CKV_AZURE_6", "checkov:CKV_AZURE_115"],
    }
}

/// `Some(true)` when the ranges restrict the API server, `None` when unknown.
fn restricted(block: &Block, key: &str) -> Option<Option<bool>> {
    match setting(block, key) {
        Setting::Default => Some(None),
        Setting::Set(v) => {
            let items = v.as_list()?;
            let cidrs = v.strings();
            if cidrs.len() != items.len() {
                return None;
            }
            if cidrs.is_empty() {
                return Some(None);
            }
            Some(Some(!cidrs.iter().any(|c| is_world_cidr(c))))
        }
        Setting::Unknown => None,
    }
}

impl Check for AksApiOpen {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("azurerm_kubernetes_cluster") {
            if bool_or(r.block, "private_cluster_enabled", false) != Some(false) {
                continue;
            }
            let Some(profile) = single(r.block, "api_server_access_profile") else {
                continue;
            };
            let (found, at) = match profile {
                Some(p) if p.attr("authorized_ip_ranges").is_some() => (
                    restricted(p, "authorized_ip_ranges"),
                    "api_server_access_profile.authorized_ip_ranges",
                ),
                _ => (
                    restricted(r.block, "api_server_authorized_ip_ranges"),
                    "api_server_authorized_ip_ranges",
                ),
            };
            let why = match found {
                None | Some(Some(true)) => continue,
                Some(None) => "no authorized IP ranges",
                Some(Some(false)) => "authorized IP ranges that admit every address",
            };
            out.at(r.at(at)).say(format!(
                "{}: public API server with {why}",
                r.block.address()
            ));
        }
    }
}
