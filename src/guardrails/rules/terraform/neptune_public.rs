use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Neptune instance publicly accessible
    ///
    /// ## Why it matters
    /// A Neptune instance with a public endpoint takes connections from the internet on
    /// port 8182; the graph is then guarded only by the security group and by IAM
    /// authentication, so one leaked AWS credential with `neptune-db:*` rights, or one
    /// security group opened too wide, reads or rewrites it from anywhere.
    ///
    /// ## How to fix it
    /// Set `publicly_accessible = false` (the default) and reach the cluster from inside
    /// the VPC, through a bastion, a VPN or a private link.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_neptune_cluster_instance" "graph" {
    ///   cluster_identifier  = aws_neptune_cluster.graph.id
    ///   instance_class      = "db.r6g.large"
    ///   # flagged: the instance gets a public endpoint
    ///   publicly_accessible = true
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_neptune_cluster_instance" "graph" {
    ///   cluster_identifier  = aws_neptune_cluster.graph.id
    ///   instance_class      = "db.r6g.large"
    ///   publicly_accessible = false
    /// }
    /// ```
    pub struct NeptunePublic {
        id: "PVD-TF-044",
        severity: High,
        references: ["checkov:CKV_AWS_102"],
    }
}

impl Check for NeptunePublic {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_neptune_cluster_instance") {
            let public = r.block.value("publicly_accessible").and_then(|v| v.as_bool());
            if public == Some(true) {
                out.at(r.at("publicly_accessible"))
                    .say(format!("{}: `publicly_accessible = true`", r.address()));
            }
        }
    }
}
