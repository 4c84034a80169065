use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CI debug tracing enabled
    ///
    /// ## Why it matters
    /// CI_DEBUG_TRACE / CI_DEBUG_SERVICES print every variable, masked ones included, to
    /// the job log, where anyone with log access can read them.
    ///
    /// ## How to fix it
    /// Remove CI_DEBUG_TRACE and CI_DEBUG_SERVICES from the configuration; enable them only
    /// for a single manual run and rotate secrets afterwards.
    ///
    /// ## Example
    /// ```yaml
    /// variables:
    ///   # flagged: masked variables end up in the job log
    ///   CI_DEBUG_TRACE: "true"
    /// ```
    /// ```yaml
    /// variables:
    ///   CARGO_TERM_COLOR: always
    /// ```
    pub struct DebugTrace {
        id: "PVD-GITLAB-005",
        severity: High,
        references: [],
    }
}

impl Check for DebugTrace {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for file in cx.gitlab().files() {
            let mut seen: Vec<u32> = Vec::new();
            for node in file.job_like() {
                let variables = node.get_or_empty("variables");
                for var in ["CI_DEBUG_TRACE", "CI_DEBUG_SERVICES"] {
                    let Some((k, v)) = variables.get_entry(var) else {
                        continue;
                    };
                    let value = v.get("value").unwrap_or(v);
                    if value.as_bool() == Some(true) && !seen.contains(&k.line()) {
                        seen.push(k.line());
                        out.at(file.at(variables, var)).say(format!(
                            "`{var}` prints every variable, masked secrets included, into the job log"
                        ));
                    }
                }
            }
        }
    }
}
