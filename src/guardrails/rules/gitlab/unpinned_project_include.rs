use paved_model::workflows::is_full_sha;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Included project not pinned to a commit
    ///
    /// ## Why it matters
    /// An include that follows a branch or tag runs whatever the other project pushes next,
    /// with this project's variables and tokens.
    ///
    /// ## How to fix it
    /// Set `ref:` to the full commit SHA of the included project.
    ///
    /// ## Example
    /// ```yaml
    /// include:
    ///   - project: platform/ci
    ///     # flagged: follows whatever is pushed to main
    ///     ref: main
    ///     file: /base.yml
    /// ```
    /// ```yaml
    /// include:
    ///   - project: platform/ci
    ///     ref: 0123456789abcdef0123456789abcdef01234567
    ///     file: /base.yml
    /// ```
    pub struct UnpinnedProjectInclude {
        id: "PVD-GITLAB-006",
        severity: Medium,
        references: ["scorecard:Pinned-Dependencies"],
    }
}

impl Check for UnpinnedProjectInclude {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.gitlab().files() {
            for inc in file.includes() {
                let Some(project) = inc.get("project") else {
                    continue;
                };
                let r = inc.str_at("ref").unwrap_or("");
                if is_full_sha(r) {
                    continue;
                }
                let project = project.as_str().unwrap_or("?");
                let what = if r.is_empty() {
                    "no `ref` (the default branch)".to_owned()
                } else {
                    format!("`ref: {r}`")
                };
                let at = if inc.get("ref").is_some() {
                    file.at(inc, "ref")
                } else {
                    file.at(inc, "project")
                };
                out.at(at).say(format!(
                    "include of `{project}` follows {what}, not a commit SHA"
                ));
            }
        }
    }
}
