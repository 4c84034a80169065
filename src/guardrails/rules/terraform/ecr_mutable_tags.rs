use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// ECR repository allows mutable tags
    ///
    /// ## Why it matters
    /// With mutable tags anyone who can push can silently replace the image a deployment
    /// refers to.
    ///
    /// ## How to fix it
    /// Set `image_tag_mutability = "IMMUTABLE"` and deploy by digest.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecr_repository" "service" {
    ///   name                 = "acme/service"
    ///   # flagged: a push can replace what a tag points at
    ///   image_tag_mutability = "MUTABLE"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_ecr_repository" "service" {
    ///   name                 = "acme/service"
    ///   image_tag_mutability = "IMMUTABLE"
    /// }
    /// ```
    pub struct EcrMutableTags {
        id: "PVD-TF-019",
        severity: Medium,
        references: ["checkov:CKV_AWS_51", "trivy:AWS-0031"],
    }
}

impl Check for EcrMutableTags {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_ecr_repository") {
            match r.block.value("image_tag_mutability") {
                None => out.at(r.at("")).say(format!(
                    "{}: `image_tag_mutability` defaults to MUTABLE",
                    r.address()
                )),
                Some(v) if v.as_str().is_some_and(|v| v.starts_with("MUTABLE")) => out
                    .at(r.at("image_tag_mutability"))
                    .say(format!("{}: tags are MUTABLE", r.address())),
                Some(_) => {}
            }
        }
    }
}
