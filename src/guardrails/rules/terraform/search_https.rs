use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// OpenSearch domain does not enforce HTTPS
    ///
    /// ## Why it matters
    /// A domain that accepts plain HTTP lets a client (or a misconfigured one) send
    /// credentials, signed requests and documents in the clear, and lets anyone on the path
    /// read or change them.
    ///
    /// ## How to fix it
    /// Add `domain_endpoint_options { enforce_https = true tls_security_policy =
    /// "Policy-Min-TLS-1-2-2019-07" }`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    ///   domain_endpoint_options {
    ///     # flagged: plain HTTP accepted
    ///     enforce_https = false
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    ///   domain_endpoint_options {
    ///     enforce_https       = true
    ///     tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
    ///   }
    /// }
    /// ```
    pub struct SearchHttps {
        id: "PVD-TF-034",
        severity: Medium,
        references: ["checkov:CKV_AWS_83", "trivy:AWS-0046"],
    }
}

/// OpenSearch and its predecessor, Elasticsearch Service, share these settings.
const DOMAINS: [&str; 2] = ["aws_opensearch_domain", "aws_elasticsearch_domain"];

impl Check for SearchHttps {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for ty in DOMAINS {
            for r in cx.terraform().resources(ty) {
                let Some(b) = r.block.body.block("domain_endpoint_options") else {
                    out.at(r.at("")).say(format!(
                        "{}: no `domain_endpoint_options` block, so plain HTTP is accepted",
                        r.address()
                    ));
                    continue;
                };
                if let Some(unmet) = not_true(r.path(), b, "enforce_https") {
                    out.at(unmet.location).say(format!(
                        "{}: domain_endpoint_options {}, so plain HTTP is accepted",
                        r.address(),
                        unmet.describe("enforce_https")
                    ));
                }
            }
        }
    }
}
