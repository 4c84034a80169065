use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// ECR repository does not scan images on push
    ///
    /// ## Why it matters
    /// Images with known vulnerabilities are stored and deployed without anyone being told.
    ///
    /// ## How to fix it
    /// Add `image_scanning_configuration { scan_on_push = true }` or an account-level
    /// `aws_ecr_registry_scanning_configuration`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecr_repository" "service" {
    ///   name = "acme/service"
    ///   image_scanning_configuration {
    ///     # flagged: pushed images are never scanned
    ///     scan_on_push = false
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_ecr_repository" "service" {
    ///   name = "acme/service"
    ///   image_scanning_configuration {
    ///     scan_on_push = true
    ///   }
    /// }
    /// ```
    pub struct EcrScanOnPush {
        id: "PVD-TF-020",
        severity: Medium,
        references: ["checkov:CKV_AWS_163", "trivy:AWS-0030"],
    }
}

impl Check for EcrScanOnPush {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        // Registry-wide scanning covers every repository.
        if tf
            .resources("aws_ecr_registry_scanning_configuration")
            .next()
            .is_some()
        {
            return;
        }
        for r in tf.resources("aws_ecr_repository") {
            match r.block.body.block("image_scanning_configuration") {
                None => out.at(r.at("")).say(format!(
                    "{}: no image_scanning_configuration",
                    r.address()
                )),
                Some(s) => {
                    if let Some(unmet) = not_true(r.path(), s, "scan_on_push") {
                        out.at(unmet.location).say(unmet.so("images are not scanned on push"));
                    }
                }
            }
        }
    }
}
