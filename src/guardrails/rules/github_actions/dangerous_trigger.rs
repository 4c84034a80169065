use paved_model::workflows::PRIVILEGED_TRIGGERS;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Workflow uses a dangerous trigger
    ///
    /// ## Why it matters
    /// `pull_request_target` and `workflow_run` run in the context of the base repository,
    /// with its secrets and a write token, on events a fork can trigger.
    ///
    /// ## How to fix it
    /// Use `pull_request` instead. If the privileged trigger is really needed, never check
    /// out or execute the pull request's code in it, and keep its permissions minimal.
    ///
    /// ## Example
    /// ```yaml
    /// on:
    ///   # flagged: runs with secrets on a fork's pull request
    ///   pull_request_target:
    /// ```
    /// ```yaml
    /// on:
    ///   pull_request:
    /// ```
    pub struct DangerousTrigger {
        id: "PVD-GHA-004",
        severity: Medium,
        references: ["zizmor:dangerous-triggers", "scorecard:Dangerous-Workflow"],
    }
}

impl Check for DangerousTrigger {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            let Some(root) = file.root() else { continue };
            for (t, path) in file.triggers() {
                if PRIVILEGED_TRIGGERS.contains(&t.as_str()) {
                    out.at(file.at(root, path)).say(format!(
                        "`{t}` runs with the base repository's secrets and a write token on events outsiders can cause"
                    ));
                }
            }
        }
    }
}
