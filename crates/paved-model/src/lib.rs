//! The domain model of a repository, the layer between the parsers and the rules.
//!
//! [`Model`] owns what the walker read and what the parsers made of it: every file,
//! each parsed once. It is built in one step and never changes afterwards.
//! [`Views`] borrows a model and answers the questions rules ask, each view built
//! once, on first use, and shared by every rule: Dockerfile stages, instructions and
//! the commands of each `RUN`; workflows, jobs and steps; GitLab jobs; Kubernetes
//! objects, workloads and containers; Terraform resources and policy documents.
//!
//! A crate of its own so the compiler keeps the layers one-way: it sees the parsers
//! below it and nothing of the rules, the drift engine or the reports above it.
//!
//! Locations are symbolic: a rule says *what* it points at (an instruction, a YAML key
//! path below a node, an HCL attribute path) and [`Location`] resolves the line once,
//! here, so no rule counts lines.

pub mod docker;
pub mod gitlab;
pub mod k8s;
mod location;
mod paths;
pub mod pattern;
pub mod repo;
#[cfg(any(test, feature = "test-samples"))]
#[doc(hidden)]
pub mod samples;
pub mod secrets;
pub mod shell;
pub mod terraform;
mod tf_manifests;
pub mod workflows;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use location::{Location, YamlPath};
pub use paved_parse::files::{SourceFile, Warning};
use paved_parse::{dockerfile, hcl, yaml};

/// Every file of one repository, each file of a known kind parsed once.
#[derive(Debug, Default)]
pub struct Model {
    files: Vec<SourceFile>,
    dockerfiles: Vec<dockerfile::Dockerfile>,
    yaml: Vec<yaml::YamlFile>,
    terraform: Vec<hcl::TerraformFile>,
    /// Files a parser could not read.
    parse_warnings: Vec<Warning>,
    /// Path → index into `files`, built on the first [`Model::file`] lookup.
    file_index: OnceLock<HashMap<String, usize>>,
    /// The Kubernetes objects of `kubernetes_*` Terraform resources, as manifests.
    tf_manifests: OnceLock<Vec<yaml::YamlFile>>,
}

impl Model {
    /// Parses every file of a known kind. `files` come from the walker.
    ///
    /// The three parsers run side by side (YAML on one thread, Dockerfiles and
    /// Terraform on another: about equal shares of a service); their warnings are
    /// joined in the same order as when they ran one after the other.
    pub fn build(files: Vec<SourceFile>) -> Model {
        Model::build_beside(files, |_| ()).0
    }

    /// [`Model::build`], with `beside` run on the same files meanwhile, in parallel:
    /// other work on the files (the auth rules' parse of a service's sources) starts
    /// with the model instead of after it. `beside` sees the files in the order
    /// [`Model::files`] will give them, in the very buffer the model keeps.
    ///
    /// `beside` starts on this thread: it is the longer piece, and an idle thread
    /// steals the model's parse (the oldest task queued here) at once.
    pub fn build_beside<R: Send>(
        files: Vec<SourceFile>,
        beside: impl FnOnce(&[SourceFile]) -> R + Send,
    ) -> (Model, R) {
        let (r, ((dockerfiles, docker_warnings, terraform, hcl_warnings), (yaml, yaml_warnings))) =
            rayon::join(
                || beside(&files),
                || {
                    rayon::join(
                        || {
                            let (mut docker_warnings, mut hcl_warnings) = (Vec::new(), Vec::new());
                            let dockerfiles = dockerfile::collect(&files, &mut docker_warnings);
                            let terraform = hcl::collect(&files, &mut hcl_warnings);
                            (dockerfiles, docker_warnings, terraform, hcl_warnings)
                        },
                        || {
                            let mut warnings = Vec::new();
                            (yaml::collect(&files, &mut warnings), warnings)
                        },
                    )
                },
            );
        let mut parse_warnings = docker_warnings;
        parse_warnings.extend(yaml_warnings);
        parse_warnings.extend(hcl_warnings);
        let model = Model {
            files,
            dockerfiles,
            yaml,
            terraform,
            parse_warnings,
            file_index: OnceLock::new(),
            tf_manifests: OnceLock::new(),
        };
        (model, r)
    }

