//! Dockerfile rules (`PVD-DOCKER-NNN`): who the container runs as, where its base
//! image comes from, what the build leaves in the image, and what it trusts.
//!
//! Decisions worth knowing:
//! - Only the final stage ships, so rules about the running container (user,
//!   healthcheck, package caches, whole-context copies) look at the final stage and
//!   the stages it is built on; rules about what the build trusts (base images, piped
//!   scripts, disabled TLS or signature checks, secrets) look at every stage.
//! - A base image whose tag says `nonroot` (distroless, chainguard) still needs an
//!   explicit `USER`: the tag is the publisher's convention, and a re-tag or a switch
//!   of base image silently brings root back. The message says so.
//! - `HEALTHCHECK` is required even on `scratch` and distroless final stages: the
//!   exec form can run the service binary itself (`["/app", "--healthcheck"]`), so no
//!   shell is needed. `HEALTHCHECK NONE` counts as missing.
//! - Anything that depends on a build argument without a default is unknown and
//!   never a finding by itself.
//! - Parameters: `allowed_registries` (list; default empty = rule 005 off). An entry
//!   is a registry host (`gcr.io`) or a path prefix (`docker.io/library`,
//!   `registry.example.com/base`); images without a registry are `docker.io/…`.

mod shell;

use std::path::Path;

use regex::Regex;
use std::sync::LazyLock;

use crate::guardrails::{CheckCtx, Domain, Emitter, Rule, RuleMeta, Severity};
use crate::parse::dockerfile::{Base, Dockerfile, Instruction, Stage};

use shell::{commands, has_word, is_apt, is_pip_install, pipelines, program, program_name};

const fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    rationale: &'static str,
    remediation: &'static str,
    references: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        domain: Domain::Dockerfile,
        severity,
        rationale,
        remediation,
        references,
    }
}

