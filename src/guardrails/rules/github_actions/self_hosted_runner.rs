use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Self-hosted runner used by pull-request workflow
    ///
    /// ## Why it matters
    /// A pull request from a fork can run arbitrary code on a self-hosted runner, which
    /// usually persists between jobs and sits inside the organisation's network.
    ///
    /// ## How to fix it
    /// Use GitHub-hosted or ephemeral, isolated runners for pull-request workflows;
    /// restrict self-hosted runners to trusted triggers.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     # flagged: a fork's code runs on a machine inside the network
    ///     runs-on: [self-hosted, linux]
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    /// ```
    pub struct SelfHostedRunner {
        id: "PVD-GHA-011",
        severity: High,
        references: ["zizmor:self-hosted-runner"],
    }
}

impl Check for SelfHostedRunner {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            if !file.has_trigger(&["pull_request", "pull_request_target", "issue_comment"]) {
                continue;
            }
            for job in file.jobs() {
                if job
                    .runner_labels()
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case("self-hosted"))
                {
                    out.at(file.at(job.node, "runs-on")).say(format!(
                        "job `{}` runs pull-request code on a self-hosted runner",
                        job.name
                    ));
                }
            }
        }
    }
}
