//! `paved drift`: audit repositories against the guardrails and their blueprint.
//!
//! paths → repositories → files (read once) → parsed model → rule hits and blueprint
//! deviations → policy (enabled, severity, context, waivers) → [`Report`], which every
//! output format in `crate::report` renders.

pub mod blind_spots;
pub mod blueprint;
pub mod context;
pub mod discover;
mod handoff;
pub mod rules;
pub mod waivers;
pub mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::blueprint::conformance::read_ahead;
use crate::blueprint::provenance::{self, Provenance};
use crate::blueprint::Catalog;
use crate::guardrails::declare::Declared;
use crate::guardrails::model::{Model, RepoContext};
use crate::guardrails::params::RuleParams;
use crate::guardrails::policy::Policy;
use crate::guardrails::rules::auth;
use crate::guardrails::{self, Domain, Hit, RepoModel, Rule, Severity, Warning};
use handoff::Handoff;
use rules::waiver::WaiverParams;

/// What is audited: a repository as the walker read it, or rendered manifests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Repository,
    /// `--manifests`: Kubernetes objects rendered by `helm template`, `kustomize build`
    /// and the like. Only the Kubernetes and secrets rules apply; the rest ask about a
    /// repository (its CI, its Dockerfile, its SECURITY.md) that is not there.
    Manifests,
}

impl Scope {
    fn applies(self, domain: Domain) -> bool {
        match self {
            Scope::Repository => true,
            Scope::Manifests => matches!(domain, Domain::Kubernetes | Domain::Secrets),
        }
    }
}

/// The detail of the PVD-AUDIT-001 finding on the first CI file when no CI file could
/// be parsed.
const CI_NOT_JUDGED: &str = "CI coverage was not judged: no CI file could be parsed, so the PVD-CI-* rules cannot tell which scanners the pipeline runs and say nothing until it parses";

/// What an audit needs besides the repository.
pub struct Options<'a> {
    pub policy: &'a Policy,
    pub catalog: &'a Catalog,
    /// Today's date, for waiver expiry (`PAVED_TODAY` overrides it in tests).
    pub today: jiff::civil::Date,
}

/// Who waived a finding, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Waived {
    pub reason: String,
    /// A `.paved/waivers.toml` entry has an owner and an expiry; another tool's inline
    /// suppression has no owner (and an expiry only with trivy's `:exp:`).
    pub owner: Option<String>,
    pub expires: Option<String>,
    /// `.paved/waivers.toml:3`, or `inline checkov:skip=CKV_AWS_20 in main.tf:12`.
    pub source: String,
    /// Line of the waiver in its file.
    pub line: u32,
    /// Another tool's inline suppression (SARIF: `inSource`).
    pub inline: bool,
}

impl Waived {
    /// `@acme/sre until 2026-09-30: reason`, or
    /// `inline checkov:skip=CKV_AWS_20 in main.tf:12: reason`.
    pub fn summary(&self) -> String {
        match (&self.owner, &self.expires, self.inline) {
            (Some(owner), Some(expires), false) => {
                format!("{owner} until {expires}: {}", self.reason)
            }
            (_, Some(expires), _) => format!("{} until {expires}: {}", self.source, self.reason),
            _ => format!("{}: {}", self.source, self.reason),
        }
    }

    /// What follows "waived": `by @acme/sre until …` or `inline checkov:skip=… in …`.
    pub fn phrase(&self) -> String {
        if self.inline {
            self.summary()
        } else {
            format!("by {}", self.summary())
        }
    }
}

/// One finding after policy, context and waivers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Relative to the repository root, `/`-separated; empty for repository-wide findings.
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
    pub remediation: &'static str,
    pub title: &'static str,
    pub domain: Domain,
    /// The rule's severity in the active profile, before context moved it.
    pub profile_severity: Severity,
    /// Why context moved the severity, e.g. "raised from medium to high: exposure = internet".
    pub context_reason: Option<String>,
    pub waived: Option<Waived>,
    /// Longer text, such as a unified diff.
    pub detail: Option<String>,
    /// Stable across line moves: rule, file and the content of the flagged line.
    pub fingerprint: String,
    /// First and last line of the cause when it spans several (the rule's
    /// [`Hit::span`]): the human and Markdown reports group by it. Not part of the
    /// JSON document.
    #[serde(skip)]
    pub span: Option<(u32, u32)>,
}

