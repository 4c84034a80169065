use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// AWS credentials hard-coded in a provider block
    ///
    /// ## Why it matters
    /// Access keys in Terraform code end up in version control, CI logs and every clone;
    /// they are the most common cause of account compromise.
    ///
    /// ## How to fix it
    /// Remove `access_key` / `secret_key` / `token`; use OIDC role assumption in CI and SSO
    /// profiles locally. Rotate the exposed key now.
    ///
    /// ## Example
    /// ```hcl
    /// provider "aws" {
    ///   region     = "eu-west-1"
    ///   # flagged: a live key pair in version control
    ///   access_key = "AKIA…"
    ///   secret_key = "…"
    /// }
    /// ```
    /// ```hcl
    /// # Credentials come from the environment: an assumed role in CI (OIDC), SSO locally.
    /// provider "aws" {
    ///   region = "eu-west-1"
    /// }
    /// ```
    pub struct ProviderCredentials {
        id: "PVD-TF-027",
        severity: Critical,
        references: ["checkov:CKV_AWS_41", "trivy:AWS-0133"],
    }
}

impl Check for ProviderCredentials {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for p in cx.terraform().blocks("provider", "aws") {
            // A key pair is one credential: one finding, at its first key.
            let literal: Vec<&str> = ["access_key", "secret_key", "token"]
                .into_iter()
                .filter(|key| {
                    p.block
                        .value(key)
                        .and_then(|v| v.as_str())
                        .is_some_and(|s| !s.is_empty())
                })
                .collect();
            if let Some(first) = literal.first() {
                let keys: Vec<String> = literal.iter().map(|k| format!("`{k}`")).collect();
                out.at(p.at(first))
                    .say(format!("provider \"aws\": literal {}", keys.join(", ")));
            }
        }
    }
}
