//! What the CI coverage rules share, declaring no rule: the pipeline that runs on
//! pull requests (which files, what each step or job runs), the files that would be
//! part of it but could not be parsed, and the verdict for one kind of scan.

use std::path::Path;

use paved_model::workflows::is_pipeline_path;
use paved_model::Location;
use paved_parse::yaml::YamlKind;

use paved_model::gitlab::GitlabFile;
use paved_model::workflows::WorkflowFile;

use crate::guardrails::ci_tools::{
    file_units, gitlab_units, Category, Found, Unit, Verdict, Verdicts,
};
use crate::guardrails::{CheckCtx, Emitter};

/// A file of the pipeline: a workflow or action, or a GitLab CI file. Its steps or
/// jobs ([`Unit`]s) are built only when a verdict must point at one: what each runs
/// is judged once per audit ([`Verdicts`]), not by each coverage rule.
pub(super) enum PipelineFile<'m> {
    Workflow(&'m WorkflowFile<'m>),
    Gitlab(&'m GitlabFile<'m>),
}

impl<'m> PipelineFile<'m> {
    pub fn path(&self) -> &'m Path {
        match self {
            PipelineFile::Workflow(f) => &f.file.path,
            PipelineFile::Gitlab(g) => &g.file.path,
        }
    }

    fn gitlab(&self) -> bool {
        matches!(self, PipelineFile::Gitlab(_))
    }

    /// PVD-GHA-012 for a workflow step, PVD-GITLAB-002 for a GitLab job: the rule
    /// that reports a scanner of it that cannot fail.
    fn silenced_by(&self) -> &'static str {
        match self {
            PipelineFile::Workflow(_) => "PVD-GHA-012",
            PipelineFile::Gitlab(_) => "PVD-GITLAB-002",
        }
    }

    fn units(&self) -> Vec<Unit<'m>> {
        match self {
            PipelineFile::Workflow(f) => file_units(f),
            PipelineFile::Gitlab(g) => gitlab_units(g),
        }
    }
}

/// Where the pipeline is and what runs in it.
pub(super) struct Pipeline<'m> {
    /// Where a finding about the whole pipeline points.
    pub at: Location<'m>,
    /// Its files, in order: the pull-request workflows with what each calls, then
    /// the GitLab CI files.
    pub files: Vec<PipelineFile<'m>>,
    /// GitHub workflows exist, but none runs on pull requests.
    pub github_without_pr: bool,
    /// Pipeline files (`.github/workflows/*`, `.gitlab-ci.yml`) that could not be
    /// parsed (each is a PVD-AUDIT-001 finding): what they run is unknown.
    pub unreadable: Vec<&'m Path>,
    /// Some workflow or GitLab CI file was parsed. When none was, there is nothing to
    /// judge: the coverage rules stay quiet and the engine's PVD-AUDIT-001 finding on
    /// the first unreadable file says once that coverage was not judged.
    pub readable: bool,
}

/// The pipeline, or `None` when the repository has no GitHub or GitLab CI file at
/// all, readable or not.
pub(super) fn pipeline<'m>(cx: &CheckCtx<'m>) -> Option<Pipeline<'m>> {
    let view = cx.workflows();
    let gitlab = cx.gitlab().files();
    let unreadable: Vec<&'m Path> = cx
        .views
        .model()
        .parse_warnings()
        .iter()
        .filter(|w| is_pipeline_path(&w.file.to_string_lossy()))
        .map(|w| w.file.as_path())
        .collect();
    let workflows: Vec<_> = view.workflows().collect();
    if workflows.is_empty() && gitlab.is_empty() && unreadable.is_empty() {
        return None;
    }
    let pr: Vec<_> = workflows
        .iter()
        .copied()
        .filter(|w| w.runs_on_pull_requests())
        .collect();
    let github_without_pr = !workflows.is_empty() && pr.is_empty();
    let chosen = if pr.is_empty() { &workflows } else { &pr };
    let mut files = Vec::new();
    for wf in chosen {
        // The workflow and the local reusable workflows and actions it calls.
        files.extend(view.reachable(wf).into_iter().map(PipelineFile::Workflow));
    }
    files.extend(gitlab.iter().map(PipelineFile::Gitlab));
    let at = match chosen.as_slice() {
        [one] => one.on_key(),
        [] => match gitlab
            .iter()
            .find(|g| g.file.path_str().starts_with(".gitlab-ci."))
            .or(gitlab.first())
        {
            Some(g) => Location::file(&g.file.path),
            None => Location::file(unreadable.first().copied().unwrap_or(Path::new("."))),
        },
        _ => Location::file(Path::new(".github/workflows")),
    };
    Some(Pipeline {
        at,
        files,
        github_without_pr,
        unreadable,
        readable: !workflows.is_empty() || !gitlab.is_empty(),
    })
}

