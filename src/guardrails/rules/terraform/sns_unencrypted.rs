use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// SNS topic not encrypted with KMS
    ///
    /// ## Why it matters
    /// Unencrypted topics store message payloads in the clear at rest.
    ///
    /// ## How to fix it
    /// Set `kms_master_key_id` to a KMS key.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no kms_master_key_id
    /// resource "aws_sns_topic" "events" {
    ///   name = "acme-events"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_sns_topic" "events" {
    ///   name              = "acme-events"
    ///   kms_master_key_id = aws_kms_key.events.id
    /// }
    /// ```
    pub struct SnsUnencrypted {
        id: "PVD-TF-023",
        severity: Low,
        references: ["checkov:CKV_AWS_26", "trivy:AWS-0095"],
    }
}

impl Check for SnsUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_sns_topic") {
            if r.block.attr("kms_master_key_id").is_none() {
                out.at(r.at(""))
                    .say(format!("{}: no `kms_master_key_id`", r.address()));
            }
        }
    }
}