pub static RULES: &[Rule] = &[
    Rule {
        meta: meta(
            "PVD-DOCKER-001",
            "Container runs as root",
            Severity::High,
            "Without a non-root USER in the final stage the process runs as UID 0: a code-execution bug in the service becomes root in the container, one kernel or runtime flaw away from the host.",
            "Add `USER 65532:65532` (or another unprivileged numeric UID:GID) at the end of the final stage, even on a `:nonroot` base image, so the Dockerfile itself guarantees it.",
            &["hadolint:DL3002", "checkov:CKV_DOCKER_3", "checkov:CKV_DOCKER_8", "trivy:DS-0002", "cis-docker:4.1"],
        ),
        check: check_root_user,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-002",
            "Container user is a name rather than a numeric UID",
            Severity::Low,
            "Kubernetes `runAsNonRoot` can only verify a numeric UID; a named user is resolved from the image's /etc/passwd at run time and may map to UID 0.",
            "Use a numeric `USER uid:gid` such as `USER 65532:65532`.",
            &["checkov:CKV_K8S_40", "kube-linter:run-as-non-root"],
        ),
        check: check_named_user,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-003",
            "Base image not pinned by digest",
            Severity::Medium,
            "A tag can be moved to different content at any time; without a digest the same Dockerfile builds from whatever the registry serves that day, including a compromised image.",
            "Pin every `FROM` to `image:tag@sha256:…` and let Dependabot or Renovate update the digest.",
            &["scorecard:Pinned-Dependencies", "hadolint:DL3006"],
        ),
        check: check_digest,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-004",
            "Base image uses the latest tag or no tag",
            Severity::Medium,
            "`latest` (explicit or implied) changes under the build without review, so builds are neither reproducible nor auditable.",
            "Name an explicit version tag, ideally with a digest: `FROM debian:12.7-slim@sha256:…`.",
            &["hadolint:DL3006", "hadolint:DL3007", "checkov:CKV_DOCKER_7", "trivy:DS-0001"],
        ),
        check: check_latest,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-005",
            "Base image from a registry outside the allowed list",
            Severity::Medium,
            "Images from unvetted registries bypass the organisation's supply-chain controls (mirroring, scanning, signing).",
            "Pull base images only from the registries in the `allowed_registries` parameter, mirroring others there first.",
            &["hadolint:DL3026"],
        ),
        check: check_registry,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-006",
            "Secret in ENV or ARG",
            Severity::Critical,
            "ENV values and build arguments are stored in the image configuration and history: anyone who can pull the image can read them.",
            "Pass secrets at run time (mounted files, a secret manager) or at build time with `RUN --mount=type=secret`; rotate the exposed value.",
            &["hadolint:DL3064", "trivy:DS-0031", "cis-docker:4.10"],
        ),
        check: check_secret_env,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-007",
            "ADD fetches a remote URL",
            Severity::Medium,
            "Remote ADD downloads without checksum or signature verification, so whoever controls the URL (or the network path) controls what lands in the image.",
            "Download with `curl --fail` and verify a checksum in a `RUN`, or use `ADD --checksum=sha256:…`.",
            &["hadolint:DL3020", "checkov:CKV_DOCKER_4", "trivy:DS-0005", "cis-docker:4.9"],
        ),
        check: check_remote_add,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-008",
            "ADD used where COPY suffices",
            Severity::Low,
            "ADD silently extracts archives and fetches URLs; for plain local files that magic only widens what a changed build context can do.",
            "Use `COPY` for local files; keep `ADD` for local tar archives that must be extracted.",
            &["hadolint:DL3020", "checkov:CKV_DOCKER_4", "cis-docker:4.9"],
        ),
        check: check_add_local,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-009",
            "Remote script piped into a shell",
            Severity::High,
            "`curl … | sh` runs whatever the server returns at build time, unverified; a compromised or spoofed host owns the image.",
            "Download to a file, verify its checksum or signature, then run it; better, install from a signed package.",
            &["cis-docker:4.11"],
        ),
        check: check_pipe_to_shell,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-010",
            "apt-get install without --no-install-recommends",
            Severity::Low,
            "Recommended packages add software nobody asked for, and with it attack surface and vulnerabilities to patch.",
            "Add `--no-install-recommends` to every `apt-get install`.",
            &["hadolint:DL3015"],
        ),
        check: check_apt_recommends,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-011",
            "apt package lists left in the final image",
            Severity::Low,
            "Package lists bloat the shipped image and carry a stale view of the archive; scanners and attackers alike read them.",
            "End the same `RUN` with `rm -rf /var/lib/apt/lists/*`, or use a cache mount for /var/lib/apt.",
            &["hadolint:DL3009"],
        ),
        check: check_apt_lists,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-012",
            "Distribution upgrade during the image build",
            Severity::Low,
            "`apt-get upgrade` / `dist-upgrade` pulls whatever changed that day into the image, making builds unreproducible and hiding base-image drift.",
            "Rebuild on an updated, digest-pinned base image instead of upgrading inside the build.",
            &["hadolint:DL3005", "cis-docker:4.7"],
        ),
        check: check_upgrade,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-013",
            "apk add without --no-cache",
            Severity::Low,
            "The apk index cache stays in the image layer: wasted space and stale package metadata in production.",
            "Use `apk add --no-cache …`.",
            &["hadolint:DL3019"],
        ),
        check: check_apk_cache,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-014",
            "pip install without --no-cache-dir",
            Severity::Low,
            "pip's download cache stays in the image layer, adding size and unreviewed files.",
            "Use `pip install --no-cache-dir …`, set `PIP_NO_CACHE_DIR=1`, or use a cache mount.",
            &["hadolint:DL3042"],
        ),
        check: check_pip_cache,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-015",
            "sudo or chpasswd in the image build",
            Severity::Medium,
            "Build steps already run as the current USER; `sudo` in an image means a privilege-escalation path is installed and configured, and `chpasswd` bakes a password into a layer.",
            "Switch users with `USER` around the steps that need root; never set passwords in an image.",
            &["hadolint:DL3004", "checkov:CKV2_DOCKER_1", "checkov:CKV2_DOCKER_17", "trivy:DS-0010"],
        ),
        check: check_sudo,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-016",
            "Final stage has no HEALTHCHECK",
            Severity::Low,
            "Without a health check the runtime keeps routing to a hung or half-started container; failures go unnoticed until users report them.",
            "Add an exec-form check, e.g. `HEALTHCHECK CMD [\"/app\", \"--healthcheck\"]`; it works on scratch and distroless images too.",
            &["checkov:CKV_DOCKER_2", "trivy:DS-0026", "cis-docker:4.6"],
        ),
        check: check_healthcheck,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-017",
            "SSH port 22 exposed",
            Severity::Medium,
            "An SSH daemon in a container is a second, credential-based way in that bypasses the orchestrator's access control and audit.",
            "Remove `EXPOSE 22` and the SSH server; use `kubectl exec` or `docker exec` for debugging.",
            &["checkov:CKV_DOCKER_1", "trivy:DS-0004"],
        ),
        check: check_ssh_port,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-018",
            "Whole build context copied without a .dockerignore",
            Severity::Medium,
            "`COPY . .` with no .dockerignore ships everything in the checkout: .git history, .env files, keys and Terraform state end up in the image.",
            "Add a .dockerignore that excludes .git, .env*, *.pem, *.key and build output, or copy only the paths the image needs.",
            &["cis-docker:4.10"],
        ),
        check: check_copy_context,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-019",
            "World-writable permissions set in the image",
            Severity::Medium,
            "Files any user can write let a compromised low-privilege process replace binaries or configuration that others execute.",
            "Grant the least mode needed (e.g. `--chmod=0755` for executables, `0644` for files) and own files by the runtime UID.",
            &[],
        ),
        check: check_world_writable,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-020",
            "MAINTAINER is deprecated",
            Severity::Info,
            "MAINTAINER has been deprecated since Docker 1.13 and tools that read OCI labels ignore it, so ownership metadata is lost.",
            "Use `LABEL org.opencontainers.image.authors=\"team@example.com\"`.",
            &["hadolint:DL4000", "checkov:CKV_DOCKER_6"],
        ),
        check: check_maintainer,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-021",
            "TLS certificate verification disabled",
            Severity::High,
            "With certificate checks off, anyone on the network path can substitute the downloaded packages, scripts or sources.",
            "Remove `curl -k`, `wget --no-check-certificate`, `--trusted-host`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY` and similar; install the CA certificate you need instead.",
            &["checkov:CKV2_DOCKER_2", "checkov:CKV2_DOCKER_3", "checkov:CKV2_DOCKER_4", "checkov:CKV2_DOCKER_5", "checkov:CKV2_DOCKER_6", "checkov:CKV2_DOCKER_12"],
        ),
        check: check_tls_disabled,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-022",
            "Package signature verification disabled",
            Severity::High,
            "Installing unsigned or unauthenticated packages accepts anything a mirror or attacker serves.",
            "Remove `--allow-unauthenticated`, `--force-yes`, `--nogpgcheck`, `--allow-untrusted` and `gpgcheck=0`; import the repository's signing key instead.",
            &["checkov:CKV2_DOCKER_7", "checkov:CKV2_DOCKER_8", "checkov:CKV2_DOCKER_9", "checkov:CKV2_DOCKER_10", "checkov:CKV2_DOCKER_11"],
        ),
        check: check_signatures_disabled,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-023",
            "Key or credentials file copied into the image",
            Severity::High,
            "Private keys, .env files and credential files copied into a layer stay readable by anyone who pulls the image, even if a later step deletes them.",
            "Mount secrets at build time with `RUN --mount=type=secret` or at run time; keep such files out of the build context with .dockerignore.",
            &["trivy:DS-0031", "cis-docker:4.10"],
        ),
        check: check_copied_secret_files,
    },
    Rule {
        meta: meta(
            "PVD-DOCKER-024",
            ".dockerignore does not exclude .git or .env files",
            Severity::Medium,
            "When the whole context is copied, whatever .dockerignore lets through ships in the image: the .git directory carries history (and past secrets), .env files carry current ones.",
            "Add `.git` and `.env*` (and keys such as `*.pem`, `*.key`) to .dockerignore, or copy only the paths the image needs.",
            &["cis-docker:4.10"],
        ),
        check: check_dockerignore_content,
    },
];