impl Finding {
    /// `file:line`, `file` or `(repository)`.
    pub fn location(&self) -> String {
        match (self.file.is_empty(), self.line) {
            (true, _) => "(repository)".to_string(),
            (false, Some(line)) => format!("{}:{line}", self.file),
            (false, None) => self.file.clone(),
        }
    }
}

/// The audit of one repository.
#[derive(Clone, Debug)]
pub struct RepoReport {
    /// As the user named it (or as found below a `--recursive` path).
    pub path: String,
    /// The blueprint id recorded in `.paved/answers.toml`.
    pub blueprint: Option<String>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<Warning>,
    pub context: RepoContext,
}

/// The audit of every repository, in a stable order.
#[derive(Clone, Debug)]
pub struct Report {
    pub profile: String,
    pub repos: Vec<RepoReport>,
}

impl Report {
    /// Findings that count: not waived.
    pub fn active(&self) -> impl Iterator<Item = (&RepoReport, &Finding)> {
        self.repos
            .iter()
            .flat_map(|r| r.findings.iter().map(move |f| (r, f)))
            .filter(|(_, f)| f.waived.is_none())
    }

    /// Active findings per severity, most severe first.
    pub fn by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|s| (*s, self.active().filter(|(_, f)| f.severity == *s).count()))
            .collect()
    }

    pub fn waived(&self) -> usize {
        self.repos
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.waived.is_some())
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.repos.iter().map(|r| r.warnings.len()).sum()
    }

    /// Whether any active finding is at or above `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.active().any(|(_, f)| f.severity >= fail_on)
    }
}

/// Audits the repository at `root`, shown as `display`; `exclude` lists nested
/// repositories audited on their own.
pub fn audit(root: &Path, display: String, exclude: &[PathBuf], opts: &Options<'_>) -> RepoReport {
    let walked = walk::walk(root, exclude);
    evaluate(root, Some(root), display, walked, opts, Scope::Repository)
}

/// How long the read-ahead's thread waits for the walk before leaving the rest of a
/// single audit to a queued task: the walk and the read-ahead take about as long on a
/// generated service (~1.2 ms each here), so a longer wait is a longer walk, which
/// the queued task serves as well.
const HANDOFF_BUDGET: Duration = Duration::from_millis(1);

/// How long a walk that ends before any worker waits for it (the standing-by one has
/// not started, the read-ahead is not done) waits for one to take the rest: about
/// what waking an idle worker costs in the common case (tens to a few hundred
/// microseconds), and little for a small repository whose walk is much shorter than
/// the read-ahead.
const OFFER_BUDGET: Duration = Duration::from_micros(300);

/// How long the standing-by worker waits for the walk, yielding its core between
/// looks: longer than a generated service's walk (~1.2 ms), short against a large
/// repository's, after which the caller queues the rest as before.
const STANDBY_BUDGET: Duration = Duration::from_millis(5);

/// How long the calling thread waits for the workers to finish a handed-over audit
/// without sleeping (see `audit_alone`).
const END_BUDGET: Duration = Duration::from_millis(50);

