use paved_model::terraform::Resource;
use paved_parse::hcl::{Block, Value};

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

/// `backend "s3"` blocks of `terraform` blocks, with the resource-like handle that
/// resolves their locations.
fn s3_backends<'m>(
    cx: &CheckCtx<'m>,
) -> impl Iterator<Item = (Resource<'m>, &'m Block)> + 'm {
    cx.terraform().blocks("terraform", "").flat_map(|t| {
        t.block
            .body
            .blocks("backend")
            .filter(|b| b.type_label() == "s3")
            .map(move |b| (t, b))
    })
}

impl Check for BackendNoLocking {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (t, backend) in s3_backends(cx) {
            if backend.attr("dynamodb_table").is_some() {
                continue;
            }
            match backend.value("use_lockfile").map(Value::as_bool) {
                Some(Some(false)) => out
                    .at(t.within(backend, "use_lockfile"))
                    .say("backend \"s3\": `use_lockfile = false` and no `dynamodb_table`, so the state is not locked"),
                // Missing: only a complete configuration (one that names its bucket) can
                // be judged; a partial one gets the rest from `-backend-config` at init.
                None if backend.value("bucket").and_then(Value::as_str).is_some() => out
                    .at(t.within(backend, ""))
                    .say("backend \"s3\": neither `use_lockfile` nor `dynamodb_table` is set, so the state is not locked"),
                _ => {}
            }
        }
    }
}
