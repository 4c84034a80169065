use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Resource policy allows any principal
    ///
    /// ## Why it matters
    /// An Allow for `Principal: "*"` without a condition opens the bucket, queue, topic or
    /// key to every AWS account and often to anonymous users.
    ///
    /// ## How to fix it
    /// Name the principals (account, role or service) that need access, or add conditions
    /// such as `aws:SourceArn` / `aws:PrincipalOrgID`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket_policy" "data" {
    ///   bucket = aws_s3_bucket.data.id
    ///   policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     # flagged: anyone, from any account or none
    ///     Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "${aws_s3_bucket.data.arn}/*" }]
    ///   })
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_s3_bucket_policy" "data" {
    ///   bucket = aws_s3_bucket.data.id
    ///   policy = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [{
    ///       Effect    = "Allow"
    ///       Principal = { Service = "cloudfront.amazonaws.com" }
    ///       Action    = "s3:GetObject"
    ///       Resource  = "${aws_s3_bucket.data.arn}/*"
    ///       Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.site.arn } }
    ///     }]
    ///   })
    /// }
    /// ```
    pub struct AnyPrincipal {
        id: "PVD-TF-029",
        severity: Critical,
        references: ["checkov:CKV_AWS_70", "checkov:CKV_AWS_72", "checkov:CKV_AWS_168", "checkov:CKV_AWS_33"],
    }
}

impl Check for AnyPrincipal {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for st in cx.terraform().statements() {
            if st.allow && st.any_principal && !st.has_condition {
                out.at(st.at()).say(format!(
                    "{}: Allow for Principal \"*\" without a condition",
                    st.source
                ));
            }
        }
    }
}
