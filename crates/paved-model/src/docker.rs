//! Dockerfiles as rules see them: each file with its stages, the stage that ships,
//! the commands of every `RUN` (split once, shared by every rule) and the
//! build contexts it is built with and the `.dockerignore` that applies to each.

mod context;

use std::path::Path;

use paved_parse::dockerfile::{Base, Dockerfile, Instruction, Stage};
use paved_parse::files::SourceFile;
use paved_parse::yaml::{Node, YamlKind};

use crate::shell::{self, Command};
use crate::{Location, Model, YamlPath};

/// Every Dockerfile of the repository.
#[derive(Debug)]
pub struct Docker<'m> {
    files: Vec<DockerfileView<'m>>,
    compose: Vec<ComposeService<'m>>,
}

/// One service of a docker compose file: how a container is run.
#[derive(Debug)]
pub struct ComposeService<'m> {
    pub path: &'m Path,
    pub name: &'m str,
    pub node: &'m Node,
}

impl<'m> ComposeService<'m> {
    /// The `security_opt` entries (`seccomp:unconfined`, `no-new-privileges:true`).
    pub fn security_opt(&self) -> &'m [Node] {
        self.node.get_or_empty("security_opt").items()
    }

    /// The key at `path` below the service (`security_opt[0]`).
    pub fn at(&self, path: &str) -> Location<'m> {
        Location::yaml(self.path, self.node, YamlPath(path))
    }

    /// The Dockerfile its `build:` builds, relative to the repository root
    /// (`dockerfile:` is relative to the context, `Dockerfile` by default); `None`
    /// for a service that only pulls an image.
    pub fn dockerfile(&self) -> Option<String> {
        let build = self.node.get("build")?;
        let (context, file) = match build.as_str() {
            Some(ctx) => (ctx, None),
            None => (
                build.str_at("context").unwrap_or("."),
                build.str_at("dockerfile"),
            ),
        };
        let path = self.path.to_string_lossy().replace('\\', "/");
        let ctx = crate::paths::join(crate::paths::dir_of(&path), context)?;
        crate::paths::join(&ctx, file.unwrap_or("Dockerfile"))
    }

    /// Whether it defines a health check of its own (`healthcheck:` with a `test`,
    /// not `disable: true`).
    pub fn has_healthcheck(&self) -> bool {
        self.node.get("healthcheck").is_some_and(|h| {
            h.get("test").is_some() && h.get("disable").and_then(Node::as_bool) != Some(true)
        })
    }

    /// Whether the compose file defines a development container (`.devcontainer/`):
    /// it runs on a developer's machine, started by the editor, not as a deployment.
    pub fn in_dev_container(&self) -> bool {
        let p = self.path.to_string_lossy().replace('\\', "/");
        p.starts_with(".devcontainer/") || p.contains("/.devcontainer/")
    }

    /// The value of the service's `key` (`privileged`, `network_mode`, `cap_add`).
    pub fn get(&self, key: &str) -> Option<&'m Node> {
        self.node.get(key)
    }

    /// The host paths the service bind-mounts, each with the index of its `volumes`
    /// entry: the source of the short form `SOURCE:TARGET[:MODE]` when it is a path
    /// (a named volume has no `/`), and `source` of a long-form `type: bind` entry.
    /// A leading `${VAR:-default}` is read as its default; `${VAR}` stays as written.
    pub fn bind_mounts(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, v) in self.node.get_or_empty("volumes").items().iter().enumerate() {
            let source = match v.as_str() {
                Some(short) => short_form_source(short),
                None if v.str_at("type") == Some("bind") => v.str_at("source").map(str::to_owned),
                None => None,
            };
            if let Some(source) = source.filter(|s| is_host_path(s)) {
                out.push((i, source));
            }
        }
        out
    }
}

