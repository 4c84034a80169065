use std::path::Path;

use paved_model::Location;

use super::pipeline::{has_other_ci, pipeline};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Repository has no CI pipeline
    ///
    /// ## Why it matters
    /// Without CI nothing checks a change before it merges: no tests, no scanners, no
    /// review gate that a machine enforces.
    ///
    /// ## How to fix it
    /// Add a CI pipeline (e.g. .github/workflows/ci.yml) that builds, tests and runs the
    /// security scanners on every pull request.
    ///
    /// ## Example
    /// ```text
    /// # flagged: no .github/workflows/*.yml and no .gitlab-ci.yml
    /// README.md
    /// src/main.rs
    /// ```
    /// ```text
    /// .github/workflows/ci.yml
    /// README.md
    /// src/main.rs
    /// ```
    pub struct NoCi {
        id: "PVD-CI-000",
        severity: Medium,
        references: ["scorecard:CI-Tests"],
    }
}

impl Check for NoCi {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        // A pipeline file that could not be parsed is still a pipeline: PVD-AUDIT-001 reports
        // the parse error and the coverage rules say what could not be judged.
        if pipeline(cx).is_none() && !has_other_ci(cx) {
            out.at(Location::file(Path::new(".")))
                .say("no CI configuration found (.github/workflows or .gitlab-ci.yml)");
        }
    }
}
