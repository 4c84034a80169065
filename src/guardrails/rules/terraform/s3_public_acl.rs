use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// S3 bucket ACL grants public access
    ///
    /// ## Why it matters
    /// A public-read or public-read-write ACL exposes (or lets anyone overwrite) every
    /// object in the bucket.
    ///
    /// ## How to fix it
    /// Set the ACL to `private` (or use bucket-owner-enforced object ownership) and serve
    /// public content through CloudFront with origin access control.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket_acl" "data" {
    ///   bucket = aws_s3_bucket.data.id
    ///   # flagged: anyone can list and read every object
    ///   acl    = "public-read"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_s3_bucket_acl" "data" {
    ///   bucket = aws_s3_bucket.data.id
    ///   acl    = "private"
    /// }
    /// ```
    pub struct S3PublicAcl {
        id: "PVD-TF-006",
        severity: Critical,
        references: ["checkov:CKV_AWS_20", "checkov:CKV_AWS_57", "trivy:AWS-0092"],
    }
}

const PUBLIC_ACLS: &[&str] = &["public-read", "public-read-write", "authenticated-read"];

impl Check for S3PublicAcl {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("") {
            if !matches!(r.block.type_label(), "aws_s3_bucket" | "aws_s3_bucket_acl") {
                continue;
            }
            let acl = r.block.value("acl").and_then(|v| v.as_str());
            if let Some(acl) = acl.filter(|acl| PUBLIC_ACLS.contains(acl)) {
                out.at(r.at("acl"))
                    .say(format!("{} sets ACL `{acl}`", r.address()));
            }
        }
    }
}
