use paved_model::terraform::Companion;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// S3 bucket without a default encryption configuration
    ///
    /// ## Why it matters
    /// Without an explicit SSE-KMS configuration objects are encrypted with keys you cannot
    /// restrict or audit, and a bucket policy alone cannot prevent unencrypted uploads.
    ///
    /// ## How to fix it
    /// Add `aws_s3_bucket_server_side_encryption_configuration` with `sse_algorithm =
    /// "aws:kms"` and a customer-managed key.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no encryption configuration for the bucket
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    ///
    /// resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
    ///   bucket = aws_s3_bucket.data.id
    ///   rule {
    ///     apply_server_side_encryption_by_default {
    ///       sse_algorithm     = "aws:kms"
    ///       kms_master_key_id = aws_kms_key.data.arn
    ///     }
    ///   }
    /// }
    /// ```
    pub struct S3Encryption {
        id: "PVD-TF-008",
        severity: Low,
        references: ["checkov:CKV_AWS_19", "checkov:CKV_AWS_145", "trivy:AWS-0088", "cis-aws-1.4:2.1.1"],
    }
}

impl Check for S3Encryption {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        for bucket in tf.resources("aws_s3_bucket") {
            // The inline block of AWS provider v3 counts as well.
            if bucket
                .block
                .body
                .block("server_side_encryption_configuration")
                .is_some()
            {
                continue;
            }
            let companion = tf.companion(
                &bucket,
                "aws_s3_bucket_server_side_encryption_configuration",
                "bucket",
            );
            if let Companion::Missing = companion {
                out.at(bucket.at("")).say(format!(
                    "{} has no default encryption configuration",
                    bucket.labelled_by("bucket")
                ));
            }
        }
    }
}
