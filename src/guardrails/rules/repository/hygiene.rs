//! Repository hygiene: disclosure policy, code ownership, dependency updates,
//! lockfiles, ignore rules and committed environment files.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::LazyLock;

use paved_model::repo::is_env_file;
use regex::Regex;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, RepoModel, Severity, SourceFile};

// ---------------------------------------------------------------- SECURITY.md

/// Where GitHub looks for a security policy, in its order of preference.
const SECURITY_DIRS: &[&str] = &[".github/", "", "docs/"];

pub(super) const SECURITY_POLICY_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-001",
        title: "No security policy (SECURITY.md)",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "Without a security policy, whoever finds a vulnerability has no private way to \
                    report it and may open a public issue or say nothing: the flaw stays exploitable \
                    for longer and is disclosed before a fix exists.",
        remediation: "Add SECURITY.md at the repository root, in .github/ or in docs/, saying how to \
                      report a vulnerability privately (an e-mail address or the GitHub security \
                      advisories link) and what reporters can expect.",
        references: &["scorecard:Security-Policy", "allstar:security"],
    },
    check: check_security_policy_missing,
};

pub(super) const SECURITY_POLICY_NO_CONTACT: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-002",
        title: "Security policy gives no way to report a vulnerability",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "A SECURITY.md without an e-mail address, a URL or a security advisories link \
                    leaves reporters with public issues as the only channel.",
        remediation:
            "Name a private disclosure channel in SECURITY.md: a monitored e-mail address \
                      (security@…), a bug bounty or intake URL, or \
                      https://github.com/OWNER/REPO/security/advisories/new.",
        references: &["scorecard:Security-Policy", "allstar:security"],
    },
    check: check_security_policy_contact,
};

fn is_security_policy_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "security.md" | "security.markdown" | "security.rst" | "security.txt" | "security"
    )
}

/// The security policy GitHub would show, if any.
fn security_policy(repo: &RepoModel) -> Option<&SourceFile> {
    SECURITY_DIRS.iter().find_map(|dir| {
        repo.files().iter().find(|f| {
            let path = f.path_str();
            path.strip_prefix(dir)
                .is_some_and(|rest| !rest.contains('/') && is_security_policy_name(rest))
        })
    })
}

fn check_security_policy_missing(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if security_policy(ctx.repo).is_none() {
        out.emit(
            Path::new("SECURITY.md"),
            None,
            "no SECURITY.md at the root, in .github/ or in docs/",
        );
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}").unwrap()
});
static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"https?://[^\s<>()\[\]]+").unwrap());

fn has_contact(text: &str) -> bool {
    EMAIL.is_match(text) || URL.is_match(text) || text.contains("security/advisories")
}

fn check_security_policy_contact(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let Some(policy) = security_policy(ctx.repo) else {
        return;
    };
    match &policy.text {
        Some(text) if has_contact(text) => {}
        Some(_) => out.emit(
            &policy.path,
            None,
            "the security policy names no e-mail address, URL or security advisories link",
        ),
        None => out.emit(
            &policy.path,
            None,
            "the security policy is not readable text, so no contact can be found in it",
        ),
    }
}

// ---------------------------------------------------------------- CODEOWNERS

/// Where GitHub and GitLab look for CODEOWNERS, in GitHub's order of preference.
const CODEOWNERS_PATHS: &[&str] = &[
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

pub(super) const CODEOWNERS_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-003",
        title: "No CODEOWNERS file",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "Without code owners, branch protection cannot require a review from the team \
                    responsible for a change, so changes to CI, infrastructure or authentication \
                    code can merge without the people who understand their security impact.",
        remediation: "Add .github/CODEOWNERS (or CODEOWNERS, docs/CODEOWNERS) with a catch-all line \
                      such as `* @acme/payments` and require code-owner review on the default branch.",
        references: &["allstar:codeowners"],
    },
    check: check_codeowners_missing,
};

pub(super) const CODEOWNERS_NO_CATCH_ALL: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-004",
        title: "CODEOWNERS has no catch-all owner",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "Files matched by no CODEOWNERS pattern have no required reviewer: new \
                    directories (workflows, Terraform, Kubernetes manifests) silently escape review.",
        remediation: "Put a catch-all line such as `* @acme/payments` first in CODEOWNERS; more \
                      specific patterns below it override it.",
        references: &["allstar:codeowners"],
    },
    check: check_codeowners_catch_all,
};

