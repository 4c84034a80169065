use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Privileged workflow writes to GITHUB_ENV or GITHUB_PATH
    ///
    /// ## Why it matters
    /// In pull_request_target/workflow_run workflows, data written to
    /// GITHUB_ENV/GITHUB_PATH often comes from the untrusted event or artifact and then
    /// controls the environment (LD_PRELOAD, PATH) of every later step.
    ///
    /// ## How to fix it
    /// Do not write untrusted data to GITHUB_ENV/GITHUB_PATH; use step outputs, validated,
    /// instead.
    ///
    /// ## Example
    /// ```yaml
    /// on: workflow_run
    /// jobs:
    ///   report:
    ///     steps:
    ///       # flagged: the artifact's text sets the environment of later steps
    ///       - run: cat artifact/env >> "$GITHUB_ENV"
    /// ```
    /// ```yaml
    /// on: workflow_run
    /// jobs:
    ///   report:
    ///     steps:
    ///       - id: read
    ///         run: echo "count=$(wc -l < artifact/list)" >> "$GITHUB_OUTPUT"
    /// ```
    pub struct GithubEnv {
        id: "PVD-GHA-013",
        severity: High,
        references: ["zizmor:github-env", "scorecard:Dangerous-Workflow"],
    }
}

impl Check for GithubEnv {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            if !file.is_privileged() {
                continue;
            }
            for step in file.steps() {
                if let Some(text) = step.node.str_at("run") {
                    if text.contains("GITHUB_ENV") || text.contains("GITHUB_PATH") {
                        out.at(file.at(step.node, "run")).say(
                            "privileged workflow writes to GITHUB_ENV/GITHUB_PATH: untrusted data there controls later steps",
                        );
                    }
                }
            }
        }
    }
}
