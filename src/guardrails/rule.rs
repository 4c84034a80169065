//! What a rule is: metadata plus a pure check over the repository model, and what a
//! check sees and says.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use paved_model::docker::Docker;
use paved_model::gitlab::GitlabCi;
use paved_model::k8s::Kubernetes;
use paved_model::terraform::Terraform;
use paved_model::workflows::Workflows;
use paved_model::{Location, Views};

use super::params::{ParamSpec, RuleParams};
use super::{Params, RepoModel};

/// Ordered from least to most severe, so `>=` means "at least as severe".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One step up, saturating at critical.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}`: expected critical, high, medium, low or info"
            )),
        }
    }
}

/// The area a rule looks at. Also used by context-aware severity: exposure raises
/// network-facing domains, data classification raises data-protection domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Domain {
    Dockerfile,
    GithubActions,
    GitlabCi,
    CiCoverage,
    Kubernetes,
    Terraform,
    Repository,
    Secrets,
    Auth,
    Blueprint,
}

impl Domain {
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Dockerfile => "dockerfile",
            Domain::GithubActions => "github-actions",
            Domain::GitlabCi => "gitlab-ci",
            Domain::CiCoverage => "ci-coverage",
            Domain::Kubernetes => "kubernetes",
            Domain::Terraform => "terraform",
            Domain::Repository => "repository",
            Domain::Secrets => "secrets",
            Domain::Auth => "auth",
            Domain::Blueprint => "blueprint",
        }
    }
}

/// Everything a user needs to understand a rule, kept beside its check. For rules
/// declared with [`rule!`](crate::guardrails::declare::rule) the texts come from the
/// rule type's doc comment (see docs/contributing-rules.md).
#[derive(Clone, Debug)]
pub struct RuleMeta {
    /// `PVD-<AREA>-NNN`, stable forever once released.
    pub id: &'static str,
    /// One line, says what is wrong (e.g. "Container runs as root").
    pub title: &'static str,
    pub domain: Domain,
    /// Severity when the policy does not override it.
    pub severity: Severity,
    /// Why it matters: the attack it enables.
    pub rationale: &'static str,
    /// What to do about it, concretely.
    pub remediation: &'static str,
    /// Equivalent ids in other tools and standards, e.g. "checkov:CKV_DOCKER_3",
    /// "hadolint:DL3007", "zizmor:unpinned-uses", "scorecard:Pinned-Dependencies",
    /// "cis-docker:4.1", "owasp-top10:A05".
    pub references: &'static [&'static str],
    /// A flagged and a fixed example (Markdown with fenced code), for declared rules.
    pub example: Option<&'static str>,
    /// The parameters the rule reads from the profile's `[params]`.
    pub params: &'static [ParamSpec],
    /// The file that declares the rule, for declared rules.
    pub source: Option<&'static str>,
    /// How the rule grades its findings when they differ in weight (the doc
    /// comment's `## Severity` section); `None` when every finding has `severity`.
    pub graded: Option<&'static str>,
}

/// How a rule looks at a repository.
pub type CheckFn = fn(&CheckCtx<'_>, &mut Emitter<'_>);

/// A rule: metadata and a check. Checks are plain functions over the parsed model:
/// they never touch the file system, so they cannot follow links or write anything.
#[derive(Clone)]
pub struct Rule {
    pub meta: RuleMeta,
    /// `None` for a rule the drift engine raises itself
    /// ([`EngineRule`](super::declare::EngineRule)).
    pub check: Option<CheckFn>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.meta.id).finish()
    }
}

/// What a check sees: the repository, the views of its domain model (each built
/// once, on first use, shared by every rule), the profile's parameters and which
/// rules this audit runs.
pub struct CheckCtx<'a> {
    pub repo: &'a RepoModel,
    pub views: &'a Views<'a>,
    pub params: &'a Params,
    /// Ids of the rules this audit runs (the profile's enabled ones).
    pub running: &'a [&'static str],
}

impl<'a> CheckCtx<'a> {
    /// Dockerfiles: stages, instructions, the commands of each `RUN`.
    pub fn docker(&self) -> &'a Docker<'a> {
        self.views.docker()
    }

    /// GitHub workflows and actions: triggers, jobs, steps.
    pub fn workflows(&self) -> &'a Workflows<'a> {
        self.views.workflows()
    }

