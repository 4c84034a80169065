//! GitHub Actions as rules see them: workflows (`.github/workflows/*.yml`), actions
//! (`action.yml`) and dependabot configuration; for each workflow its triggers, jobs
//! and steps, and for each composite action its steps.

use paved_parse::yaml::{Node, YamlFile, YamlKind};

use crate::{Location, Model, YamlPath};

/// One job of a workflow.
#[derive(Clone, Copy, Debug)]
pub struct Job<'m> {
    pub name: &'m str,
    /// The job's key node (its line is the job's line).
    pub key: &'m Node,
    pub node: &'m Node,
}

impl<'m> Job<'m> {
    /// The job's `container:` and each of its `services:` (a string or a mapping).
    pub fn containers(&self) -> Vec<&'m Node> {
        let mut out: Vec<&'m Node> = self.node.get("container").into_iter().collect();
        out.extend(
            self.node
                .get_or_empty("services")
                .entries()
                .map(|(_, _, v)| v),
        );
        out
    }

    /// The image of each container and service: `(node to point at, image node)`;
    /// for the short form `container: alpine:3` both are the string.
    pub fn images(&self) -> Vec<(&'m Node, &'m Node)> {
        let mut out = Vec::new();
        for c in self.containers() {
            if c.as_str().is_some() {
                out.push((c, c));
            } else if let Some(entry) = c.get_entry("image") {
                out.push(entry);
            }
        }
        out
    }

    /// The labels of `runs-on:` (a string, a list, or `{group, labels}`).
    pub fn runner_labels(&self) -> Vec<&'m str> {
        let Some(v) = self.node.get("runs-on") else {
            return Vec::new();
        };
        let mut labels: Vec<&'m str> = v.items().iter().filter_map(Node::as_str).collect();
        labels.extend(v.as_str());
        labels.extend(
            v.get_or_empty("labels")
                .items()
                .iter()
                .filter_map(Node::as_str),
        );
        labels.extend(v.str_at("labels"));
        labels
    }
}

/// One step of a job or of a composite action.
#[derive(Clone, Copy, Debug)]
pub struct Step<'m> {
    /// The job it belongs to; `None` in an action.
    pub job: Option<Job<'m>>,
    pub node: &'m Node,
}

impl<'m> Step<'m> {
    /// `uses:` as written, trimmed.
    pub fn uses(&self) -> Option<&'m str> {
        self.node.str_at("uses").map(str::trim)
    }

    /// The action `uses:` names, lower-case, without `@ref`.
    pub fn action(&self) -> Option<String> {
        self.uses().map(action_name)
    }

    /// The code the step runs: `run:`, or `script:` of actions/github-script, with the
    /// scalar that holds it (for lines inside it).
    pub fn code(&self) -> Option<(&'m Node, &'m str)> {
        if let Some(v) = self.node.get("run") {
            return v.as_str().map(|s| (v, s));
        }
        if self.action().as_deref() == Some("actions/github-script") {
            let v = self.node.get_or_empty("with").get("script")?;
            return v.as_str().map(|s| (v, s));
        }
        None
    }

    /// The `with:` input `key`.
    pub fn input(&self, key: &str) -> Option<&'m Node> {
        self.node.get_or_empty("with").get(key)
    }
}

/// One workflow or action file.
#[derive(Debug)]
pub struct WorkflowFile<'m> {
    pub file: &'m YamlFile,
    triggers: Vec<(String, String)>,
    jobs: Vec<Job<'m>>,
    steps: Vec<Step<'m>>,
}

