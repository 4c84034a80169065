use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Workflow grants broad write permissions
    ///
    /// ## Why it matters
    /// Write scopes at workflow level (or `write-all` anywhere) reach every job and every
    /// third-party action in it, so the least trusted step holds the most power.
    ///
    /// ## How to fix it
    /// Keep the workflow-level block read-only or `{}`; move each `write` scope to the one
    /// job that needs it; never use `write-all`.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: every job, and every action in it, may push
    /// permissions:
    ///   contents: write
    /// ```
    /// ```yaml
    /// permissions: {}
    /// jobs:
    ///   release:
    ///     permissions:
    ///       contents: write
    /// ```
    pub struct BroadPermissions {
        id: "PVD-GHA-003",
        severity: Medium,
        references: ["zizmor:excessive-permissions", "scorecard:Token-Permissions", "checkov:CKV2_GHA_1"],
    }
}

impl Check for BroadPermissions {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            let Some(root) = file.root() else { continue };
            // A job's own `permissions:` replaces the workflow-level block, so when every
            // job has one the workflow-level grant reaches no job (ingress-nginx's
            // zz-tmpl-images.yaml). A job added later would inherit it: a latent risk,
            // not today's grant.
            let jobs = file.jobs();
            let shadowed =
                !jobs.is_empty() && jobs.iter().all(|j| j.node.get("permissions").is_some());
            if let Some(perms) = root.get("permissions").filter(|_| !shadowed) {
                if perms.as_str() == Some("write-all") {
                    out.at(file.at(root, "permissions"))
                        .say("workflow-level `permissions: write-all` gives every job every write scope");
                }
                // With a single job (that keeps no block of its own) the workflow-level
                // grant is that job's grant: there is no other job to take it away from.
                // What a job added later would inherit is PVD-GHA-018's concern.
                let only_job = match jobs {
                    [job] => job.node.get("permissions").is_none(),
                    _ => false,
                };
                let writes: Vec<_> = perms
                    .entries()
                    .filter(|(_, _, v)| v.as_str() == Some("write") && !only_job)
                    .map(|(scope, _, _)| (scope, file.at(perms, scope)))
                    .collect();
                // One block, one fix (move it to the job that needs it): the scopes'
                // findings span the block's write lines, so the human and Markdown
                // reports show them together (cli/cli's deployment workflow grants
                // three); JSON and SARIF keep one finding per scope.
                let lines = writes.iter().filter_map(|(_, at)| at.line);
                let span = lines.clone().min().zip(lines.max());
                for (scope, at) in writes {
                    let mut say = out.at(at);
                    if let Some((first, last)) = span {
                        say = say.spanning(first).spanning(last);
                    }
                    say.say(format!(
                        "workflow-level `{scope}: write` applies to every job; grant it only to the job that needs it"
                    ));
                }
            }
            for job in file.jobs() {
                if job.node.str_at("permissions") == Some("write-all") {
                    out.at(file.at(job.node, "permissions"))
                        .say(format!("job `{}` has `permissions: write-all`", job.name));
                }
            }
        }
    }
}