pub(super) const CODEOWNERS_SYNTAX: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-005",
        title: "CODEOWNERS line is not valid",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "GitHub skips CODEOWNERS lines it cannot parse, so the paths on such a line \
                    lose their required reviewers without any error at merge time.",
        remediation: "Write each line as a path pattern followed by owners of the form @user, \
                      @org/team or an e-mail address; CODEOWNERS patterns do not support `!` \
                      negation or `[ ]` character ranges.",
        references: &["allstar:codeowners"],
    },
    check: check_codeowners_syntax,
};

fn codeowners(repo: &RepoModel) -> Option<&SourceFile> {
    CODEOWNERS_PATHS.iter().find_map(|p| repo.file(p))
}

fn check_codeowners_missing(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if codeowners(ctx.repo).is_none() {
        // Point at the file the repository's blueprint placed, when it recorded one, so
        // the finding lands where the file went missing.
        let recorded = ctx.repo.provenance().and_then(|p| {
            CODEOWNERS_PATHS
                .iter()
                .find(|c| p.managed.iter().chain(&p.seeded).any(|f| f == *c))
        });
        out.emit(
            Path::new(recorded.copied().unwrap_or(".github/CODEOWNERS")),
            None,
            "no CODEOWNERS in .github/, at the root or in docs/",
        );
    }
}

/// One meaningful CODEOWNERS line.
struct OwnersLine<'a> {
    line: u32,
    pattern: String,
    owners: Vec<&'a str>,
}

/// Splits CODEOWNERS into pattern lines, skipping comments, blank lines and GitLab
/// section headers (`[Section]`, `^[Section] @owner`).
fn owners_lines(text: &str) -> Vec<OwnersLine<'_>> {
    let mut lines = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('[') || trimmed.starts_with("^[") {
            continue;
        }
        let (pattern, rest) = split_pattern(trimmed);
        let rest = match rest.find(" #").or_else(|| rest.find("\t#")) {
            Some(i) => &rest[..i],
            None => rest,
        };
        let rest = if rest.starts_with('#') { "" } else { rest };
        lines.push(OwnersLine {
            line: u32::try_from(idx + 1).unwrap_or(u32::MAX),
            pattern,
            owners: rest.split_whitespace().collect(),
        });
    }
    lines
}

/// The pattern (with `\ ` escapes resolved) and the rest of the line.
fn split_pattern(line: &str) -> (String, &str) {
    let mut pattern = String::new();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    pattern.push(next);
                }
            }
            c if c.is_whitespace() => return (pattern, &line[i..]),
            c => pattern.push(c),
        }
    }
    (pattern, "")
}

static OWNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:@[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?(?:/[A-Za-z0-9_.-]+)*|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})$",
    )
    .unwrap()
});

fn is_catch_all(pattern: &str) -> bool {
    matches!(pattern, "*" | "**" | "/**" | "/*" | "/")
}

fn check_codeowners_catch_all(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let Some(file) = codeowners(ctx.repo) else {
        return;
    };
    let Some(text) = &file.text else {
        out.emit(&file.path, None, "CODEOWNERS is not readable text");
        return;
    };
    let covered = owners_lines(text)
        .iter()
        .any(|l| is_catch_all(&l.pattern) && l.owners.iter().any(|o| OWNER.is_match(o)));
    if !covered {
        out.emit(
            &file.path,
            None,
            "no `*` line with an owner: files outside the listed patterns have no required reviewer",
        );
    }
}