// ---------------------------------------------------------------------------
// helpers

fn line(ins: &Instruction) -> Option<u32> {
    Some(ins.line)
}

/// The last `USER` of the final stage, following the stages it is built on.
fn effective_user<'a>(df: &'a Dockerfile, stage: &'a Stage) -> Option<&'a Instruction> {
    df.lineage(stage)
        .into_iter()
        .find_map(|s| df.stage_instructions(s).filter(|i| i.is("USER")).last())
}

fn user_part(ins: &Instruction) -> String {
    let arg = ins.args.trim();
    arg.split(':').next().unwrap_or("").trim().to_owned()
}

fn is_root_user(user: &str) -> bool {
    user == "root" || (!user.is_empty() && user.chars().all(|c| c == '0'))
}

fn base_is_nonroot(base: &Base) -> bool {
    match base {
        Base::Image(r) => r.tag.as_deref().is_some_and(|t| t.contains("nonroot")),
        _ => false,
    }
}

/// Every `RUN` of every stage.
fn runs(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    df.instructions.iter().filter(|i| i.is("RUN"))
}

/// `RUN`s of the final stage and the stages it is built on.
fn final_runs(df: &Dockerfile) -> Vec<&Instruction> {
    let Some(last) = df.final_stage() else {
        return Vec::new();
    };
    df.lineage(last)
        .into_iter()
        .flat_map(|s| df.stage_instructions(s))
        .filter(|i| i.is("RUN"))
        .collect()
}

