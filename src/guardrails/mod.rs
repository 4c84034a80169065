//! Guardrails: security properties checked on any repository.
//!
//! Data flows one way: the files of a repository are read once into a [`RepoModel`]
//! (each file parsed once, with line numbers), every enabled [`Rule`] runs over that
//! model and emits [`Hit`]s, and the drift engine turns hits into findings with the
//! policy's severity, context adjustments and waivers applied.
//!
//! Each rule's metadata (id, title, severity, rationale, remediation, references)
//! sits beside its check in `rules/<domain>.rs`; `paved rules`, `paved explain` and
//! `docs/rules.md` are rendered from it.

pub mod docs;
pub mod model;
pub mod params;
pub mod policy;
pub mod rule;
pub mod rules;

pub use model::{RepoModel, SourceFile, Warning};
pub use params::Params;
pub use rule::{CheckCtx, Domain, Emitter, Hit, Rule, RuleMeta, Severity};

/// Runs `rules` over `repo` and returns their hits in rule order. The drift engine
/// adds policy, context and waivers on top; rule tests call this directly.
pub fn check_all<'r>(
    repo: &RepoModel,
    params: &Params,
    rules: impl IntoIterator<Item = &'r Rule>,
) -> Vec<Hit> {
    let ctx = CheckCtx { repo, params };
    let mut hits = Vec::new();
    for rule in rules {
        let mut emitter = Emitter::new(rule.meta.id, &mut hits);
        (rule.check)(&ctx, &mut emitter);
    }
    hits
}
