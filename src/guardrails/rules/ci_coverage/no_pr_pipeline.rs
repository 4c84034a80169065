use std::path::Path;

use paved_model::Location;

use super::pipeline::pipeline;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// No workflow runs on pull requests
    ///
    /// ## Why it matters
    /// Workflows exist but none is triggered by pull_request, so checks only run after a
    /// change has merged, when it is too late to block it.
    ///
    /// ## How to fix it
    /// Add `pull_request:` to the `on:` triggers of the CI workflow that builds, tests and
    /// scans.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: checks run only after the merge
    /// on:
    ///   push:
    ///     branches: [main]
    /// ```
    /// ```yaml
    /// on:
    ///   pull_request:
    ///   push:
    ///     branches: [main]
    /// ```
    pub struct NoPrPipeline {
        id: "PVD-CI-007",
        severity: Medium,
        references: ["scorecard:CI-Tests"],
    }
}

impl Check for NoPrPipeline {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let Some(p) = pipeline(cx) else { return };
        // An unreadable workflow may be the one that runs on pull requests.
        if p.github_without_pr && cx.gitlab().files().is_empty() && p.unreadable.is_empty() {
            out.at(Location::file(Path::new(".github/workflows")))
                .say("no workflow runs on pull_request: changes are merged without CI checks");
        }
    }
}
