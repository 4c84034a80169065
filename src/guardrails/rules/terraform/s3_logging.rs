use std::collections::BTreeSet;

use paved_model::terraform::Companion;
use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// S3 bucket access logging not configured
    ///
    /// ## Why it matters
    /// Without server access logs there is no record of who read or changed objects when
    /// investigating an incident.
    ///
    /// ## How to fix it
    /// Add `aws_s3_bucket_logging` pointing at a dedicated log bucket.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no access logging for the bucket
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    ///
    /// resource "aws_s3_bucket_logging" "data" {
    ///   bucket        = aws_s3_bucket.data.id
    ///   target_bucket = "acme-access-logs"
    ///   target_prefix = "data/"
    /// }
    /// ```
    pub struct S3Logging {
        id: "PVD-TF-010",
        severity: Low,
        references: ["checkov:CKV_AWS_18"],
    }
}

impl Check for S3Logging {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        // Buckets that receive logs are exempt (logging them would loop).
        let mut log_targets: BTreeSet<String> = BTreeSet::new();
        for l in tf.resources("aws_s3_bucket_logging") {
            let target = l.block.value("target_bucket");
            if let Some(r) = target.and_then(Value::as_reference) {
                log_targets.insert(r.split('.').take(2).collect::<Vec<_>>().join("."));
            }
            if let Some(s) = target.and_then(Value::as_str) {
                log_targets.insert(s.to_owned());
            }
        }
        for bucket in tf.resources("aws_s3_bucket") {
            let name = bucket
                .block
                .value("bucket")
                .and_then(Value::as_str)
                .unwrap_or("");
            if log_targets.contains(&bucket.address())
                || (!name.is_empty() && log_targets.contains(name))
            {
                continue;
            }
            if bucket.block.body.block("logging").is_some() {
                continue;
            }
            if let Companion::Missing = tf.companion(&bucket, "aws_s3_bucket_logging", "bucket") {
                out.at(bucket.at("")).say(format!(
                    "{} has no access logging",
                    bucket.labelled_by("bucket")
                ));
            }
        }
    }
}
