use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CloudTrail logs not encrypted with a customer-managed key
    ///
    /// ## Why it matters
    /// Trail logs reveal the whole account's activity; with only S3-managed encryption
    /// anyone who can read the bucket can read them.
    ///
    /// ## How to fix it
    /// Set `kms_key_id` on the trail to a customer-managed KMS key.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no kms_key_id
    /// resource "aws_cloudtrail" "main" {
    ///   name                       = "acme"
    ///   s3_bucket_name             = "acme-trail"
    ///   is_multi_region_trail      = true
    ///   enable_log_file_validation = true
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_cloudtrail" "main" {
    ///   name                       = "acme"
    ///   s3_bucket_name             = "acme-trail"
    ///   is_multi_region_trail      = true
    ///   enable_log_file_validation = true
    ///   kms_key_id                 = aws_kms_key.trail.arn
    /// }
    /// ```
    pub struct CloudtrailKms {
        id: "PVD-TF-030",
        severity: Low,
        references: ["checkov:CKV_AWS_35", "cis-aws-1.4:3.7"],
    }
}

impl Check for CloudtrailKms {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_cloudtrail") {
            if r.block.attr("kms_key_id").is_none() {
                out.at(r.at("")).say(format!("{}: no `kms_key_id`", r.address()));
            }
        }
    }
}