/// The source of a short-form volume (`/var/run/docker.sock:/var/run/docker.sock:ro`,
/// `${SOCK:-/run/docker.sock}:/var/run/docker.sock`); `None` for an anonymous volume
/// (a target alone).
fn short_form_source(spec: &str) -> Option<String> {
    let spec = spec.trim();
    // A Windows named pipe holds no colon of its own; `\\.\pipe\x:\\.\pipe\x`.
    if spec.starts_with(r"\\") {
        return spec.split(':').next().map(str::to_owned);
    }
    let (source, rest) = if let Some(inner) = spec.strip_prefix("${") {
        let end = inner.find('}')?;
        let var = &inner[..end];
        let default = var
            .split_once(":-")
            .or_else(|| var.split_once('-'))
            .map(|(_, d)| d);
        let tail = &inner[end + 1..];
        let (more, rest) = tail.split_once(':')?;
        let head = default.map_or_else(|| format!("${{{var}}}"), str::to_owned);
        (format!("{head}{more}"), rest)
    } else {
        let (source, rest) = spec.split_once(':')?;
        (source.to_owned(), rest)
    };
    (!rest.is_empty()).then_some(source)
}

/// Where container runtimes listen: Docker, rootful Podman, containerd (and k3s's),
/// CRI-O and cri-dockerd.
const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/podman/podman.sock",
    "/run/podman/podman.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
];

/// The file names runtime sockets have wherever they live (rootless Docker and
/// Podman put theirs under `$XDG_RUNTIME_DIR`, Docker Desktop under `~/.docker/run`).
const RUNTIME_SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "podman.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
];

/// Whether a host path is a container runtime's socket (by its name, or Docker's
/// Windows pipe) or a directory above a known one (`/var/run`, `/run/containerd`):
/// whoever reaches the socket drives the runtime, so every container and the host.
/// `/` itself is the whole filesystem, a cause of its own, and answers `false`.
pub fn holds_runtime_socket(path: &str) -> bool {
    let p = path.trim().trim_end_matches('/');
    if p.is_empty() {
        return false;
    }
    let named = RUNTIME_SOCKET_NAMES
        .iter()
        .any(|n| p == *n || p.ends_with(&format!("/{n}")));
    named
        || p.to_ascii_lowercase().ends_with(r"\pipe\docker_engine")
        || RUNTIME_SOCKETS
            .iter()
            .any(|s| *s == p || s.starts_with(&format!("{p}/")))
}

/// Whether a volume source is a host path rather than a named volume.
fn is_host_path(source: &str) -> bool {
    source.starts_with(['/', '.', '~', '$', '\\']) || source.contains('/')
}

impl<'m> Docker<'m> {
    pub(crate) fn build(model: &'m Model) -> Docker<'m> {
        let stated = context::stated(model);
        let files = model
            .dockerfiles()
            .iter()
            .map(|df| DockerfileView::build(model, df, &stated))
            .collect();
        let compose = model
            .yaml()
            .iter()
            .filter(|y| y.kind == YamlKind::Compose)
            .flat_map(|y| {
                y.docs.iter().flat_map(move |doc| {
                    doc.get_or_empty("services")
                        .entries()
                        .map(move |(name, _, node)| ComposeService {
                            path: &y.path,
                            name,
                            node,
                        })
                })
            })
            .collect();
        Docker { files, compose }
    }

    pub fn files(&self) -> &[DockerfileView<'m>] {
        &self.files
    }

    /// Every service of every docker compose file.
    pub fn compose_services(&self) -> &[ComposeService<'m>] {
        &self.compose
    }
}

/// One Dockerfile.
#[derive(Debug)]
pub struct DockerfileView<'m> {
    pub file: &'m Dockerfile,
    runs: Vec<Run<'m>>,
    contexts: Vec<BuildContext<'m>>,
}

/// A build context a Dockerfile is built with, and the ignore file that applies.
#[derive(Debug)]
pub struct BuildContext<'m> {
    /// The directory sent to the builder, relative to the repository root (`""` is
    /// the root).
    pub dir: String,
    /// The file that states it (compose file, workflow, script); `None` when nothing
    /// does and the Dockerfile's own directory is assumed.
    pub stated_in: Option<String>,
    /// `<Dockerfile>.dockerignore` beside the Dockerfile, else the context's
    /// `.dockerignore`.
    pub dockerignore: Option<&'m SourceFile>,
}

impl BuildContext<'_> {
    /// How messages name the directory: `.` for the root, else `dir/`.
    pub fn display(&self) -> String {
        if self.dir.is_empty() {
            ".".to_owned()
        } else {
            format!("{}/", self.dir)
        }
    }
}

