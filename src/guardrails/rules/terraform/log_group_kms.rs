use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CloudWatch log group not encrypted with a customer-managed key
    ///
    /// ## Why it matters
    /// Logs carry request data and tokens; without a KMS key you control, access to them
    /// cannot be restricted or audited separately.
    ///
    /// ## How to fix it
    /// Set `kms_key_id` to a customer-managed KMS key whose policy allows the CloudWatch
    /// Logs service.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no kms_key_id
    /// resource "aws_cloudwatch_log_group" "service" {
    ///   name              = "/acme/service"
    ///   retention_in_days = 365
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "service" {
    ///   name              = "/acme/service"
    ///   retention_in_days = 365
    ///   kms_key_id        = aws_kms_key.logs.arn
    /// }
    /// ```
    pub struct LogGroupKms {
        id: "PVD-TF-016",
        severity: Low,
        references: ["checkov:CKV_AWS_158"],
    }
}

impl Check for LogGroupKms {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_cloudwatch_log_group") {
            match r.block.value("kms_key_id") {
                None => out
                    .at(r.at(""))
                    .say(format!("{}: no `kms_key_id`", r.address())),
                Some(v) if matches!(v, Value::Null) || v.as_str() == Some("") => out
                    .at(r.at("kms_key_id"))
                    .say(format!("{}: empty `kms_key_id`", r.address())),
                Some(_) => {}
            }
        }
    }
}
