use paved_model::terraform::cloud::{bool_or, is_set};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Cloud Storage bucket uses fine-grained object ACLs
    ///
    /// ## Why it matters
    /// Without uniform bucket-level access every object carries its own ACL next to
    /// the bucket's IAM policy: one object can be made public or shared without the
    /// policy showing it, and reviewing who can read what means reading every object.
    ///
    /// ## How to fix it
    /// Set `uniform_bucket_level_access = true` and grant access only through IAM.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: per-object ACLs by default
    /// resource "google_storage_bucket" "exports" {
    ///   name     = "acme-exports"
    ///   location = "EU"
    /// }
    /// ```
    /// ```hcl
    /// resource "google_storage_bucket" "exports" {
    ///   name                        = "acme-exports"
    ///   location                    = "EU"
    ///   uniform_bucket_level_access = true
    /// }
    /// ```
    pub struct BucketUniformAccess {
        id: "PVD-TF-208",
        severity: Low,
        references: ["checkov:CKV_GCP_29", "cis-gcp:5.2"],
    }
}

impl Check for BucketUniformAccess {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let key = "uniform_bucket_level_access";
        for r in cx.terraform().resources("google_storage_bucket") {
            if bool_or(r.block, key, false) != Some(false) {
                continue;
            }
            let why = if is_set(r.block, key) {
                "uniform_bucket_level_access = false"
            } else {
                "uniform bucket-level access is off by default"
            };
            out.at(r.at(key)).say(format!(
                "{}: {why}, so object ACLs can grant access the IAM policy does not show",
                r.block.address()
            ));
        }
    }
}