/// One `RUN` and its script split into commands.
#[derive(Debug)]
pub struct Run<'m> {
    pub ins: &'m Instruction,
    /// The shell script it executes (heredoc bodies included).
    pub script: String,
    /// Its pipelines; each is a list of commands joined by `|`.
    pub pipelines: Vec<Vec<Command>>,
}

impl Run<'_> {
    /// Every command of the script, pipelines flattened.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.pipelines.iter().flatten()
    }

    /// Whether the `RUN` mounts a cache whose flag mentions `target`.
    pub fn has_cache_mount(&self, target: &str) -> bool {
        self.ins.flags.iter().any(|f| {
            f.name == "mount"
                && f.value
                    .as_deref()
                    .is_some_and(|v| v.contains("type=cache") && v.contains(target))
        })
    }
}

impl<'m> DockerfileView<'m> {
    fn build(
        model: &'m Model,
        file: &'m Dockerfile,
        stated: &context::Contexts,
    ) -> DockerfileView<'m> {
        let runs = file
            .instructions
            .iter()
            .filter(|i| i.is("RUN"))
            .map(|ins| {
                let script = ins.script();
                let pipelines = shell::pipelines(&script);
                Run {
                    ins,
                    script,
                    pipelines,
                }
            })
            .collect();
        let df = file.path.to_string_lossy().replace('\\', "/");
        let own: Option<&SourceFile> = model.file(&format!("{df}.dockerignore"));
        let contexts = match stated.get(&df) {
            Some(list) => list
                .iter()
                .map(|(dir, by)| BuildContext {
                    dir: dir.clone(),
                    stated_in: Some(by.file.clone()),
                    dockerignore: own.or_else(|| model.file(&join_dir(dir, ".dockerignore"))),
                })
                .collect(),
            None => {
                let dir = context::dir_of(&df).to_owned();
                vec![BuildContext {
                    dockerignore: own.or_else(|| model.file(&join_dir(&dir, ".dockerignore"))),
                    dir,
                    stated_in: None,
                }]
            }
        };
        DockerfileView {
            file,
            runs,
            contexts,
        }
    }

    pub fn path(&self) -> &'m Path {
        &self.file.path
    }

    /// Every instruction, in order.
    pub fn instructions(&self) -> &'m [Instruction] {
        &self.file.instructions
    }

    /// Instructions with this keyword (upper case), in order.
    pub fn instructions_named<'s>(
        &'s self,
        keyword: &'s str,
    ) -> impl Iterator<Item = &'m Instruction> + 's {
        self.file.instructions.iter().filter(move |i| i.is(keyword))
    }

    pub fn stages(&self) -> &'m [Stage] {
        &self.file.stages
    }

    /// The stage that ships: the last one.
    pub fn final_stage(&self) -> Option<&'m Stage> {
        self.file.final_stage()
    }

    /// Instructions of one stage, `FROM` first.
    pub fn stage_instructions(&self, stage: &'m Stage) -> impl Iterator<Item = &'m Instruction> {
        self.file.stage_instructions(stage)
    }

    /// The stage and the stages it is built on, nearest first.
    pub fn lineage(&self, stage: &'m Stage) -> Vec<&'m Stage> {
        self.file.lineage(stage)
    }

    /// What the stage ultimately builds on.
    pub fn root_base(&self, stage: &'m Stage) -> &'m Base {
        self.file.root_base(stage)
    }

    /// Every `RUN` of every stage.
    pub fn runs(&self) -> &[Run<'m>] {
        &self.runs
    }

    /// The `RUN`s of one stage.
    pub fn stage_runs<'s>(&'s self, stage: &'s Stage) -> impl Iterator<Item = &'s Run<'m>> + 's {
        self.runs
            .iter()
            .filter(move |r| r.ins.stage == Some(stage.index))
    }

    /// The `RUN`s of the final stage and the stages it is built on: what ships.
    pub fn final_runs(&self) -> Vec<&Run<'m>> {
        let Some(last) = self.final_stage() else {
            return Vec::new();
        };
        let shipped: Vec<usize> = self.lineage(last).iter().map(|s| s.index).collect();
        // Stage order, nearest first, as the instructions of each stage in turn.
        shipped
            .iter()
            .flat_map(|i| self.runs.iter().filter(move |r| r.ins.stage == Some(*i)))
            .collect()
    }

    /// The last `USER` of the final stage, following the stages it is built on.
    pub fn effective_user(&self) -> Option<&'m Instruction> {
        let last = self.final_stage()?;
        self.lineage(last)
            .into_iter()
            .find_map(|s| self.stage_instructions(s).filter(|i| i.is("USER")).last())
    }

    /// The first `RUN` of what ships (the final stage and the stages it is built on)
    /// that writes a passwordless sudo grant for every command into the sudoers
    /// configuration, with the grant as written (see [`nopasswd_all_grant`]).
    pub fn passwordless_sudo(&self) -> Option<(&Run<'m>, String)> {
        self.final_runs()
            .into_iter()
            .find_map(|run| nopasswd_all_grant(&run.script).map(|g| (run, g)))
    }

    /// `COPY . .` (or `ADD`) of the whole build context in the final stage.
    pub fn whole_context_copy(&self) -> Option<&'m Instruction> {
        let last = self.final_stage()?;
        self.stage_instructions(last).find(|ins| {
            (ins.is("COPY") || ins.is("ADD"))
                && ins.flag("from").is_none()
                && copy_sources(ins)
                    .iter()
                    .any(|s| matches!(s.as_str(), "." | "./" | "*" | "./*"))
        })
    }

    /// The build contexts the repository builds this Dockerfile with (compose files,
    /// CI, scripts), or its own directory when none says; never empty.
    pub fn contexts(&self) -> &[BuildContext<'m>] {
        &self.contexts
    }

    /// Whether the final stage is an export stage rather than a runnable image:
    /// built on `scratch`, with no `ENTRYPOINT` or `CMD` (what `docker build
    /// --output` writes out as files).
    pub fn is_export_only(&self) -> bool {
        let Some(last) = self.final_stage() else {
            return false;
        };
        matches!(self.root_base(last), Base::Scratch)
            && !self.lineage(last).into_iter().any(|s| {
                self.stage_instructions(s)
                    .any(|i| i.is("ENTRYPOINT") || i.is("CMD"))
            })
    }

    /// Whether the file builds a development or build-tools image rather than one
    /// that is deployed: see [`is_tooling_dockerfile`].
    /// The file's name says so, or its final stage is built on a published
    /// development environment ([`is_development_base`]).
    pub fn is_tooling_image(&self) -> bool {
        is_tooling_dockerfile(&self.file.path)
            || self
                .final_stage()
                .is_some_and(|s| is_development_base(self.root_base(s)))
    }

    /// Where an instruction is.
    pub fn at(&self, ins: &Instruction) -> Location<'m> {
        Location::instruction(&self.file.path, ins)
    }

    /// Where a stage starts (its `FROM`).
    pub fn at_stage(&self, stage: &Stage) -> Location<'m> {
        Location::stage(&self.file.path, stage)
    }
}

