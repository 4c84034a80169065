use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CloudTrail log file validation disabled
    ///
    /// ## Why it matters
    /// Without digest files, tampering with or deleting trail logs after a compromise
    /// cannot be detected.
    ///
    /// ## How to fix it
    /// Set `enable_log_file_validation = true`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_cloudtrail" "main" {
    ///   name                       = "acme"
    ///   s3_bucket_name             = "acme-trail"
    ///   kms_key_id                 = aws_kms_key.trail.arn
    ///   is_multi_region_trail      = true
    ///   # flagged: log tampering goes undetected
    ///   enable_log_file_validation = false
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_cloudtrail" "main" {
    ///   name                       = "acme"
    ///   s3_bucket_name             = "acme-trail"
    ///   kms_key_id                 = aws_kms_key.trail.arn
    ///   is_multi_region_trail      = true
    ///   enable_log_file_validation = true
    /// }
    /// ```
    pub struct CloudtrailValidation {
        id: "PVD-TF-026",
        severity: Medium,
        references: ["checkov:CKV_AWS_36", "cis-aws-1.4:3.2"],
    }
}

impl Check for CloudtrailValidation {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_cloudtrail") {
            if let Some(unmet) = not_true(r.path(), r.block, "enable_log_file_validation") {
                out.at(unmet.location).say(unmet.so("log tampering goes undetected"));
            }
        }
    }
}