impl<'m> WorkflowFile<'m> {
    fn build(file: &'m YamlFile) -> WorkflowFile<'m> {
        let root = file.root();
        let jobs: Vec<Job<'m>> = match (file.kind, root) {
            (YamlKind::Workflow, Some(root)) => workflow_jobs(root)
                .map(|(name, key, node)| Job { name, key, node })
                .collect(),
            _ => Vec::new(),
        };
        let steps = match (file.kind, root) {
            (YamlKind::Action, Some(root)) => root
                .path(&["runs", "steps"])
                .map(|s| {
                    s.items()
                        .iter()
                        .map(|node| Step { job: None, node })
                        .collect()
                })
                .unwrap_or_default(),
            _ => jobs
                .iter()
                .flat_map(|job| {
                    job.node
                        .get_or_empty("steps")
                        .items()
                        .iter()
                        .map(move |node| Step {
                            job: Some(*job),
                            node,
                        })
                })
                .collect(),
        };
        WorkflowFile {
            file,
            triggers: root.map(triggers).unwrap_or_default(),
            jobs,
            steps,
        }
    }

    pub fn kind(&self) -> YamlKind {
        self.file.kind
    }

    pub fn root(&self) -> Option<&'m Node> {
        self.file.root()
    }

    /// Trigger names and where each is written, as a path below the root for
    /// [`Self::at`]: `on.push` (`on: {push: …}`), `on[1]` (`on: [a, push]`), `on`
    /// (`on: push`).
    pub fn triggers(&self) -> &[(String, String)] {
        &self.triggers
    }

    pub fn has_trigger(&self, names: &[&str]) -> bool {
        self.triggers
            .iter()
            .any(|(t, _)| names.contains(&t.as_str()))
    }

    pub fn jobs(&self) -> &[Job<'m>] {
        &self.jobs
    }

    /// Steps of every job (of the action, for an action file), in order.
    pub fn steps(&self) -> &[Step<'m>] {
        &self.steps
    }

    /// The key at `path` below `node` of this file.
    pub fn at(&self, node: &Node, path: &str) -> Location<'m> {
        Location::yaml(&self.file.path, node, YamlPath(path))
    }

    /// The line `offset` bytes into the text of the scalar `node` (a `run:` script).
    pub fn at_text(&self, node: &Node, offset: usize) -> Location<'m> {
        Location::in_text(&self.file.path, node, offset)
    }

    /// Whether a privileged trigger starts it (see [`PRIVILEGED_TRIGGERS`]).
    pub fn is_privileged(&self) -> bool {
        self.has_trigger(PRIVILEGED_TRIGGERS)
    }

    /// The whole file.
    pub fn whole(&self) -> Location<'m> {
        Location::file(&self.file.path)
    }

    /// The `on:` key (the workflow's triggers), or the top of the file.
    pub fn on_key(&self) -> Location<'m> {
        let line = self
            .root()
            .and_then(|r| r.key_line("on").or_else(|| r.key_line("true")));
        Location {
            file: &self.file.path,
            line: Some(line.unwrap_or_else(|| self.root().map_or(1, Node::line))),
        }
    }

    /// A reusable workflow that nothing but a caller can start (`on: workflow_call`
    /// only): the caller's `permissions:` and secrets apply to it.
    pub fn is_reusable_only(&self) -> bool {
        !self.triggers.is_empty() && self.triggers.iter().all(|(t, _)| t == "workflow_call")
    }

    /// Whether pull requests start it (`pull_request` or `pull_request_target`).
    pub fn runs_on_pull_requests(&self) -> bool {
        self.has_trigger(&["pull_request", "pull_request_target"])
    }
}

/// Every workflow, action and dependabot file of the repository.
#[derive(Debug)]
pub struct Workflows<'m> {
    files: Vec<WorkflowFile<'m>>,
    dependabot: Vec<&'m YamlFile>,
}

