use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// OpenSearch domain nodes talk to each other in plain text
    ///
    /// ## Why it matters
    /// Without node-to-node encryption the documents, queries and cluster state that nodes
    /// exchange cross the VPC unencrypted, where anything with a foothold on that network
    /// can read or alter them.
    ///
    /// ## How to fix it
    /// Add `node_to_node_encryption { enabled = true }`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no node_to_node_encryption block
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    ///   node_to_node_encryption {
    ///     enabled = true
    ///   }
    /// }
    /// ```
    pub struct SearchNodeToNode {
        id: "PVD-TF-033",
        severity: Medium,
        references: ["checkov:CKV_AWS_6", "trivy:AWS-0043"],
    }
}

/// OpenSearch and its predecessor, Elasticsearch Service, share these settings.
const DOMAINS: [&str; 2] = ["aws_opensearch_domain", "aws_elasticsearch_domain"];

impl Check for SearchNodeToNode {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for ty in DOMAINS {
            for r in cx.terraform().resources(ty) {
                let Some(b) = r.block.body.block("node_to_node_encryption") else {
                    out.at(r.at("")).say(format!(
                        "{}: no `node_to_node_encryption` block, so traffic between nodes is not encrypted",
                        r.address()
                    ));
                    continue;
                };
                if let Some(unmet) = not_true(r.path(), b, "enabled") {
                    out.at(unmet.location).say(format!(
                        "{}: node_to_node_encryption {}, so traffic between nodes is not encrypted",
                        r.address(),
                        unmet.describe("enabled")
                    ));
                }
            }
        }
    }
}
