//! Which build context each Dockerfile is built with, as the repository states it:
//! `build:` of docker-compose services, `context`/`file` of GitHub's
//! `docker/build-push-action`, and `docker build [-f FILE] CONTEXT` in workflow
//! `run:` steps, GitLab CI scripts, shell scripts and Makefiles. A Dockerfile nobody
//! names is built from its own directory (what `docker build .` beside it does).
//!
//! Only stated, literal paths count: a context or file holding a variable
//! (`$DIR`, `${{ … }}`) or a URL is unknown and ignored, and a statement whose
//! Dockerfile is not in the repository names nothing. Commands are read, never run.

use std::collections::BTreeMap;

use paved_parse::yaml::{self, is_compose_name, Node, YamlKind};

pub(crate) use crate::paths::{dir_of, join};
use crate::shell;
use crate::Model;

/// Where a build context was stated.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stated {
    /// The file that states it (compose file, workflow, script).
    pub file: String,
}

/// Dockerfile path → the context directories it is built with (`""` is the
/// repository root), each with where it was stated.
pub(crate) type Contexts = BTreeMap<String, Vec<(String, Stated)>>;

/// Every stated (Dockerfile, context) pair of the repository.
pub(crate) fn stated(model: &Model) -> Contexts {
    let mut out = Contexts::new();
    let mut add = |dockerfile: Option<String>, context: Option<String>, file: &str| {
        let (Some(df), Some(ctx)) = (dockerfile, context) else {
            return;
        };
        if model.dockerfiles().iter().all(|d| path_str(&d.path) != df) {
            return;
        }
        let entry = out.entry(df).or_default();
        let item = (
            ctx,
            Stated {
                file: file.to_owned(),
            },
        );
        if !entry.contains(&item) {
            entry.push(item);
        }
    };
    for f in model.files() {
        let path = f.path_str();
        let Some(text) = f.text.as_deref() else {
            continue;
        };
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .to_ascii_lowercase();
        if is_compose_name(&name) {
            if let Ok(docs) = yaml::parse(text) {
                for doc in &docs {
                    for (df, ctx) in compose_builds(dir_of(&path), doc) {
                        add(Some(df), Some(ctx), &path);
                    }
                }
            }
        } else if is_script_name(&name) {
            for (df, ctx) in docker_builds(text, "") {
                add(df, ctx, &path);
            }
        }
    }
    for y in model.yaml() {
        let path = y.path_str();
        let Some(root) = y.root() else { continue };
        match y.kind {
            YamlKind::Workflow | YamlKind::Action => {
                for (df, ctx) in workflow_builds(root) {
                    add(df, ctx, &path);
                }
            }
            YamlKind::GitlabCi => {
                for s in root.scalars() {
                    if let Some(script) = s.as_str() {
                        for (df, ctx) in docker_builds(script, "") {
                            add(df, ctx, &path);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn path_str(p: &std::path::Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Shell scripts and Makefiles, where `docker build` lines live.
fn is_script_name(name: &str) -> bool {
    name.ends_with(".sh")
        || name.ends_with(".bash")
        || name == "makefile"
        || name.ends_with(".mk")
        || name == "justfile"
}

fn under(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// `services.*.build` of one compose document: (Dockerfile, context).
fn compose_builds(dir: &str, doc: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (_, _, svc) in doc.get_or_empty("services").entries() {
        let Some(build) = svc.get("build") else {
            continue;
        };
        let (context, file) = match build.as_str() {
            Some(ctx) => (Some(ctx), None),
            None => (
                Some(build.str_at("context").unwrap_or(".")),
                build.str_at("dockerfile"),
            ),
        };
        let Some(ctx) = context.and_then(|c| join(dir, c)) else {
            continue;
        };
        // `dockerfile:` is relative to the context.
        if let Some(df) = join(&ctx, file.unwrap_or("Dockerfile")) {
            out.push((df, ctx));
        }
    }
    out
}

/// Builds stated by one workflow: `docker/build-push-action` steps and
/// `docker build` in `run:` steps (from the step's or job's working directory).
fn workflow_builds(root: &Node) -> Vec<(Option<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut steps: Vec<(&Node, &str)> = Vec::new();
    for (_, _, job) in root.get_or_empty("jobs").entries() {
        let wd = job
            .path(&["defaults", "run", "working-directory"])
            .and_then(Node::as_str)
            .unwrap_or("");
        steps.extend(job.get_or_empty("steps").items().iter().map(|s| (s, wd)));
    }
    // Composite actions keep their steps under `runs`.
    steps.extend(
        root.path(&["runs", "steps"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|s| (s, "")),
    );
    for (step, job_wd) in steps {
        if let Some(uses) = step.str_at("uses") {
            if uses.starts_with("docker/build-push-action@") {
                let with = step.get_or_empty("with");
                // Without `context` the action builds the Git checkout: the root.
                let ctx = join("", with.str_at("context").unwrap_or("."));
                let df = match with.str_at("file") {
                    // `file` is relative to the working directory, not the context.
                    Some(f) => join("", f),
                    None => ctx.as_deref().and_then(|c| join(c, "Dockerfile")),
                };
                out.push((df, ctx));
            }
        }
        if let Some(run) = step.str_at("run") {
            let wd = step.str_at("working-directory").unwrap_or(job_wd);
            if let Some(wd) = join("", if wd.is_empty() { "." } else { wd }) {
                out.extend(docker_builds(run, &wd));
            }
        }
    }
    out
}

/// Options of `docker build` / `buildx build` / `podman build` that take a value.
const VALUED: &[&str] = &[
    "-t",
    "--tag",
    "--build-arg",
    "--build-context",
    "--target",
    "--platform",
    "--label",
    "-o",
    "--output",
    "--cache-from",
    "--cache-to",
    "--secret",
    "--ssh",
    "--network",
    "--progress",
    "--iidfile",
    "--metadata-file",
    "--builder",
    "--add-host",
    "--shm-size",
    "--ulimit",
    "--allow",
    "--attest",
    "--annotation",
    "--provenance",
    "--sbom",
    "--cgroup-parent",
    "--isolation",
    "-m",
    "--memory",
    "--memory-swap",
    "--cpu-shares",
    "--cpuset-cpus",
    "--security-opt",
    "--ignorefile",
];

/// `docker build` commands of a script: (Dockerfile, context), both relative to
/// the repository root, run from `cwd`.
pub(crate) fn docker_builds(script: &str, cwd: &str) -> Vec<(Option<String>, Option<String>)> {
    let mut out = Vec::new();
    for words in shell::commands(script) {
        let words = shell::program(&words);
        let args: &[String] = match (
            words.first().map(|w| w.rsplit('/').next().unwrap_or(w)),
            words.get(1).map(String::as_str),
            words.get(2).map(String::as_str),
        ) {
            (Some("docker" | "podman"), Some("build"), _) => &words[2..],
            (Some("docker"), Some("buildx" | "image"), Some("build")) => &words[3..],
            (Some("buildah"), Some("bud" | "build"), _) => &words[2..],
            _ => continue,
        };
        let mut file = None;
        let mut context = None;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            if let Some(f) = a.strip_prefix("--file=") {
                file = Some(f.to_owned());
            } else if a == "-f" || a == "--file" {
                file = args.get(i + 1).cloned();
                i += 1;
            } else if let Some(f) = a.strip_prefix("-f").filter(|f| !f.is_empty()) {
                file = Some(f.to_owned());
            } else if VALUED.contains(&a) {
                i += 1;
            } else if !a.starts_with('-') && context.is_none() {
                context = Some(a.to_owned());
            }
            i += 1;
        }
        let Some(ctx) = context.as_deref() else {
            continue;
        };
        // `-` reads the context from stdin: nothing on disk is sent.
        if ctx == "-" {
            continue;
        }
        let ctx = join(cwd, ctx);
        let df = match file.as_deref() {
            Some("-") => None,
            Some(f) => join(cwd, f),
            None => ctx.as_deref().map(|c| under(c, "Dockerfile")),
        };
        out.push((df, ctx));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_build_commands() {
        let got = docker_builds(
            "set -e\ndocker build -t app:1 -f deploy/Dockerfile --build-arg X=1 .\ndocker buildx build --push services/api\ndocker build -f- . < x\necho docker build nope\ndocker build \"$CTX\"\n",
            "",
        );
        assert_eq!(
            got,
            [
                (Some("deploy/Dockerfile".into()), Some("".into())),
                (
                    Some("services/api/Dockerfile".into()),
                    Some("services/api".into())
                ),
                (None, Some("".into())),
                (None, None),
            ]
        );
        assert_eq!(
            docker_builds("docker build ..", "app/web"),
            [(Some("app/Dockerfile".into()), Some("app".into()))]
        );
    }

    #[test]
    fn compose_and_workflow_statements() {
        let model = Model::from_memory(&[
            ("services/api/Dockerfile", "FROM scratch\n"),
            ("docker/web.Dockerfile", "FROM scratch\n"),
            ("tools/Dockerfile", "FROM scratch\n"),
            (
                "deploy/docker-compose.yml",
                "services:\n  api:\n    build: ../services/api\n  web:\n    build:\n      context: ..\n      dockerfile: docker/web.Dockerfile\n  db:\n    image: postgres\n",
            ),
            (
                ".github/workflows/img.yml",
                "on: push\njobs:\n  b:\n    defaults:\n      run:\n        working-directory: tools\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: services\n          file: services/api/Dockerfile\n      - run: docker build .\n      - uses: docker/build-push-action@v6\n        with:\n          context: ${{ matrix.dir }}\n",
            ),
            ("Makefile", "image:\n\tdocker build -f missing/Dockerfile .\n"),
        ]);
        let got = stated(&model);
        let ctx = |df: &str| -> Vec<&str> {
            got.get(df)
                .map(|v| v.iter().map(|(c, _)| c.as_str()).collect())
                .unwrap_or_default()
        };
        assert_eq!(ctx("services/api/Dockerfile"), ["services/api", "services"]);
        assert_eq!(ctx("docker/web.Dockerfile"), [""]);
        assert_eq!(ctx("tools/Dockerfile"), ["tools"]);
        assert!(!got.contains_key("missing/Dockerfile"));
        assert!(is_compose_name("compose.yaml") && is_compose_name("docker-compose.ci.yml"));
        assert!(!is_compose_name("composer.yml"));
    }
}