    /// GitLab CI files and jobs.
    pub fn gitlab(&self) -> &'a GitlabCi<'a> {
        self.views.gitlab()
    }

    /// Kubernetes objects, workloads, containers.
    pub fn k8s(&self) -> &'a Kubernetes<'a> {
        self.views.k8s()
    }

    /// Terraform resources and IAM policy statements.
    pub fn terraform(&self) -> &'a Terraform<'a> {
        self.views.terraform()
    }

    /// A rule's typed parameters, defaults filled in.
    pub fn params<P: RuleParams>(&self) -> P {
        P::load(self.params)
    }

    /// Whether this audit runs the rule `id`: a rule that leaves a finding to
    /// another one (one cause, one finding) reports it itself when that one is off.
    pub fn runs(&self, id: &str) -> bool {
        self.running.contains(&id)
    }
}

/// One problem found by one rule, before policy and waivers are applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static str,
    /// Relative to the repository root, `/`-separated.
    pub file: PathBuf,
    /// 1-based; `None` for whole-file or whole-repository findings.
    pub line: Option<u32>,
    pub message: String,
    /// Optional longer text (e.g. a unified diff), shown under the message.
    pub detail: Option<String>,
    /// This finding's own severity when the rule grades its findings (a
    /// `docker.sock` mount against a read-only data path); `None` for the rule's.
    /// A profile that sets the rule's severity still decides, and context still
    /// adjusts it.
    pub severity: Option<Severity>,
    /// First and last line of the cause when it covers more than the finding's own
    /// line (a key pair, a block's credential attributes). The human and Markdown
    /// reports show findings whose spans meet as one problem; JSON and SARIF keep
    /// each finding at its own line.
    pub span: Option<(u32, u32)>,
}

/// Collects hits for one rule.
pub struct Emitter<'a> {
    rule: &'static str,
    out: &'a mut Vec<Hit>,
}

impl<'a> Emitter<'a> {
    pub fn new(rule: &'static str, out: &'a mut Vec<Hit>) -> Self {
        Emitter { rule, out }
    }

    /// A finding at a file and line computed by the caller (rules not yet converted).
    pub fn emit(&mut self, file: &Path, line: Option<u32>, message: impl Into<String>) {
        self.out.push(Hit {
            rule: self.rule,
            file: file.to_path_buf(),
            line,
            message: message.into(),
            detail: None,
            severity: None,
            span: None,
        });
    }

    /// A finding at a location the model resolved: `out.at(df.at(ins)).say("…")`.
    pub fn at(&mut self, location: Location<'_>) -> Say<'_, 'a> {
        Say {
            out: self,
            file: location.file.to_path_buf(),
            line: location.line,
            severity: None,
            detail: None,
            span: None,
        }
    }
}

/// A finding being written: give it its message with [`Say::say`].
#[must_use = "a finding is only recorded by `say`"]
pub struct Say<'e, 'a> {
    out: &'e mut Emitter<'a>,
    file: PathBuf,
    line: Option<u32>,
    severity: Option<Severity>,
    detail: Option<String>,
    span: Option<(u32, u32)>,
}

impl Say<'_, '_> {
    /// Says that the cause also covers `line` (the secret of a key pair found on
    /// another line): reports group it with what is found there.
    pub fn spanning(mut self, line: u32) -> Self {
        let own = self.line.unwrap_or(line);
        let (a, b) = self.span.unwrap_or((own, own));
        self.span = Some((a.min(line), b.max(line)));
        self
    }

    /// Gives this finding its own severity, for a rule whose findings differ in
    /// weight (its doc comment's `## Severity` section says how):
    /// `out.at(loc).severity(Severity::Critical).say(…)`.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    /// Longer text shown under the message: a combined fix for findings merged
    /// into one.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Records the finding with this message.
    pub fn say(self, message: impl Into<String>) {
        self.out.out.push(Hit {
            rule: self.out.rule,
            file: self.file,
            line: self.line,
            message: message.into(),
            detail: self.detail,
            severity: self.severity,
            span: self.span,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_and_steps() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!(Severity::High.raised(), Severity::Critical);
        assert_eq!(Severity::Critical.raised(), Severity::Critical);
        assert_eq!("medium".parse::<Severity>(), Ok(Severity::Medium));
        assert!("severe"
            .parse::<Severity>()
            .unwrap_err()
            .contains("critical"));
    }
}