/// [`audit`] for a repository audited on its own, which would leave a core idle
/// while it is walked: its `.paved/answers.toml` is read first and the blueprint
/// rendered for conformance on that core meanwhile. The rules do not wait for that
/// render: they start once the files are parsed, and the other core joins them when
/// it is done, so a render that outlasts the walk no longer holds the auth parse
/// back. The report is the same (the read-ahead is used only when the walker read
/// the same provenance text, and conformance reads nothing the rules produce).
pub fn audit_alone(
    root: &Path,
    display: String,
    exclude: &[PathBuf],
    opts: &Options<'_>,
) -> RepoReport {
    // The read-ahead is queued for the pool and the walk starts on this thread at
    // once: the walk uses no rayon, so it need not wait for the pool's threads, which
    // may still be starting (`commands::drift` does not wait for them). The parse,
    // the model and the rules then run in the pool as one task, beside the
    // read-ahead, which conformance waits for only at the end. That task is handed
    // to a worker already waiting for the walk (see `handoff`): one standing by from
    // the start, or the read-ahead's when it is done first; when none takes it in
    // time, it is queued.
    let rest = |walked: walk::Walked| {
        let (model, ahead) = repo_model(root, parse(walked, Scope::Repository, opts.policy));
        let checked = check(&model, opts, Scope::Repository, ahead);
        (model, checked)
    };
    let handoff = Handoff::new();
    // Waiting for the walk (spinning, or standing by) is only worth a core of its own.
    let spare = rayon::current_num_threads() > 1;
    let (budget, offer_budget) = if spare {
        (HANDOFF_BUDGET, OFFER_BUDGET)
    } else {
        (Duration::ZERO, Duration::ZERO)
    };
    let mut ahead = None;
    let mut by_reader = None;
    let mut by_standby = None;
    let finished = AtomicUsize::new(0);
    let spawned = 1 + usize::from(spare);
    let by_caller = rayon::in_place_scope(|s| {
        s.spawn(|_| {
            ahead = Some(read_ahead(root, opts.catalog));
            by_reader = handoff.wait(budget).map(rest);
            finished.fetch_add(1, Ordering::Release);
        });
        // A second worker stands by for the walk, runnable but yielding its core, so
        // that the rest starts as soon as the walk is handed over even when the
        // read-ahead is not done (no sleeping worker to wake).
        if spare {
            s.spawn(|_| {
                by_standby = handoff.wait_paced(STANDBY_BUDGET, true).map(rest);
                finished.fetch_add(1, Ordering::Release);
            });
        }
        let walked = walk::walk(root, exclude);
        match handoff.offer(walked, offer_budget) {
            Ok(()) => {
                // The workers run the rest. This thread stays runnable, giving its core
                // away between looks, rather than sleeping on the scope's latch: a
                // sleeping thread's core halts, and waking it when the workers finish
                // is again a wake-up on the critical path. Bounded; the scope's own
                // wait takes over after it.
                let deadline = Instant::now() + END_BUDGET;
                while finished.load(Ordering::Acquire) < spawned && Instant::now() < deadline {
                    std::thread::yield_now();
                }
                None
            }
            Err(walked) => Some(rayon::scope(|_| rest(walked))),
        }
    });
    let (model, checked) = by_caller
        .or(by_reader)
        .or(by_standby)
        .expect("the walked files were handed over or kept, and audited either way");
    let ahead = ahead.expect("the read-ahead ran: the scope waited for it");
    let conformance = blueprint::check(
        root,
        model.repo.model(),
        opts.catalog,
        ahead,
        model.repo.provenance(),
    );
    let report = findings(display, &model, checked, conformance, opts);
    // Freeing the parse trees (the auth analysis keeps a service's syntax trees) is
    // the longest step left after the findings; it goes to the pool, beside the
    // report's rendering, instead of before it.
    rayon::spawn(move || drop(model));
    report
}

/// Audits rendered manifests (`paved drift --manifests`), shown as `display`. `files`
/// are the rendered YAML files, with paths as the user should see them.
pub fn audit_manifests(
    files: Vec<guardrails::SourceFile>,
    display: String,
    opts: &Options<'_>,
) -> RepoReport {
    let walked = walk::Walked {
        files,
        warnings: Vec::new(),
    };
    evaluate(
        &PathBuf::from("."),
        None,
        display,
        walked,
        opts,
        Scope::Manifests,
    )
}

