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

impl Check for BackendUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for backend in cx.terraform().s3_backends() {
            if let Some(unmet) = backend.not_true("encrypt") {
                out.at(unmet.location).say(format!(
                    "backend \"s3\": {}, so the state is not encrypted by the backend",
                    unmet.describe("encrypt")
                ));
            }
        }
    }
}
