use paved_model::terraform::Companion;
use paved_parse::hcl::{Block, Value};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// S3 bucket versioning not enabled
    ///
    /// ## Why it matters
    /// Without versioning an overwrite or delete (by mistake or by ransomware) destroys the
    /// data for good.
    ///
    /// ## How to fix it
    /// Add `aws_s3_bucket_versioning` with `status = "Enabled"`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    ///
    /// # flagged: versioning suspended
    /// resource "aws_s3_bucket_versioning" "data" {
    ///   bucket = aws_s3_bucket.data.id
    ///   versioning_configuration {
    ///     status = "Suspended"
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    ///
    /// resource "aws_s3_bucket_versioning" "data" {
    ///   bucket = aws_s3_bucket.data.id
    ///   versioning_configuration {
    ///     status = "Enabled"
    ///   }
    /// }
    /// ```
    pub struct S3Versioning {
        id: "PVD-TF-009",
        severity: Low,
        references: ["checkov:CKV_AWS_21"],
    }
}

/// `status = "Enabled"`, or not literal.
fn enabled(versioning: &Block) -> bool {
    versioning
        .body
        .block("versioning_configuration")
        .and_then(|v| v.value("status"))
        .map_or(true, |s| s.as_str().map_or(true, |s| s == "Enabled"))
}

impl Check for S3Versioning {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        for bucket in tf.resources("aws_s3_bucket") {
            // The inline block of AWS provider v3.
            let inline = bucket.block.body.block("versioning");
            if inline.is_some_and(|v| v.value("enabled").and_then(Value::as_bool) != Some(false)) {
                continue;
            }
            match tf.companion(&bucket, "aws_s3_bucket_versioning", "bucket") {
                Companion::Unknown => {}
                Companion::Found(c) if enabled(c.block) => {}
                Companion::Found(c) => out
                    .at(c.at(""))
                    .say(format!("{}: versioning is not enabled", c.address())),
                Companion::Missing => out.at(bucket.at("")).say(format!(
                    "{} has no versioning",
                    bucket.labelled_by("bucket")
                )),
            }
        }
    }
}
