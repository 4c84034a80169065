use paved_model::terraform::cloud::{bool_or, is_world_cidr, nested, single, str_setting};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// GKE control plane reachable from every address
    ///
    /// ## Why it matters
    /// Without master authorized networks (or a private endpoint) the cluster's
    /// Kubernetes API answers the whole internet: every leaked kubeconfig or token
    /// works from anywhere, and every API server vulnerability is reachable by anyone.
    ///
    /// ## How to fix it
    /// Add `master_authorized_networks_config` listing the networks that administer the
    /// cluster, or make the endpoint private
    /// (`private_cluster_config { enable_private_endpoint = true }`).
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: control plane open to every address
    /// resource "google_container_cluster" "main" {
    ///   name = "acme"
    /// }
    /// ```
    /// ```hcl
    /// resource "google_container_cluster" "main" {
    ///   name = "acme"
    ///   master_authorized_networks_config {
    ///     cidr_blocks {
    ///       cidr_block   = "203.0.113.0/24"
    ///       display_name = "office"
    ///     }
    ///   }
    /// }
    /// ```
    pub struct GkeMasterNetworks {
        id: "PVD-TF-210",
        severity: High,
        references: ["checkov:CKV_GCP_20", "checkov:CKV_GCP_18"],
    }
}

impl Check for GkeMasterNetworks {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_container_cluster") {
            let private = single(r.block, "private_cluster_config").and_then(|p| {
                p.map_or(Some(false), |p| bool_or(p, "enable_private_endpoint", false))
            });
            if private != Some(false) {
                continue;
            }
            let Some(networks) = single(r.block, "master_authorized_networks_config") else {
                continue;
            };
            match networks {
                None => out.at(r.at("master_authorized_networks_config")).say(format!(
                    "{}: no master_authorized_networks_config, so the control plane accepts every address",
                    r.block.address()
                )),
                Some(config) => {
                    for block in nested(config, "cidr_blocks") {
                        if let Some(Some(cidr)) = str_setting(block, "cidr_block") {
                            if is_world_cidr(cidr) {
                                out.at(paved_model::Location::hcl(r.path(), block, "cidr_block"))
                                    .say(format!(
                                        "{}: master authorized network {cidr} admits every address",
                                        r.block.address()
                                    ));
                            }
                        }
                    }
                }
            }
        }
    }
}