fn check_codeowners_syntax(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let Some(file) = codeowners(ctx.repo) else {
        return;
    };
    let Some(text) = &file.text else {
        return;
    };
    for line in owners_lines(text) {
        if line.pattern.starts_with('!') {
            out.emit(
                &file.path,
                Some(line.line),
                format!(
                    "pattern `{}` uses `!` negation, which CODEOWNERS does not support",
                    line.pattern
                ),
            );
            continue;
        }
        if line.pattern.contains('[') {
            out.emit(
                &file.path,
                Some(line.line),
                format!(
                    "pattern `{}` uses a `[ ]` character range, which CODEOWNERS does not support",
                    line.pattern
                ),
            );
            continue;
        }
        let bad: Vec<&str> = line
            .owners
            .iter()
            .copied()
            .filter(|o| !OWNER.is_match(o))
            .collect();
        if !bad.is_empty() {
            out.emit(
                &file.path,
                Some(line.line),
                format!(
                    "owner {} is not @user, @org/team or an e-mail address",
                    bad.iter()
                        .map(|o| format!("`{}`", truncate(o, 60)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

// ---------------------------------------------------------------- dependency updates

const DEPENDABOT_PATHS: &[&str] = &[".github/dependabot.yml", ".github/dependabot.yaml"];

fn is_renovate_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let dir = &path[..path.len() - name.len()];
    let renovate_name = name == "renovate.json"
        || name == "renovate.json5"
        || name == ".renovaterc"
        || name.starts_with(".renovaterc.");
    renovate_name && matches!(dir, "" | ".github/" | ".gitlab/")
}

pub(super) const DEPENDENCY_UPDATES_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-006",
        title: "No automated dependency updates",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "Without Dependabot or Renovate, vulnerable dependencies, base images and \
                    actions stay in place until someone notices; known CVEs remain exploitable \
                    long after fixes are published.",
        remediation: "Add .github/dependabot.yml with an `updates:` entry per ecosystem (cargo, \
                      github-actions, docker, terraform, …) or a Renovate config (renovate.json, \
                      .github/renovate.json5, .renovaterc).",
        references: &["scorecard:Dependency-Update-Tool"],
    },
    check: check_dependency_updates,
};

pub(super) const DEPENDABOT_ECOSYSTEM_UNCOVERED: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-007",
        title: "Dependabot does not cover an ecosystem the repository uses",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "Dependabot only updates the ecosystems listed in dependabot.yml: an unlisted \
                    ecosystem (often github-actions or docker) keeps outdated, vulnerable \
                    actions, images or packages indefinitely.",
        remediation: "Add an `updates:` entry with the missing `package-ecosystem` (and its \
                      `directory`) to .github/dependabot.yml.",
        references: &["scorecard:Dependency-Update-Tool"],
    },
    check: check_dependabot_ecosystems,
};

fn check_dependency_updates(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let has_dependabot = DEPENDABOT_PATHS.iter().any(|p| ctx.repo.file(p).is_some());
    let has_renovate = ctx.repo.any_file(|f| is_renovate_config(&f.path_str()));
    if !has_dependabot && !has_renovate {
        out.emit(
            Path::new(".github/dependabot.yml"),
            None,
            "no .github/dependabot.yml and no Renovate configuration",
        );
    }
}

/// Dependabot ecosystems the repository evidently uses, with the file that shows it.
pub(crate) fn ecosystems_in_use(repo: &RepoModel) -> Vec<(&'static str, String)> {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    for f in repo.files() {
        let path = f.path_str();
        if path.starts_with(".paved/") {
            continue;
        }
        let name = f.file_name();
        let lower = name.to_ascii_lowercase();
        let eco = if name == "Cargo.toml" {
            Some("cargo")
        } else if (path.starts_with(".github/workflows/")
            && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
            || (lower == "action.yml" || lower == "action.yaml")
        {
            Some("github-actions")
        } else if lower == "dockerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
            || lower == "containerfile"
        {
            Some("docker")
        } else if lower.ends_with(".tf") {
            Some("terraform")
        } else if name == "package.json" {
            Some("npm")
        } else if name == "go.mod" {
            Some("gomod")
        } else if name == "pyproject.toml"
            || name == "Pipfile"
            || name == "setup.py"
            || (lower.starts_with("requirements") && lower.ends_with(".txt"))
        {
            Some("pip")
        } else {
            None
        };
        if let Some(eco) = eco {
            if !found.iter().any(|(e, _)| *e == eco) {
                found.push((eco, path));
            }
        }
    }
    found
}

/// Other `package-ecosystem` values that also cover an ecosystem.
fn covered_by(eco: &str, listed: &BTreeSet<String>) -> bool {
    let alternatives: &[&str] = match eco {
        "pip" => &["pip", "uv", "pipenv", "poetry"],
        "npm" => &["npm", "bun", "yarn", "pnpm"],
        "docker" => &["docker", "docker-compose"],
        other => return listed.contains(other),
    };
    alternatives.iter().any(|a| listed.contains(*a))
}

/// At most this many YAML events are read from dependabot.yml.
const MAX_YAML_EVENTS: usize = 100_000;

/// A container being read: a mapping (with the key whose value comes next) or a sequence.
enum Frame {
    Map { key: Option<String>, at_key: bool },
    Seq,
}

/// The `package-ecosystem` values of `updates[*]` in a dependabot.yml, read from the
/// parser's event stream: no alias is ever expanded and the work is bounded, so a
/// hostile file cannot blow up. An error carries the line and the parser's message.
fn dependabot_ecosystems(text: &str) -> Result<BTreeSet<String>, (Option<u32>, String)> {
    use yaml_rust2::parser::Parser;
    use yaml_rust2::Event;

    let mut found = BTreeSet::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Key under which each open container sits in its parent mapping.
    let mut keys: Vec<Option<String>> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    for _ in 0..MAX_YAML_EVENTS {
        let (event, _) = parser.next_token().map_err(|e| {
            (
                u32::try_from(e.marker().line()).ok().filter(|l| *l > 0),
                e.info().to_owned(),
            )
        })?;
        // The key the next value sits under, when the innermost container is a mapping
        // in value position.
        let parent_key = match stack.last() {
            Some(Frame::Map { key, at_key: false }) => key.clone(),
            _ => None,
        };
        let in_update_item = keys.len() == 3
            && matches!(keys.as_slice(), [None, Some(k), None] if k == "updates")
            && matches!(
                stack.as_slice(),
                [Frame::Map { .. }, Frame::Seq, Frame::Map { .. }]
            );
        match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                keys.push(parent_key);
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map {
                        key: None,
                        at_key: true,
                    }
                } else {
                    Frame::Seq
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                keys.pop();
                value_done(&mut stack);
            }
            Event::Scalar(value, ..) => match stack.last_mut() {
                Some(Frame::Map { key, at_key }) if *at_key => {
                    *key = Some(value);
                    *at_key = false;
                }
                _ => {
                    if in_update_item && parent_key.as_deref() == Some("package-ecosystem") {
                        found.insert(value.to_ascii_lowercase());
                    }
                    value_done(&mut stack);
                }
            },
            Event::Alias(_) => value_done(&mut stack),
            _ => {}
        }
    }
    Ok(found)
}