/// Whether `path` is a Dockerfile for a development container or a build, CI, docs,
/// lint or test tool image, which runs on a developer's machine or a CI runner and is
/// never deployed: anything under `.devcontainer/`, and files that name that purpose
/// (`build.Dockerfile`, `Dockerfile.dev`, `docs.Dockerfile`, `Dockerfile.ci`,
/// `test.Containerfile`).
pub fn is_tooling_dockerfile(path: &std::path::Path) -> bool {
    let p = path
        .to_string_lossy()
        .replace('\\', "/")
        .to_ascii_lowercase();
    if p.starts_with(".devcontainer/") || p.contains("/.devcontainer/") {
        return true;
    }
    let name = p.rsplit('/').next().unwrap_or(&p);
    let purpose = ["dockerfile", "containerfile"].iter().find_map(|kind| {
        name.strip_suffix(&format!(".{kind}"))
            .or_else(|| name.strip_prefix(&format!("{kind}.")))
    });
    purpose.is_some_and(|purpose| {
        purpose.split(['.', '-', '_']).any(|w| {
            matches!(
                w,
                "build"
                    | "builder"
                    | "dev"
                    | "devel"
                    | "development"
                    | "devcontainer"
                    | "ci"
                    | "docs"
                    | "doc"
                    | "lint"
                    | "test"
                    | "tests"
            )
        })
    })
}

