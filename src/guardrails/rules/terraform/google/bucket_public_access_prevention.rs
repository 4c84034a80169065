use paved_model::terraform::cloud::str_setting;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Cloud Storage bucket does not enforce public access prevention
    ///
    /// ## Why it matters
    /// Without `public_access_prevention = "enforced"` (the default is `inherited`,
    /// which enforces only where an organization policy says so) one IAM grant or ACL
    /// for `allUsers`, in Terraform, the console or a script, publishes the bucket's
    /// objects to the internet.
    ///
    /// ## How to fix it
    /// Set `public_access_prevention = "enforced"` on every bucket that is not meant to
    /// be public (or enforce `storage.publicAccessPrevention` for the organization).
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: inherited by default
    /// resource "google_storage_bucket" "exports" {
    ///   name     = "acme-exports"
    ///   location = "EU"
    /// }
    /// ```
    /// ```hcl
    /// resource "google_storage_bucket" "exports" {
    ///   name                        = "acme-exports"
    ///   location                    = "EU"
    ///   public_access_prevention    = "enforced"
    ///   uniform_bucket_level_access = true
    /// }
    /// ```
    pub struct BucketPublicAccessPrevention {
        id: "PVD-TF-207",
        severity: Medium,
        references: ["checkov:CKV_GCP_114"],
    }
}

impl Check for BucketPublicAccessPrevention {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_storage_bucket") {
            let why = match str_setting(r.block, "public_access_prevention") {
                Some(None) => "public_access_prevention defaults to inherited".to_owned(),
                Some(Some("enforced")) | None => continue,
                Some(Some(v)) => format!("public_access_prevention = \"{v}\""),
            };
            out.at(r.at("public_access_prevention")).say(format!(
                "{}: {why}, so one grant to allUsers makes it public",
                r.block.address()
            ));
        }
    }
}
