use paved_model::terraform::WORLD;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// EKS API endpoint public to the internet
    ///
    /// ## Why it matters
    /// A Kubernetes API reachable from anywhere is exposed to credential stuffing and to
    /// every future API-server vulnerability.
    ///
    /// ## How to fix it
    /// Set `endpoint_public_access = false`, or restrict `public_access_cidrs` to known
    /// networks.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   name     = "acme"
    ///   role_arn = aws_iam_role.cluster.arn
    ///   vpc_config {
    ///     subnet_ids             = var.subnet_ids
    ///     endpoint_public_access = true
    ///     # flagged: the API server answers the whole internet
    ///     public_access_cidrs    = ["0.0.0.0/0"]
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   name     = "acme"
    ///   role_arn = aws_iam_role.cluster.arn
    ///   vpc_config {
    ///     subnet_ids              = var.subnet_ids
    ///     endpoint_private_access = true
    ///     endpoint_public_access  = false
    ///   }
    /// }
    /// ```
    pub struct EksPublicEndpoint {
        id: "PVD-TF-024",
        severity: High,
        references: ["checkov:CKV_AWS_38", "checkov:CKV_AWS_39", "trivy:AWS-0040", "trivy:AWS-0041"],
    }
}

impl Check for EksPublicEndpoint {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_eks_cluster") {
            let Some(vpc) = r.block.body.block("vpc_config") else {
                continue;
            };
            if let Some(v) = vpc.value("endpoint_public_access") {
                // Private, or not literal: nothing to report.
                if v.as_bool() != Some(true) {
                    continue;
                }
            }
            match vpc.value("public_access_cidrs") {
                None => out.at(r.at("vpc_config")).say(format!(
                    "{}: public endpoint open to 0.0.0.0/0 (default public_access_cidrs)",
                    r.address()
                )),
                Some(v) if v.strings().iter().any(|c| WORLD.contains(c)) => out
                    .at(r.at("vpc_config.public_access_cidrs"))
                    .say(format!("{}: public endpoint open to the internet", r.address())),
                Some(_) => {}
            }
        }
    }
}
