use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// S3 backend without state locking
    ///
    /// ## Why it matters
    /// Without a lock two applies (a pipeline and a person, or two pipelines) can run at
    /// once and overwrite each other's state: resources are lost from the state, recreated
    /// or left unmanaged.
    ///
    /// ## How to fix it
    /// Set `use_lockfile = true` (Terraform 1.10 or later, S3-native locking) or
    /// `dynamodb_table` with a lock table.
    ///
    /// ## Example
    /// ```hcl
    /// terraform {
    ///   # flagged: neither use_lockfile nor dynamodb_table
    ///   backend "s3" {
    ///     bucket  = "acme-terraform-state"
    ///     key     = "service/terraform.tfstate"
    ///     region  = "eu-west-1"
    ///     encrypt = true
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// terraform {
    ///   backend "s3" {
    ///     bucket       = "acme-terraform-state"
    ///     key          = "service/terraform.tfstate"
    ///     region       = "eu-west-1"
    ///     encrypt      = true
    ///     use_lockfile = true
    ///   }
    /// }
    /// ```
    pub struct BackendNoLocking {
        id: "PVD-TF-043",
        severity: Low,
        references: [],
    }
}

impl Check for BackendNoLocking {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for backend in cx.terraform().s3_backends() {
            if backend.block.attr("dynamodb_table").is_some() {
                continue;
            }
            if let Some(unmet) = backend.not_true("use_lockfile") {
                out.at(unmet.location).say(if unmet.set_false {
                    "backend \"s3\": `use_lockfile = false` and no `dynamodb_table`, so the state is not locked"
                } else {
                    "backend \"s3\": neither `use_lockfile` nor `dynamodb_table` is set, so the state is not locked"
                });
            }
        }
    }
}