/// After a value in a mapping, the next scalar is a key again.
fn value_done(stack: &mut [Frame]) {
    if let Some(Frame::Map { at_key, .. }) = stack.last_mut() {
        *at_key = true;
    }
}

fn check_dependabot_ecosystems(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let Some(file) = DEPENDABOT_PATHS.iter().find_map(|p| ctx.repo.file(p)) else {
        return;
    };
    let Some(text) = &file.text else {
        out.emit(
            &file.path,
            None,
            "dependabot configuration is not readable text",
        );
        return;
    };
    let listed = match dependabot_ecosystems(text) {
        Ok(listed) => listed,
        Err((line, why)) => {
            out.emit(
                &file.path,
                line,
                format!(
                    "dependabot configuration is not valid YAML ({why}), so it updates nothing"
                ),
            );
            return;
        }
    };
    for (eco, evidence) in ecosystems_in_use(ctx.repo) {
        if !covered_by(eco, &listed) {
            out.emit(
                &file.path,
                None,
                format!("no `package-ecosystem: {eco}` entry, but the repository has {evidence}"),
            );
        }
    }
}

// ---------------------------------------------------------------- lockfiles

pub(super) const LOCKFILE_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-008",
        title: "Dependency manifest without a committed lockfile",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "Without a lockfile every build resolves dependency versions afresh, so a \
                    newly published (possibly malicious or compromised) version is picked up \
                    silently and builds are not reproducible or auditable.",
        remediation: "Commit the lockfile your package manager writes (Cargo.lock, \
                      package-lock.json / yarn.lock / pnpm-lock.yaml, poetry.lock, go.sum) and \
                      build with it (`cargo build --locked`, `npm ci`, …).",
        references: &["scorecard:Pinned-Dependencies"],
    },
    check: check_lockfiles,
};

/// `dir/` prefix of a `/`-separated path ("" at the root).
fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    }
}

/// Whether any of `names` exists in `dir` or, when `upwards`, in one of its ancestors
/// (workspaces keep one lockfile at their root).
fn lockfile_near(paths: &HashSet<String>, dir: &str, names: &[&str], upwards: bool) -> bool {
    let mut dir = dir.to_owned();
    loop {
        if names.iter().any(|n| paths.contains(&format!("{dir}{n}"))) {
            return true;
        }
        if !upwards || dir.is_empty() {
            return false;
        }
        dir.pop();
        dir.truncate(dir.rfind('/').map_or(0, |i| i + 1));
    }
}

