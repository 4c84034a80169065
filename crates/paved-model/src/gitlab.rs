//! GitLab CI as rules see it: `.gitlab-ci.yml` and the local files it includes, each
//! with its jobs (hidden `.template` jobs and reserved keys left out) and the
//! templates and components it includes.

use paved_parse::yaml::{Node, YamlFile, YamlKind};

use crate::{Location, Model, YamlPath};

/// Top-level keys that are not jobs.
pub const RESERVED: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
    "types",
];

/// One job.
#[derive(Clone, Copy, Debug)]
pub struct GitlabJob<'m> {
    pub name: &'m str,
    pub key: &'m Node,
    pub node: &'m Node,
}

/// One GitLab CI file.
#[derive(Debug)]
pub struct GitlabFile<'m> {
    pub file: &'m YamlFile,
    jobs: Vec<GitlabJob<'m>>,
}

impl<'m> GitlabFile<'m> {
    pub fn root(&self) -> Option<&'m Node> {
        self.file.root()
    }

    pub fn jobs(&self) -> &[GitlabJob<'m>] {
        &self.jobs
    }

    /// `include: template:` / `include: component:` names and their lines.
    pub fn templates(&self) -> Vec<(&'m str, u32)> {
        self.root().map(gitlab_templates).unwrap_or_default()
    }

    /// The key at `path` below `node` of this file.
    pub fn at(&self, node: &Node, path: &str) -> Location<'m> {
        Location::yaml(&self.file.path, node, YamlPath(path))
    }
}

/// Every GitLab CI file of the repository.
#[derive(Debug)]
pub struct GitlabCi<'m> {
    files: Vec<GitlabFile<'m>>,
}

impl<'m> GitlabCi<'m> {
    pub(crate) fn build(model: &'m Model) -> GitlabCi<'m> {
        GitlabCi {
            files: model
                .yaml()
                .iter()
                .filter(|y| y.kind == YamlKind::GitlabCi)
                .map(|file| GitlabFile {
                    file,
                    jobs: file
                        .root()
                        .map(|root| {
                            gitlab_jobs(root)
                                .map(|(name, key, node)| GitlabJob { name, key, node })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        }
    }

    pub fn files(&self) -> &[GitlabFile<'m>] {
        &self.files
    }
}

/// `(name, key node, job)` for each job, hidden (`.template`) jobs excluded.
pub fn gitlab_jobs(root: &Node) -> impl Iterator<Item = (&str, &Node, &Node)> {
    root.entries()
        .filter(|(k, _, v)| v.is_map() && !k.starts_with('.') && !RESERVED.contains(k))
}

/// Entries of `include:` as a list.
pub fn includes(root: &Node) -> Vec<&Node> {
    match root.get("include") {
        Some(i) if i.is_seq() => i.items().iter().collect(),
        Some(i) => vec![i],
        None => Vec::new(),
    }
}

/// `include: template:` and `include: component:` names and their lines.
pub fn gitlab_templates(root: &Node) -> Vec<(&str, u32)> {
    includes(root)
        .into_iter()
        .filter_map(|i| {
            let (k, v) = i
                .get_entry("template")
                .or_else(|| i.get_entry("component"))?;
            Some((v.as_str()?, k.line()))
        })
        .collect()
}
