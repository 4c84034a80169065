use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// EKS control-plane audit logging not enabled
    ///
    /// ## Why it matters
    /// Without the `audit`, `api` and `authenticator` control-plane logs there is no record
    /// of who called the Kubernetes API, with which identity, and what they changed: a
    /// compromise of the cluster leaves nothing to investigate.
    ///
    /// ## How to fix it
    /// Set `enabled_cluster_log_types = ["api", "audit", "authenticator",
    /// "controllerManager", "scheduler"]` (at least `api`, `audit` and `authenticator`) and
    /// keep the log group's retention long enough to investigate.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   name     = "acme"
    ///   role_arn = aws_iam_role.cluster.arn
    ///   # flagged: no audit or authenticator logs
    ///   enabled_cluster_log_types = ["api"]
    ///   vpc_config {
    ///     subnet_ids = var.subnet_ids
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   name                      = "acme"
    ///   role_arn                  = aws_iam_role.cluster.arn
    ///   enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    ///   vpc_config {
    ///     subnet_ids = var.subnet_ids
    ///   }
    /// }
    /// ```
    pub struct EksControlPlaneLogging {
        id: "PVD-TF-037",
        severity: Medium,
        references: ["checkov:CKV_AWS_37", "trivy:AWS-0038"],
    }
}

/// The log types that record who did what through the API.
const REQUIRED: [&str; 3] = ["api", "audit", "authenticator"];

impl Check for EksControlPlaneLogging {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_eks_cluster") {
            match r.block.value("enabled_cluster_log_types") {
                None => out.at(r.at("")).say(format!(
                    "{}: no `enabled_cluster_log_types`, so control-plane logging is off",
                    r.address()
                )),
                Some(v @ Value::List(_)) => {
                    let enabled = v.strings();
                    let missing: Vec<String> = REQUIRED
                        .iter()
                        .filter(|t| !enabled.contains(t))
                        .map(|t| format!("`{t}`"))
                        .collect();
                    if !missing.is_empty() {
                        out.at(r.at("enabled_cluster_log_types")).say(format!(
                            "{}: control-plane log types {} are not enabled",
                            r.address(),
                            missing.join(", ")
                        ));
                    }
                }
                // A variable or a call: not literal, not reported.
                Some(_) => {}
            }
        }
    }
}
