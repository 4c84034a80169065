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

/// One step of a job or of a composite action.
#[derive(Clone, Copy, Debug)]
pub struct Step<'m> {
    /// The job it belongs to; `None` in an action.
    pub job: Option<Job<'m>>,
    pub node: &'m Node,
}

/// One workflow or action file.
#[derive(Debug)]
pub struct WorkflowFile<'m> {
    pub file: &'m YamlFile,
    triggers: Vec<(String, u32)>,
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

    /// Trigger names and the line of each (`on: push`, `on: [a, b]`, `on: {a: …}`).
    pub fn triggers(&self) -> &[(String, u32)] {
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
}

/// Names and lines of the workflow's triggers (`on: push`, `on: [a, b]`, `on: {a: …}`).
pub fn triggers(root: &Node) -> Vec<(String, u32)> {
    // YAML 1.1 readers turn `on` into `true`; ours keeps the text, but accept both.
    let Some((key, on)) = root.get_entry("on").or_else(|| root.get_entry("true")) else {
        return Vec::new();
    };
    if let Some(s) = on.as_str() {
        return vec![(s.to_owned(), key.line())];
    }
    if on.is_seq() {
        return on
            .items()
            .iter()
            .filter_map(|i| i.as_str().map(|s| (s.to_owned(), i.line())))
            .collect();
    }
    on.entries()
        .map(|(k, kn, _)| (k.to_owned(), kn.line()))
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