/// Whether a base image is published as a development environment rather than a
/// runtime: Dev Containers images (`mcr.microsoft.com/devcontainers/…`) and
/// repositories named for it (`photoprism/develop`, `…/devcontainer`, `…/devenv`).
pub fn is_development_base(base: &Base) -> bool {
    let Base::Image(r) = base else {
        return false;
    };
    let repo = r.repository.to_ascii_lowercase();
    let mut segments = repo.split('/');
    let name = repo.rsplit('/').next().unwrap_or("");
    segments.any(|s| matches!(s, "devcontainers" | "devcontainer"))
        || matches!(
            name,
            "develop" | "devcontainer" | "devenv" | "dev-env" | "dev-environment"
        )
}

/// Source paths of `COPY`/`ADD`: every word but the destination; none for heredoc
/// copies.
pub fn copy_sources(ins: &Instruction) -> Vec<String> {
    if !ins.heredocs.is_empty() {
        return Vec::new();
    }
    let mut words = ins.words();
    words.pop();
    words
}

/// The user part of `USER user[:group]`.
pub fn user_name(ins: &Instruction) -> String {
    let arg = ins.args.trim();
    arg.split(':').next().unwrap_or("").trim().to_owned()
}

/// `root`, `0`, `00` …
pub fn is_root_user(user: &str) -> bool {
    user == "root" || (!user.is_empty() && user.chars().all(|c| c == '0'))
}

/// A base image whose tag says `nonroot`, documented or not.
pub fn is_nonroot_tag(base: &Base) -> bool {
    match base {
        Base::Image(r) => r.tag.as_deref().is_some_and(|t| t.contains("nonroot")),
        _ => false,
    }
}

/// A base image whose publisher documents a non-root default user (UID 65532,
/// named `nonroot`): distroless `:nonroot` / `:debug-nonroot` tags (with an
/// optional architecture suffix), and Chainguard's `static` and `glibc-dynamic`
/// runtime images (their `-dev` variants run as root).
pub fn default_user_is_nonroot(base: &Base) -> bool {
    let Base::Image(r) = base else {
        return false;
    };
    let Some(tag) = r.tag.as_deref() else {
        return false;
    };
    if r.registry == "gcr.io" && r.repository.starts_with("distroless/") {
        let variant = ["nonroot", "debug-nonroot"].into_iter().find(|v| {
            tag == *v
                || tag
                    .strip_prefix(v)
                    .is_some_and(|rest| rest.starts_with('-'))
        });
        return match variant.and_then(|v| tag.strip_prefix(v)) {
            Some("") => true,
            Some(arch) => matches!(arch, "-amd64" | "-arm64" | "-arm" | "-s390x" | "-ppc64le"),
            None => false,
        };
    }
    r.registry == "cgr.dev"
        && matches!(
            r.repository.as_str(),
            "chainguard/static" | "chainguard/glibc-dynamic"
        )
        && !tag.ends_with("-dev")
}

/// A sudoers line that lets a user run every command as root without a password
/// (`coder ALL=(ALL) NOPASSWD:ALL`), written by a shell statement of `script` that
/// names `/etc/sudoers` or a file below `/etc/sudoers.d/` (`echo … >> …`, `tee`,
/// `sed -i`): the grant as written. A grant limited to some commands
/// (`NOPASSWD: /usr/bin/apt`) or to another target user (`(postgres)`) is not one.
pub fn nopasswd_all_grant(script: &str) -> Option<String> {
    let script = script.replace("\\\n", " ");
    script
        .split(['\n', ';'])
        .flat_map(|line| line.split("&&"))
        .flat_map(|stmt| stmt.split("||"))
        .filter(|stmt| stmt.contains("/etc/sudoers"))
        .find_map(grant_in_statement)
}

