use super::pipeline::judge;
use crate::guardrails::ci_tools::Category;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pull-request pipeline runs no SAST
    ///
    /// ## Why it matters
    /// Static analysis catches injection, unsafe deserialisation and similar flaws before
    /// they merge; without it they reach production unseen.
    ///
    /// ## How to fix it
    /// Run a SAST tool on pull requests: github/codeql-action (init + analyze), semgrep, or
    /// GitLab's Security/SAST template. Tools recognised: param `ci_tools_sast`. For every
    /// CI-00x rule, steps gated by `if: false` do not count, and a scanner whose failure is
    /// ignored (`continue-on-error`, `allow_failure`, `|| true`) is reported where it is
    /// silenced, by PVD-GHA-012 or PVD-GITLAB-002 (by the CI-00x rule itself when the
    /// profile turns those off).
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     steps:
    ///       # flagged: nothing looks for flaws in the code
    ///       - run: cargo test
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     steps:
    ///       - run: cargo test
    ///       - run: semgrep scan --config p/rust --error
    /// ```
    pub struct NoSast {
        id: "PVD-CI-001",
        severity: Medium,
        references: ["scorecard:SAST", "owasp-samm:V-ST"],
        params: SastTools,
    }
}

params! {
    /// Parameters of PVD-CI-001.
    pub struct SastTools {
        /// Tools that count as SAST in CI: owner/repo actions, GitLab templates, or
        /// commands (`*` = any arguments).
        ci_tools_sast: Vec<String> = Category::Sast.default_tools(),
    }
}

impl Check for NoSast {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        judge(cx, out, Category::Sast, &cx.params::<SastTools>().ci_tools_sast);
    }
}
