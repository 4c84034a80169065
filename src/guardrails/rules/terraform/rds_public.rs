use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// RDS instance publicly accessible
    ///
    /// ## Why it matters
    /// A publicly accessible database gets a public address; its only protection left is
    /// the password.
    ///
    /// ## How to fix it
    /// Set `publicly_accessible = false` and reach the database from inside the VPC.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "db" {
    ///   engine              = "postgres"
    ///   instance_class      = "db.t3.micro"
    ///   # flagged: the database gets a public address
    ///   publicly_accessible = true
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_db_instance" "db" {
    ///   engine              = "postgres"
    ///   instance_class      = "db.t3.micro"
    ///   publicly_accessible = false
    /// }
    /// ```
    pub struct RdsPublic {
        id: "PVD-TF-015",
        severity: Critical,
        references: ["checkov:CKV_AWS_17", "trivy:AWS-0180"],
    }
}

impl Check for RdsPublic {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for ty in ["aws_db_instance", "aws_rds_cluster_instance"] {
            for r in cx.terraform().resources(ty) {
                let public = r.block.value("publicly_accessible").and_then(|v| v.as_bool());
                if public == Some(true) {
                    out.at(r.at("publicly_accessible"))
                        .say(format!("{}: `publicly_accessible = true`", r.address()));
                }
            }
        }
    }
}