    /// A model of rendered Kubernetes manifests (`paved drift --manifests`): every file
    /// is parsed as YAML, whatever its path, and nothing else is parsed.
    pub fn rendered_manifests(files: Vec<SourceFile>) -> Model {
        let mut parse_warnings = Vec::new();
        let yaml = yaml::collect_manifests(&files, &mut parse_warnings);
        Model {
            files,
            yaml,
            parse_warnings,
            ..Model::default()
        }
    }

    /// A model of in-memory text files (tests, fuzzing, benchmarks).
    pub fn from_memory(files: &[(&str, &str)]) -> Model {
        Model::build(paved_parse::files::in_memory(files))
    }

    /// Every file the walker saw, in walk order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The file at `path` (relative, `/`-separated), if the walker saw it.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        let index = self.file_index.get_or_init(|| {
            self.files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path_str(), i))
                .collect()
        });
        index.get(path).and_then(|&i| self.files.get(i))
    }

    /// Whether any file matches `pred`.
    pub fn any_file(&self, pred: impl Fn(&SourceFile) -> bool) -> bool {
        self.files.iter().any(pred)
    }

    pub fn dockerfiles(&self) -> &[dockerfile::Dockerfile] {
        &self.dockerfiles
    }

    pub fn yaml(&self) -> &[yaml::YamlFile] {
        &self.yaml
    }

    pub fn terraform(&self) -> &[hcl::TerraformFile] {
        &self.terraform
    }

    /// The Kubernetes objects Terraform's `kubernetes_*` resources create, written
    /// as the manifests they stand for (one file per `.tf` file that has any), so the
    /// Kubernetes view audits them like YAML. Built on first use.
    pub fn terraform_manifests(&self) -> &[yaml::YamlFile] {
        self.tf_manifests
            .get_or_init(|| tf_manifests::manifests(&self.terraform))
    }

    /// Files a parser could not read (each becomes a `PVD-AUDIT-001` finding).
    pub fn parse_warnings(&self) -> &[Warning] {
        &self.parse_warnings
    }
}

/// The views rules query, each built on first use from one [`Model`] and then
/// shared. Create one per audit (the drift engine does) and hand it to every rule.
pub struct Views<'m> {
    model: &'m Model,
    docker: OnceLock<docker::Docker<'m>>,
    workflows: OnceLock<workflows::Workflows<'m>>,
    gitlab: OnceLock<gitlab::GitlabCi<'m>>,
    k8s: OnceLock<k8s::Kubernetes<'m>>,
    terraform: OnceLock<terraform::Terraform<'m>>,
}

impl<'m> Views<'m> {
    pub fn new(model: &'m Model) -> Views<'m> {
        Views {
            model,
            docker: OnceLock::new(),
            workflows: OnceLock::new(),
            gitlab: OnceLock::new(),
            k8s: OnceLock::new(),
            terraform: OnceLock::new(),
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// Dockerfiles: stages, instructions, the commands of every `RUN`, and the
    /// `.dockerignore` that applies to each.
    pub fn docker(&self) -> &docker::Docker<'m> {
        self.docker
            .get_or_init(|| docker::Docker::build(self.model))
    }

    /// GitHub workflows and actions: triggers, jobs and steps.
    pub fn workflows(&self) -> &workflows::Workflows<'m> {
        self.workflows
            .get_or_init(|| workflows::Workflows::build(self.model))
    }

    /// GitLab CI files and their jobs.
    pub fn gitlab(&self) -> &gitlab::GitlabCi<'m> {
        self.gitlab
            .get_or_init(|| gitlab::GitlabCi::build(self.model))
    }

    /// Kubernetes objects, workloads and containers (kustomize patches excluded).
    pub fn k8s(&self) -> &k8s::Kubernetes<'m> {
        self.k8s.get_or_init(|| k8s::Kubernetes::build(self.model))
    }

    /// Terraform resources and IAM policy documents.
    pub fn terraform(&self) -> &terraform::Terraform<'m> {
        self.terraform
            .get_or_init(|| terraform::Terraform::build(self.model))
    }
}