/// Audits files held in memory, as if they were a repository's: for fuzzing, tests and
/// benchmarks. Bytes that are not UTF-8 text are treated as the walker treats them;
/// blueprint conformance (which re-reads the file system) is skipped.
pub fn audit_in_memory(files: &[(&str, &[u8])], opts: &Options<'_>) -> RepoReport {
    let mut walked = walk::Walked::default();
    for (path, bytes) in files {
        let text = std::str::from_utf8(bytes)
            .ok()
            .filter(|t| !t.contains('\0') && t.len() as u64 <= walk::MAX_TEXT_BYTES);
        if text.is_none() {
            walked.warnings.push(Warning {
                file: PathBuf::from(path),
                message: "binary, non-UTF-8 or oversized: not audited".to_string(),
            });
        }
        walked.files.push(guardrails::SourceFile {
            path: PathBuf::from(path),
            size: bytes.len() as u64,
            executable: false,
            text: text.map(str::to_owned),
        });
    }
    let root = PathBuf::from(".");
    evaluate(
        &root,
        None,
        "(memory)".to_string(),
        walked,
        opts,
        Scope::Repository,
    )
}

/// A repository's files parsed: the model, its provenance, the blind spots found in
/// it, the walker's warnings and the auth rules' parse when it was made beside the
/// model.
struct Parsed {
    model: Model,
    provenance: Option<Provenance>,
    blind_spots: Vec<Hit>,
    walk_warnings: Vec<Warning>,
    auth_ahead: Option<auth::Ahead>,
}

fn parse(walked: walk::Walked, scope: Scope, policy: &Policy) -> Parsed {
    let provenance = provenance_of(&walked.files);
    let (model, blind_spots, auth_ahead) = match scope {
        Scope::Repository => {
            // A python-fastapi or typescript-fastify service's sources are the
            // longest parse of its audit: it starts with the model's, on the other
            // core, instead of after it.
            let (model, ahead) = if guardrails::reads_auth_sources(rules_run(policy, scope)) {
                let blueprint = provenance.as_ref().map(|p| p.blueprint_id.as_str());
                let (model, ahead) =
                    Model::build_beside(walked.files, |files| auth::read_ahead(files, blueprint));
                (model, Some(ahead))
            } else {
                (Model::build(walked.files), None)
            };
            let blind = blind_spots::find(&model);
            (model, blind, ahead)
        }
        Scope::Manifests => (Model::rendered_manifests(walked.files), Vec::new(), None),
    };
    Parsed {
        model,
        provenance,
        blind_spots,
        walk_warnings: walked.warnings,
        auth_ahead,
    }
}

/// `.paved/answers.toml` among `files`, when present and readable: the file the
/// model's [`Model::file`] gives for that path (the last of that name).
fn provenance_of(files: &[guardrails::SourceFile]) -> Option<Provenance> {
    let path = provenance::answers_path();
    let text = files
        .iter()
        .rfind(|f| f.path_str() == path)?
        .text
        .as_deref()?;
    provenance::parse(text, &path).ok()
}

/// The rules the policy runs in this scope.
fn rules_run<'p>(policy: &'p Policy, scope: Scope) -> impl Iterator<Item = &'static Rule> + 'p {
    guardrails::rules::all()
        .filter(move |r| policy.enabled(r.meta.id) && scope.applies(r.meta.domain))
}

fn evaluate(
    root: &Path,
    conformance_root: Option<&Path>,
    display: String,
    walked: walk::Walked,
    opts: &Options<'_>,
    scope: Scope,
) -> RepoReport {
    let (model, ahead) = repo_model(root, parse(walked, scope, opts.policy));
    // The rules, conformance (re-rendering the blueprint) and the waivers read the
    // same files and nothing of each other, so they run side by side: for a single
    // repository the second core would otherwise sit idle through most of them. The
    // rules start first (their dearest task, parsing the Rust sources, is the longest
    // single piece); their hits are joined in the same order as before.
    let (checked, conformance) = rayon::join(
        || check(&model, opts, scope, ahead),
        || match conformance_root {
            Some(root) => blueprint::check(
                root,
                model.repo.model(),
                opts.catalog,
                None,
                model.repo.provenance(),
            ),
            None => Default::default(),
        },
    );
    findings(display, &model, checked, conformance, opts)
}