fn has_cache_mount(ins: &Instruction, target: &str) -> bool {
    ins.flags.iter().any(|f| {
        f.name == "mount"
            && f.value
                .as_deref()
                .is_some_and(|v| v.contains("type=cache") && v.contains(target))
    })
}

/// Source paths of COPY/ADD (all words but the destination), skipping `--from` copies
/// when `local_only`.
fn copy_sources(ins: &Instruction) -> Vec<String> {
    if !ins.heredocs.is_empty() {
        return Vec::new();
    }
    let mut words = ins.words();
    words.pop();
    words
}

// ---------------------------------------------------------------------------
// checks

fn check_root_user(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        let Some(last) = df.final_stage() else {
            continue;
        };
        match effective_user(df, last) {
            Some(user) if is_root_user(&user_part(user)) => out.emit(
                &df.path,
                line(user),
                format!("final stage switches to `USER {}`", user.args.trim()),
            ),
            Some(_) => {}
            None if base_is_nonroot(df.root_base(last)) => out.emit(
                &df.path,
                Some(last.line),
                "final stage sets no USER and relies on the base image's `nonroot` tag; state the numeric user so a change of base image cannot bring root back",
            ),
            None => out.emit(
                &df.path,
                Some(last.line),
                "final stage sets no USER, so the container runs as root",
            ),
        }
    }
}

fn check_named_user(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        let Some(last) = df.final_stage() else {
            continue;
        };
        let Some(user) = effective_user(df, last) else {
            continue;
        };
        let name = user_part(user);
        if name.is_empty()
            || name.contains('$')
            || is_root_user(&name)
            || name.chars().all(|c| c.is_ascii_digit())
        {
            continue;
        }
        out.emit(
            &df.path,
            line(user),
            format!(
                "`USER {}` names a user; use a numeric UID",
                user.args.trim()
            ),
        );
    }
}

fn check_digest(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for stage in &df.stages {
            if let Base::Image(r) = &stage.base {
                if r.digest.is_none() {
                    out.emit(
                        &df.path,
                        Some(stage.line),
                        format!("`{}` is not pinned by @sha256 digest", r.raw),
                    );
                }
            }
        }
    }
}

fn check_latest(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for stage in &df.stages {
            let Base::Image(r) = &stage.base else {
                continue;
            };
            if r.digest.is_some() {
                continue;
            }
            match r.tag.as_deref() {
                None => out.emit(
                    &df.path,
                    Some(stage.line),
                    format!("`{}` has no tag and resolves to latest", r.raw),
                ),
                Some(t) if t.eq_ignore_ascii_case("latest") => out.emit(
                    &df.path,
                    Some(stage.line),
                    format!("`{}` uses the latest tag", r.raw),
                ),
                Some(_) => {}
            }
        }
    }
}

fn check_registry(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let allowed = ctx.params.strings("allowed_registries", &[]);
    if allowed.is_empty() {
        return;
    }
    for df in &ctx.repo.dockerfiles {
        for stage in &df.stages {
            let Base::Image(r) = &stage.base else {
                continue;
            };
            let name = r.name();
            let ok = allowed.iter().any(|a| {
                let a = a.trim_end_matches('/').to_ascii_lowercase();
                r.registry == a || name.to_ascii_lowercase().starts_with(&format!("{a}/"))
            });
            if !ok {
                out.emit(
                    &df.path,
                    Some(stage.line),
                    format!(
                        "`{}` comes from {}, which is not in allowed_registries ({})",
                        r.raw,
                        r.registry,
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
}

static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY)")
        .expect("static regex")
});
static SECRET_NAME_EXEMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(_FILE|_PATH|_DIR|_URL|_URI|_ENDPOINT|_NAME|_ID|_ARN|_HEADER|_LENGTH|_TTL|_EXPIRY)$",
    )
    .expect("static regex")
});
static SECRET_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(AKIA|ASIA)[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY")
        .expect("static regex")
});

