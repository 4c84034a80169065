use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Neptune cluster without IAM database authentication
    ///
    /// ## Why it matters
    /// Neptune has no passwords: without IAM database authentication every client that
    /// reaches port 8182 may read and rewrite the whole graph, so any foothold in the
    /// VPC (a compromised pod or instance, a peered network) is full access to the data,
    /// and no request is tied to an identity in CloudTrail.
    ///
    /// ## How to fix it
    /// Set `iam_database_authentication_enabled = true` on the cluster and give the
    /// clients a role allowed `neptune-db:connect` on it; they then sign their requests
    /// with SigV4.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: IAM database authentication is not enabled (the default)
    /// resource "aws_neptune_cluster" "graph" {
    ///   cluster_identifier = "acme-graph"
    ///   storage_encrypted  = true
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_neptune_cluster" "graph" {
    ///   cluster_identifier                  = "acme-graph"
    ///   storage_encrypted                   = true
    ///   iam_database_authentication_enabled = true
    /// }
    /// ```
    pub struct NeptuneIamAuth {
        id: "PVD-TF-045",
        severity: Medium,
        references: ["checkov:CKV_AWS_359"],
    }
}

impl Check for NeptuneIamAuth {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_neptune_cluster") {
            if let Some(unmet) = not_true(r.path(), r.block, "iam_database_authentication_enabled")
            {
                out.at(unmet.location)
                    .say(unmet.so("any client that reaches the cluster can read and write the graph"));
            }
        }
    }
}