/// A repository as the rules see it, with what was found while building it.
struct Modelled {
    repo: RepoModel,
    parse_problems: Vec<Warning>,
    context_hits: Vec<Hit>,
    blind_spots: Vec<Hit>,
    walk_warnings: Vec<Warning>,
}

/// The repository as the rules see it, and the auth rules' parse made beside its
/// model, if any.
fn repo_model(root: &Path, parsed: Parsed) -> (Modelled, Option<auth::Ahead>) {
    let Parsed {
        model,
        provenance,
        blind_spots,
        walk_warnings,
        auth_ahead,
    } = parsed;
    let parse_problems = model.parse_warnings().to_vec();
    let (ctx, context_hits) = context::resolve(&model, provenance.as_ref());
    let modelled = Modelled {
        repo: RepoModel::new(root.to_path_buf(), model, provenance, ctx),
        parse_problems,
        context_hits,
        blind_spots,
        walk_warnings,
    };
    (modelled, auth_ahead)
}

/// What the rules and the waivers found.
struct Checked {
    hits: Vec<Hit>,
    waivers: waivers::Waivers,
    inline: Vec<waivers::Inline>,
    inline_problems: Vec<Hit>,
}

/// The rules and the waivers, side by side.
fn check(
    model: &Modelled,
    opts: &Options<'_>,
    scope: Scope,
    auth_ahead: Option<auth::Ahead>,
) -> Checked {
    let repo = &model.repo;
    let policy = opts.policy;
    let max_days = WaiverParams::load(&policy.params).max_waiver_days;
    let (hits, (waivers, (inline, inline_problems))) = rayon::join(
        || {
            let rules = rules_run(policy, scope);
            match auth_ahead {
                Some(ahead) => guardrails::check_all_read_ahead(repo, &policy.params, rules, ahead),
                None => guardrails::check_all(repo, &policy.params, rules),
            }
        },
        || {
            (
                waivers::load(repo.model(), opts.today, max_days),
                waivers::load_inline(
                    repo.model().files(),
                    opts.today,
                    policy.inline_waivers,
                    &policy.inline_forbidden_because(),
                ),
            )
        },
    );
    Checked {
        hits,
        waivers,
        inline,
        inline_problems,
    }
}

