use paved_model::terraform::cloud::{setting, str_setting, Setting};
use paved_model::terraform::Resource;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Cloud Storage bucket readable by anyone on the internet
    ///
    /// ## Why it matters
    /// An IAM grant or ACL for `allUsers` lets anyone on the internet use the role
    /// without a credential (`allAuthenticatedUsers` means any Google account, which
    /// is no restriction either). Public buckets are enumerated by scanners and are a
    /// common source of data leaks.
    ///
    /// ## How to fix it
    /// Remove the `allUsers` / `allAuthenticatedUsers` member, grant roles to the
    /// service accounts or groups that need them, set `public_access_prevention =
    /// "enforced"` on the bucket, and serve public files through Cloud CDN with signed
    /// URLs or a load balancer.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: anyone may read every object
    /// resource "google_storage_bucket_iam_member" "public" {
    ///   bucket = google_storage_bucket.exports.name
    ///   role   = "roles/storage.objectViewer"
    ///   member = "allUsers"
    /// }
    /// ```
    /// ```hcl
    /// resource "google_storage_bucket_iam_member" "reader" {
    ///   bucket = google_storage_bucket.exports.name
    ///   role   = "roles/storage.objectViewer"
    ///   member = "serviceAccount:app@acme.iam.gserviceaccount.com"
    /// }
    /// ```
    pub struct BucketPublic {
        id: "PVD-TF-206",
        severity: Critical,
        references: ["checkov:CKV_GCP_28", "cis-gcp:5.1"],
    }
}

const PUBLIC: &[&str] = &["allUsers", "allAuthenticatedUsers"];

/// The public principal in an ACL role entity (`READER:allUsers`) or entity.
fn public_entity(entity: &str) -> Option<&'static str> {
    let principal = entity.rsplit(':').next().unwrap_or(entity);
    PUBLIC.iter().copied().find(|p| *p == principal)
}

/// Whether the bucket `r` grants to enforces public access prevention, which makes
/// Cloud Storage refuse the grant.
fn prevented(cx: &CheckCtx<'_>, r: &Resource<'_>) -> bool {
    let tf = cx.terraform();
    r.block
        .value("bucket")
        .and_then(|v| tf.named_by(r, v, "google_storage_bucket"))
        .is_some_and(|b| {
            matches!(str_setting(b.block, "public_access_prevention"), Some(Some("enforced")))
        })
}

impl Check for BucketPublic {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        let role = |r: &Resource<'_>| match str_setting(r.block, "role") {
            Some(Some(role)) => format!("`{role}`"),
            _ => "a role".to_owned(),
        };
        // (resource type, attribute holding the principal(s), is it an ACL entity)
        let grants: [(&str, &str, bool); 7] = [
            ("google_storage_bucket_iam_member", "member", false),
            ("google_storage_bucket_iam_binding", "members", false),
            ("google_storage_bucket_access_control", "entity", true),
            ("google_storage_bucket_acl", "role_entity", true),
            ("google_storage_default_object_access_control", "entity", true),
            ("google_storage_default_object_acl", "role_entity", true),
            ("google_storage_object_access_control", "entity", true),
        ];
        for (type_, key, acl) in grants {
            for r in tf.resources(type_) {
                let Setting::Set(v) = setting(r.block, key) else {
                    continue;
                };
                let principal = v.strings().into_iter().find_map(|s| {
                    if acl {
                        public_entity(s)
                    } else {
                        PUBLIC.iter().copied().find(|p| *p == s)
                    }
                });
                let Some(principal) = principal else { continue };
                if prevented(cx, &r) {
                    continue;
                }
                let what = if acl {
                    "an ACL entry".to_owned()
                } else {
                    role(&r)
                };
                let who = if principal == "allUsers" {
                    "anyone on the internet"
                } else {
                    "anyone with a Google account"
                };
                out.at(r.at(key)).say(format!(
                    "{}: grants {what} to {principal}, so {who} has it",
                    r.block.address()
                ));
            }
        }
        for r in tf.resources("google_storage_bucket_acl") {
            if let Some(Some(acl @ ("publicRead" | "publicReadWrite"))) =
                str_setting(r.block, "predefined_acl")
            {
                if !prevented(cx, &r) {
                    out.at(r.at("predefined_acl")).say(format!(
                        "{}: predefined_acl = \"{acl}\" lets anyone on the internet read the bucket",
                        r.block.address()
                    ));
                }
            }
        }
    }
}