impl<'m> Workflows<'m> {
    pub(crate) fn build(model: &'m Model) -> Workflows<'m> {
        Workflows {
            files: model
                .yaml()
                .iter()
                .filter(|y| matches!(y.kind, YamlKind::Workflow | YamlKind::Action))
                .map(WorkflowFile::build)
                .collect(),
            dependabot: model
                .yaml()
                .iter()
                .filter(|y| y.kind == YamlKind::Dependabot)
                .collect(),
        }
    }

    /// Workflows and actions, in walk order.
    pub fn all(&self) -> &[WorkflowFile<'m>] {
        &self.files
    }

    /// Every `${{ … }}` expression in the code a step runs (`run:`, the `script:` of
    /// actions/github-script), in walk order, with where it is written: the text
    /// GitHub substitutes into the script before the shell or node reads it.
    pub fn code_expressions(&self) -> Vec<(Location<'m>, &'m str)> {
        let mut out = Vec::new();
        for file in &self.files {
            for step in file.steps() {
                if let Some((node, code)) = step.code() {
                    out.extend(
                        expressions(code)
                            .into_iter()
                            .map(|(offset, expr)| (file.at_text(node, offset), expr)),
                    );
                }
            }
        }
        out
    }

    /// `.github/workflows/*` only.
    pub fn workflows(&self) -> impl Iterator<Item = &WorkflowFile<'m>> {
        self.files.iter().filter(|f| f.kind() == YamlKind::Workflow)
    }

    /// `action.yml` files only.
    pub fn actions(&self) -> impl Iterator<Item = &WorkflowFile<'m>> {
        self.files.iter().filter(|f| f.kind() == YamlKind::Action)
    }

    pub fn dependabot(&self) -> &[&'m YamlFile] {
        &self.dependabot
    }

    /// `file` and every local reusable workflow and composite action it reaches
    /// through `uses: ./…` (jobs and steps), each once, `file` first.
    pub fn reachable<'a>(&'a self, file: &'a WorkflowFile<'m>) -> Vec<&'a WorkflowFile<'m>> {
        let mut out = vec![file];
        let mut i = 0;
        while i < out.len() {
            let current = out[i];
            i += 1;
            let mut callees: Vec<&str> = current
                .jobs
                .iter()
                .filter_map(|j| j.node.str_at("uses"))
                .collect();
            callees.extend(current.steps.iter().filter_map(Step::uses));
            for callee in callees {
                let Some(local) = callee.trim().strip_prefix("./") else {
                    continue;
                };
                let local = local.split('@').next().unwrap_or_default();
                let target = self.files.iter().find(|f| {
                    let p = f.file.path_str();
                    p == local
                        || (f.kind() == YamlKind::Action
                            && (p == format!("{local}/action.yml")
                                || p == format!("{local}/action.yaml")))
                });
                if let Some(t) = target {
                    if !out.iter().any(|o| std::ptr::eq(*o, t)) {
                        out.push(t);
                    }
                }
            }
        }
        out
    }
}

/// Triggers that run with the base repository's secrets and a write token on events
/// that outsiders (a fork's pull request, its workflow run) can cause.
pub const PRIVILEGED_TRIGGERS: &[&str] = &["pull_request_target", "workflow_run"];