fn check_secret_env(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in df
            .instructions
            .iter()
            .filter(|i| i.is("ENV") || i.is("ARG"))
        {
            for (key, value) in ins.key_values() {
                let Some(value) = value else { continue };
                let literal = !value.trim().is_empty() && !value.trim_start().starts_with('$');
                if SECRET_VALUE.is_match(&value) {
                    out.emit(
                        &df.path,
                        line(ins),
                        format!(
                            "{} `{key}` holds a value that looks like a credential",
                            ins.keyword
                        ),
                    );
                } else if literal
                    && SECRET_NAME.is_match(&key)
                    && !SECRET_NAME_EXEMPT.is_match(&key)
                {
                    out.emit(
                        &df.path,
                        line(ins),
                        format!("{} `{key}` sets a secret to a literal value", ins.keyword),
                    );
                }
            }
        }
    }
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("git@")
        || l.starts_with("ftp://")
}

fn is_archive(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

fn check_remote_add(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in df.instructions.iter().filter(|i| i.is("ADD")) {
            if ins.flag("checksum").is_some() {
                continue;
            }
            if let Some(url) = copy_sources(ins).into_iter().find(|s| is_url(s)) {
                out.emit(
                    &df.path,
                    line(ins),
                    format!("ADD downloads `{url}` without verification"),
                );
            }
        }
    }
}

fn check_add_local(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in df.instructions.iter().filter(|i| i.is("ADD")) {
            let sources = copy_sources(ins);
            if sources.is_empty() || sources.iter().any(|s| is_url(s) || is_archive(s)) {
                continue;
            }
            out.emit(&df.path, line(ins), "ADD copies local files; use COPY");
        }
    }
}

static SUBST_TO_SHELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(ba|z|da|k)?sh\s+(-[a-z]+\s+)*["']?(\$\(|<\(|`)\s*(curl|wget)\b"#)
        .expect("static regex")
});

/// A command that executes what it reads on stdin: a shell, or an interpreter
/// without an inline program (`python3 -c '…json…'` only reads data).
fn executes_stdin(c: &[String]) -> bool {
    let name = program_name(c);
    if matches!(
        name,
        "sh" | "bash" | "zsh" | "dash" | "ash" | "ksh" | "fish"
    ) {
        return true;
    }
    let interpreter =
        name.starts_with("python") || matches!(name, "perl" | "ruby" | "node" | "php");
    interpreter
        && !program(c)
            .iter()
            .skip(1)
            .any(|w| matches!(w.as_str(), "-c" | "-e" | "-m" | "-E" | "-r" | "--eval"))
}

fn check_pipe_to_shell(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in runs(df) {
            let script = ins.script();
            let piped = pipelines(&script).iter().any(|p| {
                p.iter()
                    .position(|c| matches!(program_name(c), "curl" | "wget"))
                    .is_some_and(|i| p[i + 1..].iter().any(|c| executes_stdin(c)))
            });
            if piped || SUBST_TO_SHELL.is_match(&script) {
                out.emit(
                    &df.path,
                    line(ins),
                    "a downloaded script is executed without verification",
                );
            }
        }
    }
}

fn check_apt_recommends(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in runs(df) {
            let bad = commands(&ins.script()).iter().any(|c| {
                is_apt(c, "install")
                    && !has_word(c, "--no-install-recommends")
                    && !c.iter().any(|w| {
                        w.contains("Install-Recommends=false") || w.contains("Install-Recommends=0")
                    })
            });
            if bad {
                out.emit(
                    &df.path,
                    line(ins),
                    "apt-get install without --no-install-recommends",
                );
            }
        }
    }
}

fn check_apt_lists(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in final_runs(df) {
            let script = ins.script();
            let cmds = commands(&script);
            if !cmds.iter().any(|c| is_apt(c, "install")) || has_cache_mount(ins, "/var/lib/apt") {
                continue;
            }
            let cleaned = cmds.iter().any(|c| {
                program_name(c) == "rm" && c.iter().any(|w| w.starts_with("/var/lib/apt/lists"))
            });
            if !cleaned {
                out.emit(
                    &df.path,
                    line(ins),
                    "apt-get install leaves /var/lib/apt/lists in the image",
                );
            }
        }
    }
}

