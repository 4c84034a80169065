use super::pipeline::judge;
use crate::guardrails::ci_tools::Category;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pull-request pipeline runs no secret scanning
    ///
    /// ## Why it matters
    /// A committed credential is compromised the moment it is pushed; scanning each change
    /// stops keys and tokens before they reach the default branch.
    ///
    /// ## How to fix it
    /// Run gitleaks, trufflehog or detect-secrets on pull requests (or GitLab's
    /// Secret-Detection template). Tools recognised: param `ci_tools_secrets`.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     steps:
    ///       # flagged: a pushed key is only found after it merged
    ///       - run: cargo test
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     steps:
    ///       - run: cargo test
    ///       - run: gitleaks git --redact .
    /// ```
    pub struct NoSecretScanning {
        id: "PVD-CI-003",
        severity: Medium,
        references: ["owasp-top10:A07"],
        params: SecretTools,
    }
}

params! {
    /// Parameters of PVD-CI-003.
    pub struct SecretTools {
        /// Tools that count as secret scanning in CI.
        ci_tools_secrets: Vec<String> = Category::Secrets.default_tools(),
    }
}

impl Check for NoSecretScanning {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        judge(cx, out, Category::Secrets, &cx.params::<SecretTools>().ci_tools_secrets);
    }
}
