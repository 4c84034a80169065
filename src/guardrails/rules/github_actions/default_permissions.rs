use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Job runs with default token permissions
    ///
    /// ## Why it matters
    /// Without `permissions:` the GITHUB_TOKEN gets the repository's default, often
    /// read-write on contents, packages and more; any compromised step can push code or
    /// publish releases.
    ///
    /// ## How to fix it
    /// Add `permissions: {}` (or `contents: read`) at the top of the workflow and grant
    /// each job only the scopes it needs.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// # flagged: neither the workflow nor the job says `permissions:`
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    /// ```
    /// ```yaml
    /// on: pull_request
    /// permissions: {}
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     permissions:
    ///       contents: read
    /// ```
    pub struct DefaultPermissions {
        id: "PVD-GHA-002",
        severity: Medium,
        references: ["zizmor:excessive-permissions", "scorecard:Token-Permissions", "checkov:CKV2_GHA_1"],
    }
}

impl Check for DefaultPermissions {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            let Some(root) = file.root() else { continue };
            // A reusable workflow runs with the token its caller grants.
            if root.get("permissions").is_some() || file.is_reusable_only() {
                continue;
            }
            for job in file.jobs() {
                if job.node.get("permissions").is_none() {
                    out.at(file.at(job.key, "")).say(format!(
                        "job `{}` runs with the default GITHUB_TOKEN permissions: no `permissions:` at workflow or job level",
                        job.name
                    ));
                }
            }
        }
    }
}