fn check_upgrade(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in runs(df) {
            let cmds = commands(&ins.script());
            if let Some(sub) = ["upgrade", "dist-upgrade", "full-upgrade"]
                .into_iter()
                .find(|s| cmds.iter().any(|c| is_apt(c, s)))
            {
                out.emit(
                    &df.path,
                    line(ins),
                    format!("`apt-get {sub}` during the build"),
                );
            }
        }
    }
}

fn check_apk_cache(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in runs(df) {
            if has_cache_mount(ins, "/var/cache/apk") || has_cache_mount(ins, "/etc/apk/cache") {
                continue;
            }
            let cmds = commands(&ins.script());
            let cleaned = cmds.iter().any(|c| {
                program_name(c) == "rm" && c.iter().any(|w| w.starts_with("/var/cache/apk"))
            });
            let bad = cmds.iter().any(|c| {
                let p = program(c);
                program_name(c) == "apk"
                    && p.iter()
                        .skip(1)
                        .find(|w| !w.starts_with('-'))
                        .map(String::as_str)
                        == Some("add")
                    && !has_word(p, "--no-cache")
            });
            if bad && !cleaned {
                out.emit(&df.path, line(ins), "apk add without --no-cache");
            }
        }
    }
}

fn check_pip_cache(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for stage in &df.stages {
            let env_off = df.stage_instructions(stage).any(|i| {
                i.is("ENV") && i.key_values().iter().any(|(k, _)| k == "PIP_NO_CACHE_DIR")
            });
            if env_off {
                continue;
            }
            for ins in df.stage_instructions(stage).filter(|i| i.is("RUN")) {
                if has_cache_mount(ins, "pip") {
                    continue;
                }
                let bad = commands(&ins.script()).iter().any(|c| {
                    is_pip_install(c)
                        && !has_word(c, "--no-cache-dir")
                        && !c.iter().any(|w| w.contains("PIP_NO_CACHE_DIR"))
                });
                if bad {
                    out.emit(&df.path, line(ins), "pip install without --no-cache-dir");
                }
            }
        }
    }
}

fn check_sudo(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in runs(df) {
            let found = commands(&ins.script()).iter().find_map(|c| {
                let first = c.iter().find(|w| !shell::is_assignment(w))?;
                if first.rsplit('/').next() == Some("sudo") {
                    Some("sudo")
                } else if program_name(c) == "chpasswd" {
                    Some("chpasswd")
                } else {
                    None
                }
            });
            if let Some(tool) = found {
                out.emit(&df.path, line(ins), format!("`{tool}` used in the build"));
            }
        }
    }
}

fn check_healthcheck(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        let Some(last) = df.final_stage() else {
            continue;
        };
        let hc = df.lineage(last).into_iter().find_map(|s| {
            df.stage_instructions(s)
                .filter(|i| i.is("HEALTHCHECK"))
                .last()
        });
        match hc {
            Some(i) if i.args.trim().eq_ignore_ascii_case("none") => out.emit(
                &df.path,
                line(i),
                "HEALTHCHECK NONE disables the health check",
            ),
            Some(_) => {}
            None => out.emit(&df.path, Some(last.line), "final stage has no HEALTHCHECK"),
        }
    }
}

fn check_ssh_port(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in df.instructions.iter().filter(|i| i.is("EXPOSE")) {
            if ins
                .words()
                .iter()
                .any(|p| p == "22" || p.starts_with("22/"))
            {
                out.emit(&df.path, line(ins), "EXPOSE 22 publishes SSH");
            }
        }
    }
}

/// The .dockerignore that applies to a Dockerfile: `<Dockerfile>.dockerignore`, then
/// one beside it, then the repository root's.
fn dockerignore<'a>(ctx: &CheckCtx<'a>, df: &Path) -> Option<&'a crate::guardrails::SourceFile> {
    let df_str = df.to_string_lossy().replace('\\', "/");
    let dir = df
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let beside = if dir.is_empty() {
        ".dockerignore".to_owned()
    } else {
        format!("{dir}/.dockerignore")
    };
    [
        format!("{df_str}.dockerignore"),
        beside,
        ".dockerignore".to_owned(),
    ]
    .iter()
    .find_map(|p| ctx.repo.file(p))
}

