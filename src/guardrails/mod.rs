//! Guardrails: security properties checked on any repository.
//!
//! Layers, one way (the lower two are crates of their own, so the compiler keeps
//! them from looking up):
//!
//! ```text
//! paved-parse   files, parsers (Dockerfile, YAML, HCL)
//! paved-model   Model (parsed once) and Views (workflows, jobs, steps; GitLab jobs;
//!               Kubernetes objects, workloads, containers; Terraform resources and
//!               policy statements; Dockerfile stages and RUN commands)
//! guardrails    rules: one type per file in rules/<domain>/, declared with
//!               `declare::rule!`; they query views and never import each other
//! drift         hits → findings (policy, context, waivers) → report
//! ```
//!
//! Each rule's doc comment is its documentation; `paved rules`, `paved explain`,
//! docs/rules.md and the SARIF rule help are rendered from it. See
//! docs/contributing-rules.md.

pub mod ci_tools;
pub mod declare;
pub mod docs;
#[cfg(test)]
pub(crate) mod gate_samples;
pub mod model;
pub mod params;
pub mod policy;
pub mod rule;
pub mod rules;

pub use model::{RepoModel, SourceFile, Warning};
pub use params::Params;
pub use rule::{CheckCtx, Domain, Emitter, Hit, Rule, RuleMeta, Severity};

/// Runs the checks of `rules` over `repo` and returns their hits in rule order
/// (rules the engine raises have no check and add nothing). The drift engine adds
/// policy, context and waivers on top; rule tests call this directly.
pub fn check_all<'r>(
    repo: &RepoModel,
    params: &Params,
    rules: impl IntoIterator<Item = &'r Rule>,
) -> Vec<Hit> {
    let rules: Vec<&Rule> = rules.into_iter().collect();
    let running: Vec<&'static str> = rules.iter().map(|r| r.meta.id).collect();
    let views = paved_model::Views::new(repo.model());
    let ctx = CheckCtx {
        repo,
        views: &views,
        params,
        running: &running,
    };
    let mut hits = Vec::new();
    for rule in rules {
        if let Some(check) = rule.check {
            let mut emitter = Emitter::new(rule.meta.id, &mut hits);
            check(&ctx, &mut emitter);
        }
    }
    hits
}