/// The findings of one repository: every hit (rules, conformance, context, blind
/// spots, parse problems) through policy, context and waivers, in a stable order.
fn findings(
    display: String,
    modelled: &Modelled,
    checked: Checked,
    (blueprint_hits, blueprint_warnings): (Vec<Hit>, Vec<Warning>),
    opts: &Options<'_>,
) -> RepoReport {
    let model = &modelled.repo;
    let Checked {
        mut hits,
        waivers,
        inline,
        inline_problems,
    } = checked;
    let policy = opts.policy;
    hits.extend(blueprint_hits);
    hits.extend(modelled.context_hits.iter().cloned());
    hits.extend(modelled.blind_spots.iter().cloned());
    // When no CI file parsed, the CI coverage rules have nothing to judge and stay
    // quiet; the first unreadable CI file's finding says so, once.
    let ci_unjudged = !model.model().yaml().iter().any(|y| {
        matches!(
            y.kind,
            paved_parse::yaml::YamlKind::Workflow | paved_parse::yaml::YamlKind::GitlabCi
        )
    });
    let mut ci_noted = false;
    hits.extend(modelled.parse_problems.iter().cloned().map(|w| {
        let detail = (ci_unjudged
            && !ci_noted
            && paved_model::workflows::is_pipeline_path(&w.file.to_string_lossy()))
        .then(|| {
            ci_noted = true;
            CI_NOT_JUDGED.to_string()
        });
        Hit {
            rule: rules::audit::Unparsed::ID,
            file: w.file,
            line: None,
            message: w.message,
            detail,
            severity: None,
            span: None,
        }
    }));
    let mut warnings = modelled.walk_warnings.clone();
    warnings.extend(blueprint_warnings);

    let mut used = vec![false; waivers.active.len()];
    let mut findings = Vec::new();
    let mut seen = HashMap::new();
    let mut push = |hit: Hit, waived: Option<Waived>, findings: &mut Vec<Finding>| {
        if !policy.enabled(hit.rule) {
            return;
        }
        let Some(rule) = rules::find(hit.rule) else {
            return;
        };
        let meta = &rule.meta;
        // A profile that sets the rule's severity decides; else the finding's own
        // (for rules that grade their findings), else the rule's.
        let profile_severity = policy
            .rule(meta.id)
            .severity
            .or(hit.severity)
            .unwrap_or(meta.severity);
        let (severity, context_reason) = if policy.context_severity {
            context::adjust(meta.domain, profile_severity, model.context())
        } else {
            (profile_severity, None)
        };
        let file = hit.file.to_string_lossy().replace('\\', "/");
        let fingerprint = fingerprint(model, &hit, &file, &mut seen);
        findings.push(Finding {
            rule: meta.id,
            severity,
            file,
            line: hit.line.filter(|l| *l > 0),
            message: hit.message,
            remediation: meta.remediation,
            title: meta.title,
            domain: meta.domain,
            profile_severity,
            context_reason,
            waived,
            detail: hit.detail,
            fingerprint,
            span: hit.span,
        });
    };
    for hit in hits {
        let in_file = waivers.find(hit.rule, &hit.file).map(|i| {
            used[i] = true;
            let w = &waivers.active[i];
            Waived {
                reason: w.reason.clone(),
                owner: Some(w.owner.clone()),
                expires: Some(w.expires.to_string()),
                source: format!("{}:{}", waivers::WAIVERS_FILE, w.line),
                line: w.line,
                inline: false,
            }
        });
        let waived = in_file.or_else(|| {
            if hit.rule.starts_with("PVD-WAIVER-") {
                return None;
            }
            let meta = &rules::find(hit.rule)?.meta;
            let s = inline
                .iter()
                .find(|s| s.covers(meta, &hit.file, hit.line))?;
            Some(Waived {
                reason: s
                    .reason
                    .clone()
                    .unwrap_or_else(|| "no reason given".to_string()),
                owner: None,
                expires: s.expires.map(|d| d.to_string()),
                source: s.source(),
                line: s.line,
                inline: true,
            })
        });
        push(hit, waived, &mut findings);
    }
    for hit in waivers
        .problems
        .iter()
        .cloned()
        .chain(waivers.unused(&used))
        .chain(inline_problems)
    {
        push(hit, None, &mut findings);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.rule.cmp(b.rule))
    });

    RepoReport {
        path: display,
        blueprint: model.blueprint_id().map(str::to_string),
        findings,
        warnings,
        context: model.context().clone(),
    }
}

/// A content-based fingerprint: rule, file and the flagged line with whitespace
/// collapsed (or the message for whole-file findings), plus an occurrence counter
/// so identical findings stay distinct.
fn fingerprint(
    model: &RepoModel,
    hit: &Hit,
    file: &str,
    seen: &mut HashMap<String, u32>,
) -> String {
    let content = hit
        .line
        .and_then(|line| {
            let text = model.file(file)?.text.as_deref()?;
            let raw = text.lines().nth(line.checked_sub(1)? as usize)?;
            Some(raw.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| hit.message.clone());
    let mut hasher = Sha256::new();
    for part in [hit.rule, file, &content] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let base = hex(&hasher.finalize()[..16]);
    let n = seen.entry(base.clone()).or_insert(0);
    *n += 1;
    format!("{base}:{n}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
