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

impl<'m> GitlabJob<'m> {
    /// Jobs that never run in a merge-request pipeline: manual, `when: never`,
    /// `except: merge_requests`, `only:` without `merge_requests`/`branches`/`pushes`,
    /// or `rules:` that all say `when: never`.
    pub fn skips_merge_requests(&self) -> bool {
        skips_merge_requests(self.node)
    }

    /// `allow_failure: true` (or `allow_failure: {exit_codes: …}`): the key node.
    pub fn allow_failure(&self) -> Option<&'m Node> {
        self.node
            .get_entry("allow_failure")
            .filter(|(_, v)| v.as_bool() == Some(true) || v.is_map())
            .map(|(k, _)| k)
    }

    /// The scalars of `before_script:` and `script:` (a string or a list of strings).
    pub fn scripts(&self) -> Vec<&'m Node> {
        let mut out = Vec::new();
        for field in ["before_script", "script"] {
            if let Some(v) = self.node.get(field) {
                if v.as_str().is_some() {
                    out.push(v);
                }
                out.extend(v.items().iter().filter(|i| i.as_str().is_some()));
            }
        }
        out
    }
}

/// One GitLab CI file.
#[derive(Debug)]
pub struct GitlabFile<'m> {
    pub file: &'m YamlFile,
    jobs: Vec<GitlabJob<'m>>,
}

impl<'m> GitlabFile<'m> {
    /// The pipeline document (after a `spec:` inputs header, when there is one).
    pub fn root(&self) -> Option<&'m Node> {
        self.file.gitlab_pipeline()
    }

    pub fn jobs(&self) -> &[GitlabJob<'m>] {
        &self.jobs
    }

    /// `include: template:` / `include: component:` names and their lines.
    pub fn templates(&self) -> Vec<(&'m str, u32)> {
        self.root().map(gitlab_templates).unwrap_or_default()
    }

    /// Entries of `include:` as a list.
    pub fn includes(&self) -> Vec<&'m Node> {
        self.root().map(includes).unwrap_or_default()
    }

    /// Every mapping that can carry job keywords: the top level, `default:`, jobs and
    /// hidden (`.template`) jobs. Merge keys make one node reachable from several.
    pub fn job_like(&self) -> Vec<&'m Node> {
        let Some(root) = self.root() else {
            return Vec::new();
        };
        let mut out = vec![root];
        out.extend(root.get("default"));
        out.extend(
            root.entries()
                .filter(|(k, _, v)| v.is_map() && !RESERVED.contains(k))
                .map(|(_, _, v)| v),
        );
        out
    }

    /// The key at `path` below `node` of this file.
    pub fn at(&self, node: &Node, path: &str) -> Location<'m> {
        Location::yaml(&self.file.path, node, YamlPath(path))
    }

    /// The line `offset` bytes into the text of the scalar `node` (a script line).
    pub fn at_text(&self, node: &Node, offset: usize) -> Location<'m> {
        Location::in_text(&self.file.path, node, offset)
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
                        .gitlab_pipeline()
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

fn skips_merge_requests(job: &Node) -> bool {
    if matches!(job.str_at("when"), Some("never") | Some("manual")) {
        return true;
    }
    let names = |n: &Node| -> Vec<String> {
        let list = if n.is_map() {
            n.get_or_empty("refs").items().to_vec()
        } else if n.is_seq() {
            n.items().to_vec()
        } else {
            vec![n.clone()]
        };
        list.iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect()
    };
    if let Some(except) = job.get("except") {
        if names(except).iter().any(|n| n == "merge_requests") {
            return true;
        }
    }
    if let Some(only) = job.get("only") {
        let n = names(only);
        if !n.is_empty()
            && !n
                .iter()
                .any(|x| x == "merge_requests" || x == "branches" || x == "pushes")
        {
            return true;
        }
    }
    if let Some(rules) = job.get("rules") {
        let items = rules.items();
        if !items.is_empty() && items.iter().all(|r| r.str_at("when") == Some("never")) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ci(text: &str) -> Model {
        Model::from_memory(&[(".gitlab-ci.yml", text)])
    }

    #[test]
    fn jobs_templates_and_merge_request_pipelines() {
        let m = ci("include:\n  - template: Security/SAST.gitlab-ci.yml\n.t: &t\n  script: [a]\nstages: [x]\nbuild:\n  <<: *t\n  allow_failure: true\n  script: [make, test]\nnightly:\n  only: [schedules]\n  script: x\nmanual:\n  when: manual\n  script: x\n");
        let g = GitlabCi::build(&m);
        let f = &g.files()[0];
        let names: Vec<_> = f.jobs().iter().map(|j| j.name).collect();
        assert_eq!(names, ["build", "nightly", "manual"]);
        assert_eq!(f.templates(), [("Security/SAST.gitlab-ci.yml", 2)]);
        let skips: Vec<_> = f.jobs().iter().map(|j| j.skips_merge_requests()).collect();
        assert_eq!(skips, [false, true, true]);
        assert_eq!(f.jobs()[0].allow_failure().map(|k| k.line()), Some(8));
        assert_eq!(f.jobs()[0].scripts().len(), 2);
        // top level, `.t` and the three jobs
        assert_eq!(f.job_like().len(), 5);
        assert_eq!(f.includes().len(), 1);
    }

    /// GIMP's `.gitlab-ci.yml` opens with a CI inputs header (`spec: inputs: …`) and
    /// `---`: the jobs are in the second document, as GitLab reads it.
    #[test]
    fn inputs_header_document_is_skipped() {
        let m = ci("spec:\n  inputs:\n    x:\n      default: a\n---\ninclude:\n  - local: ci/more.yml\nbuild:\n  image: quay.io/containers/aio:latest\n  script: [make]\n");
        let g = GitlabCi::build(&m);
        let f = &g.files()[0];
        let names: Vec<_> = f.jobs().iter().map(|j| j.name).collect();
        assert_eq!(names, ["build"]);
        assert_eq!(f.includes().len(), 1);
        // A single document that merely has a `spec` key among others is the pipeline.
        let m = ci("spec: x\nbuild:\n  script: [make]\n");
        let names: Vec<_> = GitlabCi::build(&m).files()[0]
            .jobs()
            .iter()
            .map(|j| j.name)
            .collect();
        assert_eq!(names, ["build"]);
    }
}
