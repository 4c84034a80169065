use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Workflow has no top-level permissions
    ///
    /// ## Why it matters
    /// A workflow-level `permissions:` block is the default every job inherits. Without it,
    /// least privilege holds only as long as every future job remembers its own block; the
    /// first one that does not runs with the repository's default token, often read-write.
    ///
    /// ## How to fix it
    /// Add `permissions: {}` (or `contents: read`) at the top of the workflow and keep the
    /// per-job grants.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: every job has its own block, but there is no default
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     permissions:
    ///       contents: read
    /// ```
    /// ```yaml
    /// on: pull_request
    /// permissions: {}
    /// jobs:
    ///   test:
    ///     permissions:
    ///       contents: read
    /// ```
    pub struct NoTopLevelPermissions {
        id: "PVD-GHA-018",
        severity: Low,
        references: ["scorecard:Token-Permissions", "zizmor:excessive-permissions"],
    }
}

impl Check for NoTopLevelPermissions {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            let Some(root) = file.root() else { continue };
            if root.get("permissions").is_some() || file.is_reusable_only() {
                continue;
            }
            let jobs = file.jobs();
            // A job without its own block is PVD-GHA-002's finding, which owns the problem.
            if jobs.is_empty() || jobs.iter().any(|j| j.node.get("permissions").is_none()) {
                continue;
            }
            out.at(file.on_key()).say(
                "no workflow-level `permissions:`: every job sets its own today, but a job added later gets the default GITHUB_TOKEN permissions",
            );
        }
    }
}
