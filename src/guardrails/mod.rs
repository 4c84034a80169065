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
///
/// The checks run in parallel, each into its own list, joined in rule order, so the
/// hits are the same whatever thread ran which rule. Each check is a task of its own:
/// this thread takes them from the end of the list (the secret and auth rules, the
/// dearest, which parse the service's Rust sources), an idle thread from the start.
/// Facts several rules share ([`RepoModel::memo`]) and the views are still computed
/// once. The one long shared piece, the auth analysis's parse of a python-fastapi or
/// typescript-fastify service's sources, is done first, on all cores
/// ([`rules::auth::prepare`]), so that no rule task waits on one core for it.
pub fn check_all<'r>(
    repo: &RepoModel,
    params: &Params,
    rules: impl IntoIterator<Item = &'r Rule>,
) -> Vec<Hit> {
    check_with(repo, params, rules, None)
}

/// [`check_all`] for a repository whose sources the auth rules read were parsed
/// ahead ([`rules::auth::read_ahead`] on the files `repo` was built from, while its
/// model was built). The hits are the same.
pub fn check_all_read_ahead<'r>(
    repo: &RepoModel,
    params: &Params,
    rules: impl IntoIterator<Item = &'r Rule>,
    ahead: rules::auth::Ahead,
) -> Vec<Hit> {
    check_with(repo, params, rules, Some(ahead))
}

/// Whether any of `rules` reads the sources [`rules::auth::prepare`] parses, so that
/// parsing them ahead is work the checks will use.
pub fn reads_auth_sources<'r>(rules: impl IntoIterator<Item = &'r Rule>) -> bool {
    rules
        .into_iter()
        .any(|r| r.meta.domain == Domain::Auth && r.check.is_some())
}

fn check_with<'r>(
    repo: &RepoModel,
    params: &Params,
    rules: impl IntoIterator<Item = &'r Rule>,
    ahead: Option<rules::auth::Ahead>,
) -> Vec<Hit> {
    let rules: Vec<&Rule> = rules.into_iter().collect();
    let running: Vec<&'static str> = rules.iter().map(|r| r.meta.id).collect();
    let checks: Vec<(&'static str, rule::CheckFn)> = rules
        .iter()
        .filter_map(|r| Some((r.meta.id, r.check?)))
        .collect();
    // The auth rules' shared parse, on all cores before any rule task exists (see
    // `rules::auth::prepare`).
    if reads_auth_sources(rules.iter().copied()) {
        match ahead {
            Some(ahead) => rules::auth::install(repo, ahead),
            None => rules::auth::prepare(repo),
        }
    }
    let views = paved_model::Views::new(repo.model());
    let ctx = CheckCtx {
        repo,
        views: &views,
        params,
        running: &running,
    };
    let mut found: Vec<Vec<Hit>> = checks.iter().map(|_| Vec::new()).collect();
    rayon::scope(|scope| {
        for ((id, check), hits) in checks.iter().zip(found.iter_mut()) {
            let ctx = &ctx;
            scope.spawn(move |_| check(ctx, &mut Emitter::new(id, hits)));
        }
    });
    found.into_iter().flatten().collect()
}
