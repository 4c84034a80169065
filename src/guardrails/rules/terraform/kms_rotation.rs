use paved_model::terraform::not_true;
use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// KMS key rotation not enabled
    ///
    /// ## Why it matters
    /// Without rotation a key's material lives forever, so any exposure of it stays
    /// exploitable for all data it ever protected.
    ///
    /// ## How to fix it
    /// Set `enable_key_rotation = true` on symmetric customer-managed keys.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "data" {
    ///   description         = "acme data"
    ///   # flagged: the key material is never rotated
    ///   enable_key_rotation = false
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_kms_key" "data" {
    ///   description         = "acme data"
    ///   enable_key_rotation = true
    /// }
    /// ```
    pub struct KmsRotation {
        id: "PVD-TF-018",
        severity: Low,
        references: ["checkov:CKV_AWS_7", "cis-aws-1.4:3.8"],
    }
}

impl Check for KmsRotation {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_kms_key") {
            // Asymmetric and HMAC keys cannot rotate automatically.
            let spec = r
                .block
                .value("customer_master_key_spec")
                .and_then(Value::as_str)
                .unwrap_or("SYMMETRIC_DEFAULT");
            if spec != "SYMMETRIC_DEFAULT" {
                continue;
            }
            if let Some(unmet) = not_true(r.path(), r.block, "enable_key_rotation") {
                out.at(unmet.location).say(unmet.so("the key is never rotated"));
            }
        }
    }
}
