use paved_model::secrets::AWS_KEY_ID;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// AWS credentials hard-coded in a provider block
    ///
    /// ## Why it matters
    /// Access keys in Terraform code end up in version control, CI logs and every clone;
    /// they are the most common cause of account compromise. Only values shaped like AWS
    /// credentials count (an `AKIA`/`ASIA` key id, a 40-character secret key, a session
    /// token): the stand-ins a local emulator takes (`mock_access_key`, `test`) are not.
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
                        .is_some_and(|s| credential_shaped(key, s))
                })
                .collect();
            if let Some(first) = literal.first() {
                let keys: Vec<String> = literal.iter().map(|k| format!("`{k}`")).collect();
                // The pair's lines: the secrets rules' findings on them are this cause.
                let mut say = out.at(p.at(first));
                for line in literal.iter().filter_map(|k| p.at(k).line) {
                    say = say.spanning(line);
                }
                say.say(format!("provider \"aws\": literal {}", keys.join(", ")));
            }
        }
    }
}

/// Whether `value` of the provider's `key` has the shape AWS gives that credential.
/// LocalStack and moto setups pass stand-ins (`mock_access_key`, `test`) that no AWS
/// endpoint accepts; those are configuration, not a leak.
fn credential_shaped(key: &str, value: &str) -> bool {
    let base64 = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'='))
    };
    match key {
        "access_key" => {
            value.len() == 20 && AWS_KEY_ID.find(value).is_some_and(|m| m.len() == 20)
        }
        "secret_key" => {
            value.len() == 40
                && base64(value)
                && value.bytes().any(|b| b.is_ascii_lowercase())
                && value.bytes().any(|b| b.is_ascii_uppercase())
                && value.bytes().any(|b| b.is_ascii_digit())
        }
        _ => value.len() >= 100 && base64(value),
    }
}

#[cfg(test)]
mod tests {
    use super::credential_shaped;

    #[test]
    fn only_credential_shaped_values_count() {
        let id = format!("{}{}", "AKIA", "Q3EGRTYU5JKLMN2P");
        assert!(credential_shaped("access_key", &id));
        assert!(!credential_shaped("access_key", "mock_access_key"));
        assert!(!credential_shaped("access_key", "test"));
        assert!(!credential_shaped("access_key", &format!("{id}X")));
        let secret = format!("{}{}", "wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzz7AbCdEfG");
        assert!(credential_shaped("secret_key", &secret));
        assert!(!credential_shaped("secret_key", "mock_secret_key"));
        assert!(!credential_shaped("secret_key", &"a".repeat(40)));
        assert!(!credential_shaped("token", "mock_token"));
        assert!(credential_shaped("token", &"IQoJb3JpZ2luX2VjEJr".repeat(6)));
    }
}
