use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// RDS storage not encrypted
    ///
    /// ## Why it matters
    /// Unencrypted database storage, backups and snapshots expose their data to anyone who
    /// obtains a copy.
    ///
    /// ## How to fix it
    /// Set `storage_encrypted = true` with a customer-managed `kms_key_id`.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: storage_encrypted is not set
    /// resource "aws_db_instance" "db" {
    ///   engine         = "postgres"
    ///   instance_class = "db.t3.micro"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_db_instance" "db" {
    ///   engine            = "postgres"
    ///   instance_class    = "db.t3.micro"
    ///   storage_encrypted = true
    ///   kms_key_id        = aws_kms_key.db.arn
    /// }
    /// ```
    pub struct RdsUnencrypted {
        id: "PVD-TF-014",
        severity: Medium,
        references: ["checkov:CKV_AWS_16", "cis-aws-1.4:2.3.1"],
    }
}

impl Check for RdsUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        for r in tf.resources("aws_db_instance") {
            // Replicas and restores inherit encryption from their source.
            if r.block.attr("replicate_source_db").is_some()
                || r.block.attr("snapshot_identifier").is_some()
            {
                continue;
            }
            if let Some(unmet) = not_true(r.path(), r.block, "storage_encrypted") {
                out.at(unmet.location).say(unmet.so("database storage is not encrypted"));
            }
        }
        for r in tf.resources("aws_rds_cluster") {
            if r.block.attr("replication_source_identifier").is_some()
                || r.block.attr("snapshot_identifier").is_some()
            {
                continue;
            }
            if let Some(unmet) = not_true(r.path(), r.block, "storage_encrypted") {
                out.at(unmet.location).say(unmet.so("cluster storage is not encrypted"));
            }
        }
    }
}
