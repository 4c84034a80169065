use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// EC2 instance metadata does not require IMDSv2
    ///
    /// ## Why it matters
    /// IMDSv1 answers plain GET requests, so an SSRF bug in the service is enough to steal
    /// the instance role's credentials.
    ///
    /// ## How to fix it
    /// Add `metadata_options { http_tokens = "required" }` to instances and launch
    /// templates.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_launch_template" "workers" {
    ///   image_id = "ami-0123456789abcdef0"
    ///   metadata_options {
    ///     # flagged: IMDSv1 still answers
    ///     http_tokens = "optional"
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_launch_template" "workers" {
    ///   image_id = "ami-0123456789abcdef0"
    ///   metadata_options {
    ///     http_endpoint = "enabled"
    ///     http_tokens   = "required"
    ///   }
    /// }
    /// ```
    pub struct Imdsv2 {
        id: "PVD-TF-028",
        severity: Medium,
        references: ["checkov:CKV_AWS_79", "trivy:AWS-0028"],
    }
}

impl Check for Imdsv2 {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for ty in ["aws_instance", "aws_launch_template"] {
            for r in cx.terraform().resources(ty) {
                let meta = r.block.body.block("metadata_options");
                // No metadata service at all: nothing to steal.
                if meta
                    .and_then(|m| m.value("http_endpoint"))
                    .and_then(Value::as_str)
                    == Some("disabled")
                {
                    continue;
                }
                let Some(m) = meta else {
                    out.at(r.at("")).say(format!(
                        "{}: no metadata_options, IMDSv1 is allowed",
                        r.address()
                    ));
                    continue;
                };
                let not_required = match m.value("http_tokens") {
                    None => true,
                    Some(v) => v.as_str().is_some_and(|v| v != "required"),
                };
                if not_required {
                    out.at(r.at("metadata_options.http_tokens"))
                        .say(format!("{}: `http_tokens` is not \"required\"", r.address()));
                }
            }
        }
    }
}