/// The `user host=(runas) NOPASSWD: ALL` words of one statement, if it holds one.
fn grant_in_statement(stmt: &str) -> Option<String> {
    let words: Vec<&str> = stmt
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let tag = words.iter().position(|w| w.starts_with("NOPASSWD"))?;
    // The command list follows `NOPASSWD:`, in the same word or the next ones.
    let rest = words[tag..].join(" ");
    let commands = rest["NOPASSWD".len()..].trim_start().strip_prefix(':')?;
    let first = commands.trim_start();
    let all = first
        .strip_prefix("ALL")
        .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
    if !all {
        return None;
    }
    // `host=(runas)` sits before the tag; the principal before that.
    let spec = words[..tag].iter().rposition(|w| w.contains('='))?;
    let runas = words[spec..tag].join(" ");
    if let Some((_, list)) = runas.split_once('(') {
        // `(users:groups)`: only the users decide whether it is root.
        let users = list.split([')', ':']).next().unwrap_or("");
        let to_root = users
            .split(',')
            .map(str::trim)
            .any(|u| matches!(u, "ALL" | "root" | "#0" | ""));
        if !to_root {
            return None;
        }
    }
    let start = spec.saturating_sub(1);
    let through = words[tag..]
        .iter()
        .position(|w| w.ends_with("ALL"))
        .map_or(tag, |i| tag + i);
    Some(words[start..=through].join(" "))
}

/// A `COPY`/`ADD` source that is fetched from the network.
pub fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("git@")
        || l.starts_with("ftp://")
}

