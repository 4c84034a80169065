use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CloudTrail trail not multi-region
    ///
    /// ## Why it matters
    /// Activity in regions the trail does not cover (a favourite place to run crypto
    /// miners) goes unrecorded.
    ///
    /// ## How to fix it
    /// Set `is_multi_region_trail = true`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_cloudtrail" "main" {
    ///   name                       = "acme"
    ///   s3_bucket_name             = "acme-trail"
    ///   kms_key_id                 = aws_kms_key.trail.arn
    ///   # flagged: other regions are not recorded
    ///   is_multi_region_trail      = false
    ///   enable_log_file_validation = true
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
    pub struct CloudtrailMultiRegion {
        id: "PVD-TF-025",
        severity: Medium,
        references: ["checkov:CKV_AWS_67", "cis-aws-1.4:3.1"],
    }
}

impl Check for CloudtrailMultiRegion {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_cloudtrail") {
            if let Some(unmet) = not_true(r.path(), r.block, "is_multi_region_trail") {
                out.at(unmet.location).say(unmet.so("other regions are not recorded"));
            }
        }
    }
}
