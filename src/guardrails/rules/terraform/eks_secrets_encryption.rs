use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// EKS cluster does not encrypt Kubernetes secrets with a key you control
    ///
    /// ## Why it matters
    /// Without `encryption_config` for `secrets`, Kubernetes Secrets in etcd are protected
    /// only by keys AWS owns: no key policy limits who can decrypt them, no CloudTrail
    /// record shows each use, and revoking the key cannot cut off a leaked etcd backup.
    ///
    /// ## How to fix it
    /// Add `encryption_config { resources = ["secrets"] provider { key_arn =
    /// aws_kms_key.eks.arn } }` with a customer-managed KMS key.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no encryption_config for secrets
    /// resource "aws_eks_cluster" "main" {
    ///   name     = "acme"
    ///   role_arn = aws_iam_role.cluster.arn
    ///   vpc_config {
    ///     subnet_ids = var.subnet_ids
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   name     = "acme"
    ///   role_arn = aws_iam_role.cluster.arn
    ///   vpc_config {
    ///     subnet_ids = var.subnet_ids
    ///   }
    ///   encryption_config {
    ///     resources = ["secrets"]
    ///     provider {
    ///       key_arn = aws_kms_key.eks.arn
    ///     }
    ///   }
    /// }
    /// ```
    pub struct EksSecretsEncryption {
        id: "PVD-TF-036",
        severity: Low,
        references: ["checkov:CKV_AWS_58", "trivy:AWS-0039"],
    }
}

impl Check for EksSecretsEncryption {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_eks_cluster") {
            let configs: Vec<_> = r.block.body.blocks("encryption_config").collect();
            // Not literal: it may well list secrets.
            let covered = configs.iter().any(|c| match c.value("resources") {
                Some(v @ paved_parse::hcl::Value::List(_)) => v.strings().contains(&"secrets"),
                _ => true,
            });
            if covered {
                continue;
            }
            let at = match configs.first() {
                Some(c) => r.within(c, "resources"),
                None => r.at(""),
            };
            out.at(at).say(format!(
                "{}: no encryption_config for `secrets`, so Kubernetes Secrets are not encrypted with a customer-managed key",
                r.address()
            ));
        }
    }
}