/// The action a `uses:` names: lower-case, without `@ref`.
pub fn action_name(uses: &str) -> String {
    uses.split('@')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A full 40-hex-digit commit SHA.
pub fn is_full_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `${{ … }}` expressions in `text`, each with the byte offset of its `${{`.
pub fn expressions(text: &str) -> Vec<(usize, &str)> {
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

/// Whether `path` is where GitHub or GitLab look for a pipeline
/// (`.github/workflows/*.yml`, `.gitlab-ci.yml`): a parse error there leaves the CI
/// unaudited.
pub fn is_pipeline_path(path: &str) -> bool {
    let lower = path.replace('\\', "/").to_ascii_lowercase();
    if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
        return false;
    }
    match lower.strip_prefix(".github/workflows/") {
        Some(rest) => !rest.contains('/'),
        None => lower == ".gitlab-ci.yml" || lower == ".gitlab-ci.yaml",
    }
}

/// Names of the workflow's triggers and where each is written, as a path below the
/// root: `on` (`on: push`), `on[1]` (`on: [a, push]`), `on.push` (`on: {push: …}`).
pub fn triggers(root: &Node) -> Vec<(String, String)> {
    // YAML 1.1 readers turn `on` into `true`; ours keeps the text, but accept both.
    let key = if root.get_entry("on").is_some() {
        "on"
    } else {
        "true"
    };
    let Some(on) = root.get(key) else {
        return Vec::new();
    };
    if let Some(s) = on.as_str() {
        return vec![(s.to_owned(), key.to_owned())];
    }
    if on.is_seq() {
        return on
            .items()
            .iter()
            .enumerate()
            .filter_map(|(i, item)| item.as_str().map(|s| (s.to_owned(), format!("{key}[{i}]"))))
            .collect();
    }
    on.entries()
        .map(|(k, _, _)| (k.to_owned(), format!("{key}.{k}")))
        .collect()
}

/// `(name, key node, job)` for each job of a workflow.
pub fn workflow_jobs(root: &Node) -> impl Iterator<Item = (&str, &Node, &Node)> {
    root.get_or_empty("jobs")
        .entries()
        .filter(|(_, _, j)| j.is_map())
}

/// `if: false` / `if: ${{ false }}`: never runs.
pub fn step_is_disabled(node: &Node) -> bool {
    node.get("if").and_then(Node::as_str).is_some_and(|c| {
        let c = c.trim();
        let c = c
            .strip_prefix("${{")
            .and_then(|c| c.strip_suffix("}}"))
            .unwrap_or(c)
            .trim();
        c == "false"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_actions_code_and_reachable_files() {
        let m = Model::from_memory(&[
            (
                ".github/workflows/ci.yml",
                "on: pull_request\njobs:\n  a:\n    runs-on: [self-hosted, linux]\n    container: alpine:3\n    services:\n      db: {image: postgres:16}\n    steps:\n      - uses: Actions/Checkout@v4\n      - uses: ./.github/actions/x\n      - run: |\n          echo ${{ github.head_ref }}\n  b:\n    uses: ./.github/workflows/lib.yml\n",
            ),
            (
                ".github/workflows/lib.yml",
                "on: workflow_call\njobs:\n  c:\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: console.log(1)\n",
            ),
            (
                ".github/actions/x/action.yml",
                "runs:\n  using: composite\n  steps:\n    - run: echo hi\n      shell: bash\n",
            ),
        ]);
        let w = Workflows::build(&m);
        let ci = w.workflows().next().unwrap();
        assert!(ci.runs_on_pull_requests() && !ci.is_reusable_only());
        let steps = ci.steps();
        assert_eq!(steps[0].action().as_deref(), Some("actions/checkout"));
        let (node, code) = steps[2].code().unwrap();
        let (offset, expr) = expressions(code)[0];
        assert_eq!(expr.trim(), "github.head_ref");
        assert_eq!(ci.at_text(node, offset).line, Some(12));
        let exprs: Vec<_> = w
            .code_expressions()
            .into_iter()
            .map(|(at, e)| (at.file.to_string_lossy().into_owned(), at.line, e.trim()))
            .collect();
        assert_eq!(
            exprs,
            [(
                ".github/workflows/ci.yml".to_owned(),
                Some(12),
                "github.head_ref"
            )]
        );
        let job = ci.jobs()[0];
        assert_eq!(job.runner_labels(), ["self-hosted", "linux"]);
        let images: Vec<_> = job.images().iter().map(|(_, i)| i.as_str()).collect();
        assert_eq!(images, [Some("alpine:3"), Some("postgres:16")]);
        let reach: Vec<_> = w.reachable(ci).iter().map(|f| f.file.path_str()).collect();
        assert_eq!(
            reach,
            [
                ".github/workflows/ci.yml",
                ".github/workflows/lib.yml",
                ".github/actions/x/action.yml"
            ]
        );
        let lib = &w.all()[1];
        assert!(lib.is_reusable_only());
        assert!(lib.steps()[0].code().is_some());
        assert!(is_pipeline_path(".github/workflows/ci.yaml"));
        assert!(is_pipeline_path(".gitlab-ci.yml"));
        assert!(!is_pipeline_path(".github/workflows/sub/ci.yml"));
        assert!(is_full_sha("0123456789abcdef0123456789abcdef01234567"));
    }
}
