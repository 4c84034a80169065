use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Every secret passed to a workflow
    ///
    /// ## Why it matters
    /// `secrets: inherit` and `toJSON(secrets)` hand all repository and organisation
    /// secrets to code that needs one or two, widening what a compromise of that code
    /// reaches.
    ///
    /// ## How to fix it
    /// Pass the secrets the called workflow or step needs by name (`secrets: { token: ${{
    /// secrets.TOKEN }} }`).
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     uses: org/infra/.github/workflows/deploy.yml@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    ///     # flagged: every secret of the repository goes along
    ///     secrets: inherit
    /// ```
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     uses: org/infra/.github/workflows/deploy.yml@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
    ///     secrets:
    ///       token: ${{ secrets.DEPLOY_TOKEN }}
    /// ```
    pub struct EverySecret {
        id: "PVD-GHA-009",
        severity: Medium,
        references: ["zizmor:secrets-inherit", "zizmor:overprovisioned-secrets"],
    }
}

impl Check for EverySecret {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.workflows().workflows() {
            let Some(root) = file.root() else { continue };
            for job in file.jobs() {
                if job.node.str_at("secrets") == Some("inherit") {
                    out.at(file.at(job.node, "secrets")).say(format!(
                        "job `{}` passes every secret of the repository to the called workflow",
                        job.name
                    ));
                }
            }
            for s in root.scalars() {
                let text = s.as_str().unwrap_or_default().to_ascii_lowercase();
                if text.replace(' ', "").contains("tojson(secrets)") {
                    out.at(file.at(s, "")).say(
                        "`toJSON(secrets)` exposes every secret of the repository to this step",
                    );
                }
            }
        }
    }
}
