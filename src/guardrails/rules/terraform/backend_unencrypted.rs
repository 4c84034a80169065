use paved_model::terraform::Resource;
use paved_parse::hcl::{Block, Value};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// S3 backend does not encrypt the Terraform state
    ///
    /// ## Why it matters
    /// The state holds every attribute of every resource in clear text, database passwords
    /// and generated keys included. Without `encrypt = true` the backend does not ask for
    /// server-side encryption, so the state is protected only by whatever default the
    /// bucket has (S3-managed keys at best) and never by the KMS key in `kms_key_id`,
    /// whose key policy and audit trail would limit who can read it.
    ///
    /// ## How to fix it
    /// Set `encrypt = true` in the `backend "s3"` block (and `kms_key_id` for a
    /// customer-managed key); keep the state bucket private and versioned.
    ///
    /// ## Example
    /// ```hcl
    /// terraform {
    ///   backend "s3" {
    ///     bucket       = "acme-terraform-state"
    ///     key          = "service/terraform.tfstate"
    ///     region       = "eu-west-1"
    ///     use_lockfile = true
    ///     # flagged: the state is written without asking for encryption
    ///     encrypt      = false
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// terraform {
    ///   backend "s3" {
    ///     bucket       = "acme-terraform-state"
    ///     key          = "service/terraform.tfstate"
    ///     region       = "eu-west-1"
    ///     use_lockfile = true
    ///     encrypt      = true
    ///   }
    /// }
    /// ```
    pub struct BackendUnencrypted {
        id: "PVD-TF-042",
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

impl Check for BackendUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (t, backend) in s3_backends(cx) {
            match backend.value("encrypt").map(Value::as_bool) {
                Some(Some(false)) => out
                    .at(t.within(backend, "encrypt"))
                    .say("backend \"s3\": `encrypt = false`, so the state is not encrypted by the backend"),
                // Missing: only a complete configuration (one that names its bucket) can
                // be judged; a partial one gets the rest from `-backend-config` at init.
                None if backend.value("bucket").and_then(Value::as_str).is_some() => out
                    .at(t.within(backend, ""))
                    .say("backend \"s3\": `encrypt` is not set, so the state is not encrypted by the backend"),
                _ => {}
            }
        }
    }
}
