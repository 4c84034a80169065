use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// ECR repository not encrypted with KMS
    ///
    /// ## Why it matters
    /// With the default AES256 encryption access to image layers cannot be restricted or
    /// audited through a key policy.
    ///
    /// ## How to fix it
    /// Add `encryption_configuration { encryption_type = "KMS" kms_key = … }`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecr_repository" "service" {
    ///   name = "acme/service"
    ///   encryption_configuration {
    ///     # flagged: AES256, no key policy
    ///     encryption_type = "AES256"
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_ecr_repository" "service" {
    ///   name = "acme/service"
    ///   encryption_configuration {
    ///     encryption_type = "KMS"
    ///     kms_key         = aws_kms_key.ecr.arn
    ///   }
    /// }
    /// ```
    pub struct EcrKms {
        id: "PVD-TF-021",
        severity: Low,
        references: ["checkov:CKV_AWS_136", "trivy:AWS-0033"],
    }
}

impl Check for EcrKms {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_ecr_repository") {
            let Some(e) = r.block.body.block("encryption_configuration") else {
                out.at(r.at("")).say(format!(
                    "{}: no encryption_configuration (AES256 default)",
                    r.address()
                ));
                continue;
            };
            match e.value("encryption_type") {
                Some(v) if v.as_str().is_some_and(|t| t.starts_with("KMS")) => {}
                Some(v) if v.as_str().is_none() => {}
                Some(_) => out
                    .at(r.at("encryption_configuration.encryption_type"))
                    .say(format!("{}: encryption_type is not KMS", r.address())),
                None => out.at(r.at("encryption_configuration")).say(format!(
                    "{}: encryption_type defaults to AES256",
                    r.address()
                )),
            }
        }
    }
}