/// `COPY . .` (or `ADD`) of the whole context in the final stage.
fn whole_context_copy(df: &Dockerfile) -> Option<&Instruction> {
    let last = df.final_stage()?;
    df.stage_instructions(last).find(|ins| {
        (ins.is("COPY") || ins.is("ADD"))
            && ins.flag("from").is_none()
            && copy_sources(ins)
                .iter()
                .any(|s| matches!(s.as_str(), "." | "./" | "*" | "./*"))
    })
}

fn check_copy_context(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        if dockerignore(ctx, &df.path).is_some() {
            continue;
        }
        if let Some(ins) = whole_context_copy(df) {
            out.emit(
                &df.path,
                line(ins),
                "the whole build context is copied and the repository has no .dockerignore",
            );
        }
    }
}

/// Whether .dockerignore `patterns` exclude `name` at the context root: an explicit
/// pattern, or an ignore-everything `*` / `**` that is not re-included.
fn ignores(patterns: &[&str], name: &str, globs: &[&str]) -> bool {
    let mut ignored = false;
    for p in patterns {
        let (negated, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, *p),
        };
        let p = p
            .trim_start_matches('/')
            .trim_start_matches("**/")
            .trim_end_matches('/');
        if p == "*" || p == "**" || p == name || globs.contains(&p) {
            ignored = !negated;
        }
    }
    ignored
}

fn check_dockerignore_content(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let mut seen = std::collections::BTreeSet::new();
    for df in &ctx.repo.dockerfiles {
        if whole_context_copy(df).is_none() {
            continue;
        }
        let Some(file) = dockerignore(ctx, &df.path) else {
            continue;
        };
        if !seen.insert(file.path_str()) {
            continue;
        }
        let text = file.text.as_deref().unwrap_or("");
        let patterns: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let mut missing = Vec::new();
        if !ignores(&patterns, ".git", &[".git*", ".*"]) {
            missing.push(".git");
        }
        if !ignores(&patterns, ".env", &[".env*", "*.env", ".*", "*.env*"]) {
            missing.push(".env*");
        }
        if !missing.is_empty() {
            out.emit(
                &file.path,
                None,
                format!(
                    "{} copies the whole context but .dockerignore does not exclude {}",
                    df.path.display(),
                    missing.join(" or ")
                ),
            );
        }
    }
}

fn world_writable_mode(mode: &str) -> bool {
    let m = mode.trim();
    if !m.is_empty() && m.len() <= 5 && m.chars().all(|c| ('0'..='7').contains(&c)) {
        return matches!(m.chars().last(), Some('2' | '3' | '6' | '7'));
    }
    m.split(',').any(|part| {
        let (who, perm) = match part.split_once(['+', '=']) {
            Some(x) => x,
            None => return false,
        };
        (who.contains('o') || who.contains('a')) && perm.contains('w')
    })
}

fn check_world_writable(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in &df.instructions {
            if ins.is("COPY") || ins.is("ADD") {
                if let Some(mode) = ins.flag("chmod").and_then(|f| f.value.as_deref()) {
                    if world_writable_mode(mode) {
                        out.emit(
                            &df.path,
                            line(ins),
                            format!("--chmod={mode} makes files world-writable"),
                        );
                    }
                }
            } else if ins.is("RUN") {
                let hit = commands(&ins.script()).into_iter().find_map(|c| {
                    let p = program(&c);
                    (program_name(&c) == "chmod")
                        .then(|| {
                            p.iter()
                                .skip(1)
                                .find(|w| !w.starts_with('-') || w.starts_with("-w"))
                                .cloned()
                        })
                        .flatten()
                        .filter(|m| world_writable_mode(m))
                });
                if let Some(mode) = hit {
                    out.emit(
                        &df.path,
                        line(ins),
                        format!("`chmod {mode}` makes files world-writable"),
                    );
                }
            }
        }
    }
}

fn check_maintainer(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in df.instructions.iter().filter(|i| i.is("MAINTAINER")) {
            out.emit(
                &df.path,
                line(ins),
                "MAINTAINER is deprecated; use an OCI authors label",
            );
        }
    }
}