/// A local tar archive, which `ADD` extracts.
pub fn is_archive(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

fn join_dir(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compose_services_and_their_security_options() {
        let model = Model::from_memory(&[
            (
                "deploy/docker-compose.prod.yml",
                "services:\n  api:\n    image: x\n    security_opt:\n      - seccomp:unconfined\n  db:\n    image: y\n",
            ),
            ("composer.yml", "services:\n  no:\n    image: z\n"),
        ]);
        let docker = Docker::build(&model);
        let names: Vec<&str> = docker.compose_services().iter().map(|s| s.name).collect();
        assert_eq!(names, ["api", "db"]);
        let api = &docker.compose_services()[0];
        assert_eq!(api.security_opt()[0].as_str(), Some("seccomp:unconfined"));
        assert_eq!(api.at("security_opt[0]").line, Some(5));
        assert!(docker.compose_services()[1].security_opt().is_empty());
    }

    #[test]
    fn compose_services_name_the_dockerfile_they_build() {
        let model = Model::from_memory(&[(
            "app/compose.yaml",
            "services:\n  backend:\n    build: {context: backend, target: builder}\n    healthcheck:\n      test: [CMD, wget, -q, http://localhost:8000/health]\n  proxy:\n    build: proxy\n    healthcheck: {disable: true}\n  web:\n    build: {context: ., dockerfile: web/Dockerfile.prod}\n  db:\n    image: mariadb\n",
        )]);
        let docker = Docker::build(&model);
        let got: Vec<(Option<String>, bool)> = docker
            .compose_services()
            .iter()
            .map(|s| (s.dockerfile(), s.has_healthcheck()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("app/backend/Dockerfile".into()), true),
                (Some("app/proxy/Dockerfile".into()), false),
                (Some("app/web/Dockerfile.prod".into()), false),
                (None, false),
            ]
        );
    }

    #[test]
    fn runtime_sockets_and_directories_above_them() {
        for p in [
            "/var/run/docker.sock",
            "/run/docker.sock/",
            "/var/run",
            "/run/containerd",
            "${XDG_RUNTIME_DIR}/podman/podman.sock",
            "/run/user/1000/docker.sock",
            "~/.docker/run/docker.sock",
            r"\\.\pipe\docker_engine",
        ] {
            assert!(holds_runtime_socket(p), "{p}");
        }
        for p in [
            "/",
            "/var/log",
            "/var/run/docker.sock.d",
            "./data",
            "/run/secrets",
            "docker.socks",
        ] {
            assert!(!holds_runtime_socket(p), "{p}");
        }
    }

    #[test]
    fn compose_bind_mounts_in_both_forms() {
        let model = Model::from_memory(&[(
            "compose.yaml",
            "services:\n  proxy:\n    image: x\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n      - data:/data\n      - /cache\n      - ./conf:/etc/app\n      - ${DOCKER_SOCK:-/run/user/1000/docker.sock}:/var/run/docker.sock\n      - type: bind\n        source: /run/podman/podman.sock\n        target: /var/run/docker.sock\n      - type: volume\n        source: logs\n        target: /logs\n      - \\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine\n",
        )]);
        let docker = Docker::build(&model);
        let mounts = docker.compose_services()[0].bind_mounts();
        assert_eq!(
            mounts,
            [
                (0, "/var/run/docker.sock".to_owned()),
                (3, "./conf".to_owned()),
                (4, "/run/user/1000/docker.sock".to_owned()),
                (5, "/run/podman/podman.sock".to_owned()),
                (7, r"\\.\pipe\docker_engine".to_owned()),
            ]
        );
    }

    #[test]
    fn passwordless_sudo_grants() {
        for (script, grant) in [
            (
                "adduser --gecos '' --disabled-password coder && \\\n  echo \"coder ALL=(ALL) NOPASSWD:ALL\" >> /etc/sudoers.d/nopasswd",
                "coder ALL=(ALL) NOPASSWD:ALL",
            ),
            (
                "echo '%sudo ALL=(ALL:ALL) NOPASSWD: ALL' | tee /etc/sudoers.d/sudo",
                "%sudo ALL=(ALL:ALL) NOPASSWD: ALL",
            ),
            ("echo 'dev ALL= NOPASSWD:ALL' > /etc/sudoers", "dev ALL= NOPASSWD:ALL"),
            ("echo \"app ALL=(root) NOPASSWD:ALL\" >> /etc/sudoers", "app ALL=(root) NOPASSWD:ALL"),
        ] {
            assert_eq!(nopasswd_all_grant(script).as_deref(), Some(grant), "{script}");
        }
        for script in [
            // limited to some commands
            "echo 'app ALL=(ALL) NOPASSWD: /usr/bin/apt-get' > /etc/sudoers.d/apt",
            "echo 'app ALL=(ALL) NOPASSWD: ALLOWED_CMDS' > /etc/sudoers.d/apt",
            // to another user, not root
            "echo 'app ALL=(postgres) NOPASSWD: ALL' > /etc/sudoers.d/pg",
            "echo 'app ALL=(postgres:ALL) NOPASSWD: ALL' > /etc/sudoers.d/pg",
            // a password is still asked
            "echo 'app ALL=(ALL) ALL' > /etc/sudoers.d/app",
            // not written to the sudoers configuration
            "echo 'app ALL=(ALL) NOPASSWD:ALL' > /tmp/notes && cat /etc/sudoers",
        ] {
            assert_eq!(nopasswd_all_grant(script), None, "{script}");
        }
    }

    #[test]
    fn tooling_dockerfiles_by_path() {
        use std::path::Path;
        for p in [
            "build.Dockerfile",
            "docs.Dockerfile",
            "Dockerfile.dev",
            "ci/Dockerfile.ci",
            ".devcontainer/Dockerfile",
            "tools/.devcontainer/Dockerfile",
            "test.Containerfile",
            "Dockerfile.build-env",
        ] {
            assert!(is_tooling_dockerfile(Path::new(p)), "{p}");
        }
        for p in [
            "Dockerfile",
            "docker/Dockerfile.alpine",
            "src/Dockerfile",
            "api.Dockerfile",
            "Dockerfile.prod",
            "builders/Dockerfile",
            "Containerfile",
        ] {
            assert!(!is_tooling_dockerfile(Path::new(p)), "{p}");
        }
    }

    use super::*;

    /// photoprism's root Dockerfile is its development environment (`FROM
    /// photoprism/develop:…`): a tooling image whatever its file name.
    #[test]
    fn tooling_images_by_base() {
        let image = |from: &str| {
            let text = format!("FROM {from}\nWORKDIR /src\nCOPY . .\n");
            let model = Model::from_memory(&[("Dockerfile", text.as_str())]);
            Docker::build(&model).files()[0].is_tooling_image()
        };
        for from in [
            "photoprism/develop:251018-questing",
            "mcr.microsoft.com/devcontainers/base:ubuntu",
            "mcr.microsoft.com/vscode/devcontainers/go:1",
            "ghcr.io/acme/devenv:2",
        ] {
            assert!(image(from), "{from}");
        }
        for from in [
            "debian:12",
            "golang:1.22",
            "acme/developer-portal:1",
            "node:20-dev",
        ] {
            assert!(!image(from), "{from}");
        }
    }

    #[test]
    fn runs_are_split_once_and_grouped_by_stage() {
        let model = Model::from_memory(&[
            (
                "app/Dockerfile",
                "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y curl\nFROM build\nRUN curl -fsSL x | sh\nUSER 1000\n",
            ),
            ("app/.dockerignore", ".git\n"),
        ]);
        let docker = Docker::build(&model);
        let df = &docker.files()[0];
        assert_eq!(df.runs().len(), 2);
        assert_eq!(df.runs()[0].commands().count(), 2);
        assert_eq!(df.runs()[1].pipelines[0].len(), 2);
        // The final stage is built on the first, so both RUNs ship, nearest first.
        let shipped: Vec<u32> = df.final_runs().iter().map(|r| r.ins.line).collect();
        assert_eq!(shipped, [4, 2]);
        assert_eq!(df.effective_user().map(|u| u.line), Some(5));
        let ctx = &df.contexts()[0];
        assert_eq!((ctx.dir.as_str(), ctx.stated_in.as_deref()), ("app", None));
        assert_eq!(
            ctx.dockerignore.map(|f| f.path_str()).as_deref(),
            Some("app/.dockerignore")
        );
        assert!(!df.is_export_only());
    }

    #[test]
    fn the_stated_context_decides_the_dockerignore() {
        let model = Model::from_memory(&[
            (
                "docker/api/Dockerfile",
                "FROM scratch\nCOPY --from=x /a /a\n",
            ),
            ("docker/web/Dockerfile", "FROM scratch\nCMD [\"/a\"]\n"),
            ("docker/web/Dockerfile.dockerignore", ".git\n"),
            ("docker/api/.dockerignore", ".git\n"),
            (
                "compose.yaml",
                "services:\n  api:\n    build: {context: ., dockerfile: docker/api/Dockerfile}\n",
            ),
            (".dockerignore", ".git\n"),
        ]);
        let docker = Docker::build(&model);
        let api = &docker.files()[0];
        let ctx = &api.contexts()[0];
        assert_eq!(
            (ctx.display(), ctx.stated_in.as_deref()),
            (".".into(), Some("compose.yaml"))
        );
        assert_eq!(
            ctx.dockerignore.map(|f| f.path_str()).as_deref(),
            Some(".dockerignore")
        );
        assert!(api.is_export_only());
        let web = &docker.files()[1];
        assert_eq!(
            web.contexts()[0]
                .dockerignore
                .map(|f| f.path_str())
                .as_deref(),
            Some("docker/web/Dockerfile.dockerignore")
        );
        assert!(!web.is_export_only());
    }

    #[test]
    fn documented_nonroot_images() {
        use paved_parse::dockerfile::ImageRef;
        let nonroot = |s: &str| default_user_is_nonroot(&Base::Image(ImageRef::parse(s)));
        assert!(nonroot("gcr.io/distroless/static-debian12:nonroot"));
        assert!(nonroot("gcr.io/distroless/base:debug-nonroot"));
        assert!(nonroot("gcr.io/distroless/cc-debian12:nonroot-arm64"));
        assert!(nonroot("gcr.io/distroless/static:nonroot@sha256:abc"));
        assert!(nonroot("cgr.dev/chainguard/static:latest"));
        assert!(!nonroot("cgr.dev/chainguard/static:latest-dev"));
        assert!(!nonroot("cgr.dev/chainguard/go:latest"));
        assert!(!nonroot("gcr.io/distroless/static-debian12"));
        assert!(!nonroot("gcr.io/distroless/static-debian12:latest"));
        assert!(!nonroot("example.com/team/app:nonroot"));
        assert!(!nonroot("gcr.io/distroless/static:nonrootish"));
    }
}
