use paved_model::terraform::Companion;
use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// S3 bucket without a complete public access block
    ///
    /// ## Why it matters
    /// Without all four public-access-block flags a single ACL or bucket-policy change can
    /// make the bucket public.
    ///
    /// ## How to fix it
    /// Add `aws_s3_bucket_public_access_block` for the bucket with block_public_acls,
    /// block_public_policy, ignore_public_acls and restrict_public_buckets all `true`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    ///
    /// resource "aws_s3_bucket_public_access_block" "data" {
    ///   bucket                  = aws_s3_bucket.data.id
    ///   block_public_acls       = true
    ///   block_public_policy     = true
    ///   # flagged: public ACLs still take effect
    ///   ignore_public_acls      = false
    ///   restrict_public_buckets = true
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_s3_bucket" "data" {
    ///   bucket = "acme-data"
    /// }
    ///
    /// resource "aws_s3_bucket_public_access_block" "data" {
    ///   bucket                  = aws_s3_bucket.data.id
    ///   block_public_acls       = true
    ///   block_public_policy     = true
    ///   ignore_public_acls      = true
    ///   restrict_public_buckets = true
    /// }
    /// ```
    pub struct S3PublicAccessBlock {
        id: "PVD-TF-007",
        severity: Low,
        references: ["checkov:CKV_AWS_53", "checkov:CKV_AWS_54", "checkov:CKV_AWS_55", "checkov:CKV_AWS_56", "trivy:AWS-0086", "cis-aws-1.4:2.1.5"],
    }
}

const PAB_FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

impl Check for S3PublicAccessBlock {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        // An account-wide block with every flag covers every bucket.
        let account_wide = tf
            .resources("aws_s3_account_public_access_block")
            .any(|r| {
                PAB_FLAGS
                    .iter()
                    .all(|f| r.block.value(f).and_then(Value::as_bool) == Some(true))
            });
        if account_wide {
            return;
        }
        for bucket in tf.resources("aws_s3_bucket") {
            match tf.companion(&bucket, "aws_s3_bucket_public_access_block", "bucket") {
                Companion::Unknown => {}
                Companion::Missing => out.at(bucket.at("")).say(format!(
                    "{} has no aws_s3_bucket_public_access_block",
                    bucket.labelled_by("bucket")
                )),
                Companion::Found(pab) => {
                // One block, one fix: every flag that is not `true` in one finding,
                // at the first of them.
                let mut problems = Vec::new();
                let mut first = None;
                for flag in PAB_FLAGS {
                    let (at, problem) = match pab.block.value(flag) {
                        None => (pab.at(""), format!("`{flag}` is not set (defaults to false)")),
                        Some(v) if v.as_bool() == Some(false) => {
                            (pab.at(flag), format!("`{flag} = false`"))
                        }
                        Some(_) => continue,
                    };
                    first.get_or_insert(at);
                    problems.push(problem);
                }
                if let Some(at) = first {
                    out.at(at)
                        .say(format!("{}: {}", pab.address(), problems.join("; ")));
                }
            }
        }
    }
}
}
