use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// OpenSearch domain not encrypted at rest
    ///
    /// ## Why it matters
    /// Without encryption at rest the indices, their automated snapshots and the swap and
    /// log files of every node are stored in the clear, readable from any copy of the
    /// storage.
    ///
    /// ## How to fix it
    /// Add `encrypt_at_rest { enabled = true }` (with `kms_key_id` for a customer-managed
    /// key); an existing domain is migrated by creating a new, encrypted domain and
    /// reindexing.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    ///   encrypt_at_rest {
    ///     # flagged: indices and snapshots stored in the clear
    ///     enabled = false
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    ///   encrypt_at_rest {
    ///     enabled    = true
    ///     kms_key_id = aws_kms_key.search.arn
    ///   }
    /// }
    /// ```
    pub struct SearchUnencrypted {
        id: "PVD-TF-032",
        severity: Medium,
        references: ["checkov:CKV_AWS_5", "trivy:AWS-0048"],
    }
}

/// OpenSearch and its predecessor, Elasticsearch Service, share these settings.
const DOMAINS: [&str; 2] = ["aws_opensearch_domain", "aws_elasticsearch_domain"];

impl Check for SearchUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for ty in DOMAINS {
            for r in cx.terraform().resources(ty) {
                let Some(b) = r.block.body.block("encrypt_at_rest") else {
                    out.at(r.at("")).say(format!(
                        "{}: no `encrypt_at_rest` block, so the domain's data is stored unencrypted",
                        r.address()
                    ));
                    continue;
                };
                if let Some(unmet) = not_true(r.path(), b, "enabled") {
                    out.at(unmet.location).say(format!(
                        "{}: encrypt_at_rest {}, so the domain's data is stored unencrypted",
                        r.address(),
                        unmet.describe("enabled")
                    ));
                }
            }
        }
    }
}