static TOML_BIN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^\s*\[\[bin\]\]").unwrap());
static POETRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*\[tool\.poetry[\].]").unwrap());
static GO_REQUIRE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^\s*require\b").unwrap());

fn check_lockfiles(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let repo = ctx.repo;
    let paths: HashSet<String> = repo.files().iter().map(|f| f.path_str()).collect();
    for f in repo.files() {
        let path = f.path_str();
        if path.starts_with(".paved/") {
            continue;
        }
        let Some(text) = &f.text else { continue };
        let dir = dir_of(&path);
        let missing: Option<&str> = match f.file_name() {
            "Cargo.toml" => {
                let binary =
                    TOML_BIN.is_match(text) || paths.contains(&format!("{dir}src/main.rs"));
                (binary && !lockfile_near(&paths, dir, &["Cargo.lock"], true))
                    .then_some("Cargo.lock (this crate builds a binary)")
            }
            "package.json" => {
                let has_deps = text.contains("\"dependencies\"")
                    || text.contains("\"devDependencies\"")
                    || text.contains("\"optionalDependencies\"");
                let locks = [
                    "package-lock.json",
                    "npm-shrinkwrap.json",
                    "yarn.lock",
                    "pnpm-lock.yaml",
                    "bun.lock",
                    "bun.lockb",
                ];
                (has_deps && !lockfile_near(&paths, dir, &locks, true))
                    .then_some("package-lock.json, yarn.lock or pnpm-lock.yaml")
            }
            "pyproject.toml" => (POETRY.is_match(text)
                && !lockfile_near(&paths, dir, &["poetry.lock"], false))
            .then_some("poetry.lock"),
            "Pipfile" => {
                (!lockfile_near(&paths, dir, &["Pipfile.lock"], false)).then_some("Pipfile.lock")
            }
            "go.mod" => (GO_REQUIRE.is_match(text)
                && !lockfile_near(&paths, dir, &["go.sum"], false))
            .then_some("go.sum"),
            _ => None,
        };
        if let Some(lock) = missing {
            // Reported on the lockfile that should be there (its first alternative),
            // which is the file a reviewer will look for in the change that removed it.
            let expected = lock.split([' ', ',']).next().unwrap_or(lock);
            out.emit(
                Path::new(&format!("{dir}{expected}")),
                None,
                format!("no {lock} committed beside {path}"),
            );
        }
    }
}

// ---------------------------------------------------------------- .gitignore

pub(super) const GITIGNORE_WEAK: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-009",
        title: ".gitignore does not exclude environment files and private keys",
        domain: Domain::Repository,
        severity: Severity::Low,
        rationale: "A local .env file, a private key or Terraform state is one `git add .` away \
                    from being committed; once pushed, the secret is in the history of every clone.",
        remediation: "Add `.env`, `.env.*` (with `!.env.example`), `*.pem` and `*.key` to the root \
                      .gitignore, and `*.tfstate*` and `.terraform/` when the repository has Terraform.",
        references: &[],
    },
    check: check_gitignore,
};

fn check_gitignore(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let path = Path::new(".gitignore");
    let Some(file) = ctx.repo.file(".gitignore") else {
        out.emit(path, None, "no .gitignore at the repository root");
        return;
    };
    let Some(text) = &file.text else {
        out.emit(path, None, ".gitignore is not readable text");
        return;
    };
    let mut builder = ignore::gitignore::GitignoreBuilder::new("");
    for line in text.lines() {
        // A line the matcher cannot read is ignored by git too.
        let _ = builder.add_line(None, line);
    }
    let Ok(matcher) = builder.build() else {
        out.emit(
            path,
            None,
            ".gitignore could not be read as ignore patterns",
        );
        return;
    };
    let mut wanted: Vec<(&str, bool, &str)> = vec![
        (".env", false, ".env"),
        ("server.pem", false, "*.pem"),
        ("server.key", false, "*.key"),
    ];
    if ctx
        .repo
        .any_file(|f| f.file_name().to_ascii_lowercase().ends_with(".tf"))
    {
        wanted.push(("terraform.tfstate", false, "*.tfstate"));
        wanted.push((".terraform", true, ".terraform/"));
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(probe, is_dir, _)| {
            !matcher
                .matched_path_or_any_parents(probe, *is_dir)
                .is_ignore()
        })
        .map(|(_, _, shown)| *shown)
        .collect();
    if !missing.is_empty() {
        out.emit(
            path,
            None,
            format!(".gitignore does not ignore {}", missing.join(", ")),
        );
    }
}

