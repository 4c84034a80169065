use std::sync::OnceLock;

use regex::Regex;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

fn input_context() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b(inputs\.[A-Za-z0-9_-]+|github\.event\.inputs\.[A-Za-z0-9_-]+)")
            .expect("valid regex")
    })
}

rule! {
    /// Workflow input expanded in a script
    ///
    /// ## Why it matters
    /// Inputs of workflow_dispatch, workflow_call or a composite action are substituted
    /// into the script text; whoever can supply them can inject shell commands.
    ///
    /// ## How to fix it
    /// Pass inputs through `env:` and quote them in the script, or validate them with a
    /// strict `type: choice`.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   # flagged: the input becomes part of the script text
    ///   - run: ./deploy.sh ${{ inputs.target }}
    /// ```
    /// ```yaml
    /// steps:
    ///   - env:
    ///       TARGET: ${{ inputs.target }}
    ///     run: ./deploy.sh "$TARGET"
    /// ```
    pub struct InputInjection {
        id: "PVD-GHA-007",
        severity: Medium,
        references: ["zizmor:template-injection", "checkov:CKV_GHA_2", "checkov:CKV_GHA_7"],
    }
}

impl Check for InputInjection {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (at, expr) in cx.workflows().code_expressions() {
            if let Some(m) = input_context().find(expr) {
                out.at(at).say(format!(
                    "`{}` is expanded into code; whoever supplies the input can inject commands",
                    m.as_str()
                ));
            }
        }
    }
}