/// Any CI system paved cannot read, so coverage cannot be judged.
pub(super) fn has_other_ci(cx: &CheckCtx<'_>) -> bool {
    cx.repo.any_file(|f| {
        let p = f.path_str();
        p == "Jenkinsfile"
            || p.starts_with(".circleci/")
            || p.starts_with(".buildkite/")
            || p == "azure-pipelines.yml"
            || p == "bitbucket-pipelines.yml"
            || p == ".travis.yml"
    })
}

fn repo_has_dockerfile(cx: &CheckCtx<'_>) -> bool {
    cx.repo.any_file(|f| {
        let n = f.file_name().to_ascii_lowercase();
        n == "dockerfile"
            || n.starts_with("dockerfile.")
            || n.ends_with(".dockerfile")
            || n == "containerfile"
    })
}

fn repo_has_iac(cx: &CheckCtx<'_>) -> bool {
    repo_has_dockerfile(cx) || repo_has_iac_beyond_dockerfiles(cx)
}

/// Terraform, Kubernetes manifests or a Helm chart: infrastructure code a Dockerfile
/// linter does not read.
pub(super) fn repo_has_iac_beyond_dockerfiles(cx: &CheckCtx<'_>) -> bool {
    cx.repo
        .yaml()
        .iter()
        .any(|y| y.kind == YamlKind::Kubernetes)
        || cx.repo.any_file(|f| {
            let n = f.file_name();
            n.ends_with(".tf") || n == "Chart.yaml"
        })
}

/// Whether the repository has anything a scan of `category` would look at
/// (container scanning needs a Dockerfile, IaC scanning IaC).
pub(super) fn relevant(cx: &CheckCtx<'_>, category: Category) -> bool {
    match category {
        Category::Container => repo_has_dockerfile(cx),
        Category::Iac => repo_has_iac(cx),
        _ => true,
    }
}

/// Reports the pipeline when it runs no scanner of `category` that can fail it
/// (tools: the profile's list for it).
///
/// A scanner that runs but cannot fail is not coverage, but it is not this rule's
/// finding either: PVD-GHA-012 / PVD-GITLAB-002 report it at the step or job to fix,
/// so the coverage rule stays quiet rather than saying the same thing at the
/// workflow's `on:` line. When the audit does not run that rule (a profile turned it
/// off, or selects only the coverage rules), nothing else would say the pipeline
/// has no enforced scanner, so the coverage rule says it, at the step to fix.
pub(super) fn judge(
    cx: &CheckCtx<'_>,
    out: &mut Emitter<'_>,
    category: Category,
    specs: &[String],
) {
    let Some(p) = pipeline(cx) else { return };
    if !p.readable {
        return;
    }
    let verdicts = Verdicts::of(cx);
    // Judged once for the audit when with the same list (the same parameters).
    let own = (!verdicts.judged_with(category, specs)).then(|| Category::tools(specs));
    let mut unreported = None;
    for file in &p.files {
        let built = std::cell::OnceCell::new();
        let units = || built.get_or_init(|| file.units());
        let judged: Vec<Option<Verdict>> = match own
            .is_none()
            .then(|| verdicts.of_file(file.path(), file.gitlab()))
        {
            Some(Some(each)) => each.iter().map(|e| e[category.index()]).collect(),
            _ => {
                let tools = own.as_deref().unwrap_or_else(|| verdicts.tools(category));
                verdicts.judge_with(category, tools, file.path(), file.gitlab(), units())
            }
        };
        for (i, verdict) in judged.into_iter().enumerate() {
            match verdict {
                Some(Verdict::Enforced) => return,
                // Reported where it is silenced.
                Some(Verdict::Silenced(_)) if cx.runs(file.silenced_by()) => return,
                Some(silenced) if unreported.is_none() => {
                    if let Found::Silenced(site) = units()[i].resolve(silenced) {
                        unreported = Some(site.at(file.path()));
                    }
                }
                Some(Verdict::Silenced(_)) | None => {}
            }
        }
    }
    if let Some(first) = p.unreadable.first() {
        let names: Vec<String> = p
            .unreadable
            .iter()
            .map(|f| format!("`{}`", f.to_string_lossy().replace('\\', "/")))
            .collect();
        out.at(Location::file(first)).say(format!(
            "no {} step found, but CI coverage was not fully judged: {} could not be parsed (see PVD-AUDIT-001)",
            category.label(),
            names.join(", ")
        ));
        return;
    }
    let scope = if p.github_without_pr {
        "CI"
    } else {
        "the pull-request pipeline"
    };
    match unreported {
        Some(at) => out.at(at).say(format!(
            "no {} step in {scope} can fail the build: this one ignores its failure",
            category.label()
        )),
        None => out
            .at(p.at)
            .say(format!("no {} step in {scope}", category.label())),
    }
}
