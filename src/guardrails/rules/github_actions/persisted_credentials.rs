use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Checkout persists the token in the workspace
    ///
    /// ## Why it matters
    /// actions/checkout writes the GITHUB_TOKEN into .git/config by default; any later
    /// step, or an uploaded artifact containing .git, can take it.
    ///
    /// ## How to fix it
    /// Set `with: persist-credentials: false` on actions/checkout, and pass a token
    /// explicitly to the one step that pushes.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   # flagged: the token stays in .git/config for every later step
    ///   - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    /// ```
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    ///     with:
    ///       persist-credentials: false
    /// ```
    pub struct PersistedCredentials {
        id: "PVD-GHA-008",
        severity: Medium,
        references: ["zizmor:artipacked"],
    }
}

impl Check for PersistedCredentials {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().all() {
            for step in file.steps() {
                if step.action().as_deref() != Some("actions/checkout") {
                    continue;
                }
                let persisted = step
                    .input("persist-credentials")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(true);
                if persisted {
                    out.at(file.at(step.node, "uses")).say(
                        "actions/checkout leaves the GITHUB_TOKEN in .git/config for every later step",
                    );
                }
            }
        }
    }
}
