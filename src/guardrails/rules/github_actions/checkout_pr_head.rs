use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

/// Text that names the pull request's own code rather than the base branch.
fn untrusted_ref(text: &str) -> bool {
    let t = text.replace(' ', "");
    [
        "github.event.pull_request.head",
        "github.head_ref",
        "github.event.workflow_run.head",
        "refs/pull/",
        "github.event.pull_request.merge_commit_sha",
    ]
    .iter()
    .any(|p| t.contains(p))
}

rule! {
    /// Privileged workflow checks out pull request code
    ///
    /// ## Why it matters
    /// Checking out the PR head in `pull_request_target`/`workflow_run` runs
    /// attacker-written code (build scripts, tests, tool configs) with the base
    /// repository's secrets: the 'pwn request'.
    ///
    /// ## How to fix it
    /// Run untrusted code only under `pull_request`. Split the work: an unprivileged
    /// `pull_request` workflow builds and uploads an artifact, a privileged one only
    /// consumes data from it.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request_target
    /// jobs:
    ///   test:
    ///     steps:
    ///       - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    ///         with:
    ///           # flagged: the fork's code, run with this workflow's secrets
    ///           ref: ${{ github.event.pull_request.head.sha }}
    ///       - run: make test
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     steps:
    ///       - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    ///       - run: make test
    /// ```
    pub struct CheckoutPrHead {
        id: "PVD-GHA-005",
        severity: Critical,
        references: ["zizmor:dangerous-triggers", "scorecard:Dangerous-Workflow"],
    }
}

impl Check for CheckoutPrHead {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            if !file.is_privileged() {
                continue;
            }
            for step in file.steps() {
                if step.action().as_deref() == Some("actions/checkout")
                    && step
                        .input("ref")
                        .and_then(|r| r.as_str())
                        .is_some_and(untrusted_ref)
                {
                    out.at(file.at(step.node, "with.ref")).say(
                        "privileged workflow checks out the pull request's code: a fork can run anything with this workflow's secrets",
                    );
                }
                if let Some(text) = step.node.str_at("run") {
                    if text.contains("gh pr checkout") || (text.contains("git ") && untrusted_ref(text)) {
                        out.at(file.at(step.node, "run"))
                            .say("privileged workflow fetches the pull request's code in a `run:` step");
                    }
                }
            }
        }
    }
}