/// What disables TLS verification, if anything, in one command.
fn tls_off(c: &[String]) -> Option<&'static str> {
    let p = program(c);
    let name = program_name(c);
    let words = p.iter().skip(1);
    match name {
        "curl" => {
            for w in words {
                if w == "--insecure"
                    || (w.starts_with('-') && !w.starts_with("--") && w[1..].contains('k'))
                {
                    return Some("curl --insecure");
                }
            }
            None
        }
        "wget" => has_word(p, "--no-check-certificate").then_some("wget --no-check-certificate"),
        "git" => (p
            .iter()
            .any(|w| w.eq_ignore_ascii_case("http.sslVerify=false"))
            || p.windows(2)
                .any(|w| w[0].eq_ignore_ascii_case("http.sslVerify") && w[1] == "false"))
        .then_some("git http.sslVerify false"),
        "npm" | "yarn" | "pnpm" => p
            .windows(2)
            .any(|w| w[0] == "strict-ssl" && w[1] == "false")
            .then_some("npm strict-ssl false"),
        n if n.starts_with("pip") || n.starts_with("python") => p
            .iter()
            .any(|w| w == "--trusted-host" || w.starts_with("--trusted-host="))
            .then_some("pip --trusted-host"),
        _ => None,
    }
}

fn tls_env(key: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    match key {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "PIP_TRUSTED_HOST" => !v.is_empty(),
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" => v == "false",
        _ => false,
    }
}

fn check_tls_disabled(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in &df.instructions {
            if ins.is("ENV") || ins.is("ARG") {
                for (k, v) in ins.key_values() {
                    if v.as_deref().is_some_and(|v| tls_env(&k, v)) {
                        out.emit(
                            &df.path,
                            line(ins),
                            format!("{} `{k}` disables TLS verification", ins.keyword),
                        );
                    }
                }
            } else if ins.is("RUN") {
                let cmds = commands(&ins.script());
                let found = cmds.iter().find_map(|c| {
                    tls_off(c).map(str::to_owned).or_else(|| {
                        c.iter().find_map(|w| {
                            let (k, v) = w.split_once('=')?;
                            tls_env(k, v).then(|| k.to_owned())
                        })
                    })
                });
                if let Some(what) = found {
                    out.emit(
                        &df.path,
                        line(ins),
                        format!("`{what}` disables TLS verification"),
                    );
                }
            }
        }
    }
}

fn check_signatures_disabled(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    const FLAGS: &[&str] = &[
        "--allow-unauthenticated",
        "--allow-insecure-repositories",
        "--force-yes",
        "--nogpgcheck",
        "--no-gpg-checks",
        "--allow-untrusted",
        "--nosignature",
        "--skip-broken-signature",
    ];
    for df in &ctx.repo.dockerfiles {
        for ins in runs(df) {
            let cmds = commands(&ins.script());
            let found = cmds.iter().flatten().find_map(|w| {
                FLAGS
                    .iter()
                    .find(|f| w == *f || w.starts_with(&format!("{f}=")))
                    .map(|f| (*f).to_owned())
                    .or_else(|| {
                        let l = w.to_ascii_lowercase().replace(' ', "");
                        (l.contains("gpgcheck=0")
                            || l.contains("allowunauthenticated\"true")
                            || l.contains("allowunauthenticated=true"))
                        .then(|| w.clone())
                    })
            });
            if let Some(what) = found {
                out.emit(
                    &df.path,
                    line(ins),
                    format!("`{what}` disables package signature checks"),
                );
            }
        }
    }
}

fn sensitive_file(path: &str) -> bool {
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    if name == ".env" {
        return true;
    }
    if let Some(suffix) = name.strip_prefix(".env.") {
        return !matches!(
            suffix,
            "example" | "sample" | "template" | "dist" | "defaults"
        );
    }
    matches!(
        name.as_str(),
        "id_rsa"
            | "id_dsa"
            | "id_ecdsa"
            | "id_ed25519"
            | ".netrc"
            | ".pypirc"
            | ".npmrc"
            | ".git-credentials"
            | "credentials"
            | ".ssh"
            | ".aws"
            | ".kube"
            | "terraform.tfstate"
    ) || [".key", ".p12", ".pfx", ".jks", ".keystore", ".tfstate"]
        .iter()
        .any(|e| name.ends_with(e))
        || (name.ends_with(".pem") && (name.contains("key") || name.contains("priv")))
}

fn check_copied_secret_files(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for df in &ctx.repo.dockerfiles {
        for ins in &df.instructions {
            if !(ins.is("COPY") || ins.is("ADD")) || ins.flag("from").is_some() {
                continue;
            }
            if let Some(src) = copy_sources(ins).into_iter().find(|s| sensitive_file(s)) {
                out.emit(
                    &df.path,
                    line(ins),
                    format!("`{src}` is copied into the image"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
