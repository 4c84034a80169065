use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// SQS queue not encrypted
    ///
    /// ## Why it matters
    /// Messages often carry personal data or tokens; unencrypted queues expose them at
    /// rest.
    ///
    /// ## How to fix it
    /// Set `kms_master_key_id` (customer-managed key preferred) or `sqs_managed_sse_enabled
    /// = true`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name                    = "acme-jobs"
    ///   # flagged: no server-side encryption
    ///   sqs_managed_sse_enabled = false
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_sqs_queue" "jobs" {
    ///   name              = "acme-jobs"
    ///   kms_master_key_id = aws_kms_key.queue.id
    /// }
    /// ```
    pub struct SqsUnencrypted {
        id: "PVD-TF-022",
        severity: Low,
        references: ["checkov:CKV_AWS_27", "trivy:AWS-0096"],
    }
}

impl Check for SqsUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_sqs_queue") {
            if r.block.attr("kms_master_key_id").is_some() {
                continue;
            }
            if let Some(unmet) = not_true(r.path(), r.block, "sqs_managed_sse_enabled") {
                out.at(unmet.location).say(unmet.so("the queue has no server-side encryption configured"));
            }
        }
    }
}