// ---------------------------------------------------------------- committed .env

pub(super) const ENV_FILE_COMMITTED: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-REPO-010",
        title: "Environment file committed",
        domain: Domain::Repository,
        severity: Severity::High,
        rationale: ".env files hold local credentials and connection strings; committed, they \
                    are readable by everyone with access to the repository and its history, \
                    and are easily copied into container images.",
        remediation: "Remove the file from the repository (and rotate what it contained, since \
                      history keeps it), add `.env*` to .gitignore, and commit a \
                      `.env.example` with placeholder values instead.",
        references: &["gitleaks:generic-api-key"],
    },
    check: check_env_files,
};

fn check_env_files(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for f in ctx.repo.files() {
        if is_env_file(f.file_name()) && !f.path_str().starts_with(".paved/") {
            out.emit(
                &f.path,
                None,
                "environment file committed; keep only a .env.example with placeholders",
            );
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::guardrails::{check_all, Hit, Params};

    /// A clean repository: every hygiene file present and complete.
    pub(crate) fn golden_files() -> Vec<(&'static str, &'static str)> {
        vec![
            (
                "SECURITY.md",
                "# Security\n\nReport vulnerabilities to security@acme.example.\n",
            ),
            (".github/CODEOWNERS", "# owners\n* @acme/team\n/deploy/ @acme/platform\n"),
            (
                ".github/dependabot.yml",
                "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule: {interval: weekly}\n  - package-ecosystem: \"github-actions\"\n    directory: /\n  - package-ecosystem: docker\n    directory: /\n  - package-ecosystem: terraform\n    directory: /deploy/terraform\n",
            ),
            ("Cargo.toml", "[package]\nname = \"svc\"\n"),
            ("Cargo.lock", "version = 4\n"),
            ("src/main.rs", "fn main() {}\n"),
            (".github/workflows/ci.yml", "on: push\n"),
            ("Dockerfile", "FROM scratch\n"),
            ("deploy/terraform/main.tf", "terraform {}\n"),
            (
                ".gitignore",
                "/target\n.env*\n!.env.example\n*.pem\n*.key\n*.tfstate*\n.terraform/\n",
            ),
            (".env.example", "DATABASE_URL=postgres://localhost/app\n"),
        ]
    }

    fn run(rule: &Rule, files: &[(&str, &str)]) -> Vec<Hit> {
        let model = RepoModel::from_memory(files);
        check_all(&model, &Params::default(), [rule])
    }

    /// The golden files with `path` replaced (or removed when `text` is None).
    fn golden_with(path: &str, text: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
        let mut files: Vec<_> = golden_files()
            .into_iter()
            .filter(|(p, _)| *p != path)
            .collect();
        if let Some(text) = text {
            files.push((Box::leak(path.to_owned().into_boxed_str()), text));
        }
        files
    }

    #[test]
    fn security_policy_missing() {
        assert!(run(&SECURITY_POLICY_MISSING, &golden_files()).is_empty());
        let hits = run(&SECURITY_POLICY_MISSING, &golden_with("SECURITY.md", None));
        assert_eq!(hits.len(), 1);
        let mut files = golden_with("SECURITY.md", None);
        files.push(("docs/security.md", "mail security@acme.io"));
        assert!(run(&SECURITY_POLICY_MISSING, &files).is_empty());
        // A security policy in a random sub-directory does not count.
        let mut files = golden_with("SECURITY.md", None);
        files.push(("src/SECURITY.md", "mail security@acme.io"));
        assert_eq!(run(&SECURITY_POLICY_MISSING, &files).len(), 1);
    }

    #[test]
    fn security_policy_contact() {
        assert!(run(&SECURITY_POLICY_NO_CONTACT, &golden_files()).is_empty());
        let files = golden_with("SECURITY.md", Some("# Security\nPlease tell us.\n"));
        let hits = run(&SECURITY_POLICY_NO_CONTACT, &files);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].file, Path::new("SECURITY.md"));
        for ok in [
            "Use https://github.com/acme/svc/security/advisories/new",
            "See https://acme.io/security",
            "Mail <sec@acme.io>",
        ] {
            let files = golden_with("SECURITY.md", Some(ok));
            assert!(run(&SECURITY_POLICY_NO_CONTACT, &files).is_empty(), "{ok}");
        }
        // No policy at all is PVD-REPO-001's business, not this rule's.
        assert!(run(
            &SECURITY_POLICY_NO_CONTACT,
            &golden_with("SECURITY.md", None)
        )
        .is_empty());
    }

    #[test]
    fn codeowners_missing() {
        assert!(run(&CODEOWNERS_MISSING, &golden_files()).is_empty());
        assert_eq!(
            run(
                &CODEOWNERS_MISSING,
                &golden_with(".github/CODEOWNERS", None)
            )
            .len(),
            1
        );
        let mut files = golden_with(".github/CODEOWNERS", None);
        files.push(("docs/CODEOWNERS", "* @acme\n"));
        assert!(run(&CODEOWNERS_MISSING, &files).is_empty());
    }

    #[test]
    fn codeowners_catch_all() {
        assert!(run(&CODEOWNERS_NO_CATCH_ALL, &golden_files()).is_empty());
        for text in [
            "/src/ @acme/team\n",
            "*\n",
            "# * @acme/team\n",
            "* # @acme/team\n",
        ] {
            let files = golden_with(".github/CODEOWNERS", Some(text));
            assert_eq!(run(&CODEOWNERS_NO_CATCH_ALL, &files).len(), 1, "{text:?}");
        }
        let files = golden_with(".github/CODEOWNERS", Some("**  sec@acme.io # all\n"));
        assert!(run(&CODEOWNERS_NO_CATCH_ALL, &files).is_empty());
    }

    #[test]
    fn codeowners_syntax() {
        assert!(run(&CODEOWNERS_SYNTAX, &golden_files()).is_empty());
        let text = "* @acme/team\n/docs/ acme-team\n!/secret/ @a\n*.[ch] @c\n/a\\ b/ @ok @bad!\n/empty/\n[Section]\n";
        let files = golden_with(".github/CODEOWNERS", Some(text));
        let hits = run(&CODEOWNERS_SYNTAX, &files);
        let lines: Vec<_> = hits.iter().map(|h| h.line).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(4), Some(5)], "{hits:#?}");
        assert!(hits[3].message.contains("`@bad!`"));
    }

    #[test]
    fn dependency_updates() {
        assert!(run(&DEPENDENCY_UPDATES_MISSING, &golden_files()).is_empty());
        let files = golden_with(".github/dependabot.yml", None);
        assert_eq!(run(&DEPENDENCY_UPDATES_MISSING, &files).len(), 1);
        for renovate in [
            "renovate.json",
            ".renovaterc.json",
            ".github/renovate.json5",
            ".gitlab/renovate.json",
        ] {
            let mut files = golden_with(".github/dependabot.yml", None);
            files.push((renovate, "{}"));
            assert!(
                run(&DEPENDENCY_UPDATES_MISSING, &files).is_empty(),
                "{renovate}"
            );
        }
        let mut files = golden_with(".github/dependabot.yml", None);
        files.push(("src/renovate.json", "{}"));
        assert_eq!(run(&DEPENDENCY_UPDATES_MISSING, &files).len(), 1);
    }

    #[test]
    fn dependabot_ecosystems_covered() {
        assert!(run(&DEPENDABOT_ECOSYSTEM_UNCOVERED, &golden_files()).is_empty());
        let text = "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n  # - package-ecosystem: docker\n";
        let mut files = golden_with(".github/dependabot.yml", Some(text));
        files.push(("web/package.json", "{}"));
        files.push(("requirements-dev.txt", "ruff\n"));
        let hits = run(&DEPENDABOT_ECOSYSTEM_UNCOVERED, &files);
        let msgs: Vec<_> = hits.iter().map(|h| h.message.as_str()).collect();
        assert_eq!(hits.len(), 5, "{msgs:#?}");
        for eco in ["github-actions", "docker", "terraform", "npm", "pip"] {
            assert!(
                msgs.iter()
                    .any(|m| m.contains(&format!("ecosystem: {eco}`"))),
                "{eco}: {msgs:#?}"
            );
        }
        let files = golden_with(
            ".github/dependabot.yml",
            Some("version: 2\nupdates:\n  - [\n"),
        );
        let hits = run(&DEPENDABOT_ECOSYSTEM_UNCOVERED, &files);
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("not valid YAML"),
            "{}",
            hits[0].message
        );
        // No dependabot at all is PVD-REPO-006's business.
        let files = golden_with(".github/dependabot.yml", None);
        assert!(run(&DEPENDABOT_ECOSYSTEM_UNCOVERED, &files).is_empty());
    }

    #[test]
    fn dependabot_reader() {
        let text = "version: 2\nx: &d {package-ecosystem: npm}\nupdates:\n  - {package-ecosystem: \"cargo\", directory: /}\n  - package-ecosystem: Docker\n    registries: [a, {package-ecosystem: pip}]\n    allow:\n      - dependency-name: package-ecosystem\n  - *d\n  - directory: /\n    package-ecosystem: 'gomod'\nother:\n  - package-ecosystem: terraform\n";
        let got: Vec<_> = dependabot_ecosystems(text).unwrap().into_iter().collect();
        assert_eq!(got, ["cargo", "docker", "gomod"]);
        let err = dependabot_ecosystems("updates:\n  - a: [\n").unwrap_err();
        assert!(err.0.is_some(), "{err:?}");
        // Aliases are never expanded: a billion-laughs file is read in bounded time.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = if i == 1 { String::new() } else { (i - 1).to_string() }));
        }
        assert!(dependabot_ecosystems(&bomb).unwrap().is_empty());
        let deep = format!("updates: {}", "[".repeat(100_000));
        assert!(dependabot_ecosystems(&deep).is_err());
    }

    #[test]
    fn lockfiles() {
        assert!(run(&LOCKFILE_MISSING, &golden_files()).is_empty());
        assert_eq!(
            run(&LOCKFILE_MISSING, &golden_with("Cargo.lock", None)).len(),
            1
        );
        // A library crate without a binary needs no lockfile; a workspace member
        // uses the workspace root's.
        let files = [("Cargo.toml", "[package]\n"), ("src/lib.rs", "")];
        assert!(run(&LOCKFILE_MISSING, &files).is_empty());
        let files = [
            ("Cargo.toml", "[workspace]\n"),
            ("Cargo.lock", ""),
            ("crates/cli/Cargo.toml", "[[bin]]\nname = \"x\"\n"),
        ];
        assert!(run(&LOCKFILE_MISSING, &files).is_empty());
        let files = [
            ("web/package.json", "{\"dependencies\": {\"a\": \"1\"}}"),
            ("tools/package.json", "{\"name\": \"no-deps\"}"),
            ("py/pyproject.toml", "[tool.poetry]\nname = \"x\"\n"),
            ("other/pyproject.toml", "[project]\nname = \"x\"\n"),
            (
                "go.mod",
                "module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n)\n",
            ),
        ];
        let hits = run(&LOCKFILE_MISSING, &files);
        let paths: Vec<_> = hits
            .iter()
            .map(|h| h.file.to_string_lossy().into_owned())
            .collect();
        assert_eq!(paths, ["web/package-lock.json", "py/poetry.lock", "go.sum"]);
        let files = [
            ("web/package.json", "{\"dependencies\": {}}"),
            ("web/pnpm-lock.yaml", ""),
            ("go.mod", "module x\nrequire a v1\n"),
            ("go.sum", ""),
        ];
        assert!(run(&LOCKFILE_MISSING, &files).is_empty());
    }

    #[test]
    fn gitignore() {
        assert!(run(&GITIGNORE_WEAK, &golden_files()).is_empty());
        assert_eq!(
            run(&GITIGNORE_WEAK, &golden_with(".gitignore", None)).len(),
            1
        );
        let files = golden_with(".gitignore", Some("/target\n*.pem\n.env\n!.env\n"));
        let hits = run(&GITIGNORE_WEAK, &files);
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0]
                .message
                .contains(".env, *.key, *.tfstate, .terraform/"),
            "{}",
            hits[0].message
        );
        let files = [(".gitignore", "**/.env\nsecrets/\n*.pem\n*.key\n")];
        assert!(run(&GITIGNORE_WEAK, &files).is_empty());
    }

    #[test]
    fn env_files() {
        assert!(run(&ENV_FILE_COMMITTED, &golden_files()).is_empty());
        let files = [
            (".env", "A=1"),
            ("svc/.env.production", "A=1"),
            ("svc/.env.sample", "A=1"),
            (".env.template", "A=1"),
            ("env.rs", ""),
            (".envrc", ""),
        ];
        let hits = run(&ENV_FILE_COMMITTED, &files);
        let paths: Vec<_> = hits
            .iter()
            .map(|h| h.file.to_string_lossy().into_owned())
            .collect();
        assert_eq!(paths, [".env", "svc/.env.production"]);
    }
}
