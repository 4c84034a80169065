use paved_model::terraform::not_true;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Neptune cluster storage not encrypted
    ///
    /// ## Why it matters
    /// Neptune leaves storage unencrypted unless asked, so the graph data, its automated
    /// backups and every snapshot are readable by anyone who obtains a copy of a snapshot
    /// or the underlying storage.
    ///
    /// ## How to fix it
    /// Set `storage_encrypted = true` with a customer-managed `kms_key_id`; an existing
    /// cluster is encrypted by restoring a snapshot into a new, encrypted one.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: storage_encrypted is not set (Neptune defaults to false)
    /// resource "aws_neptune_cluster" "graph" {
    ///   cluster_identifier = "acme-graph"
    ///   engine             = "neptune"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_neptune_cluster" "graph" {
    ///   cluster_identifier = "acme-graph"
    ///   engine             = "neptune"
    ///   storage_encrypted  = true
    ///   kms_key_arn        = aws_kms_key.graph.arn
    /// }
    /// ```
    pub struct NeptuneUnencrypted {
        id: "PVD-TF-031",
        severity: Medium,
        references: ["checkov:CKV_AWS_44", "trivy:AWS-0076"],
    }
}

impl Check for NeptuneUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_neptune_cluster") {
            // A restore or a replica takes its encryption from the source.
            if r.block.attr("snapshot_identifier").is_some()
                || r.block.attr("replication_source_identifier").is_some()
            {
                continue;
            }
            if let Some(unmet) = not_true(r.path(), r.block, "storage_encrypted") {
                out.at(unmet.location).say(unmet.so("cluster storage is not encrypted"));
            }
        }
    }
}
