use super::pipeline::{judge, relevant, repo_has_iac_beyond_dockerfiles};
use crate::guardrails::ci_tools::{lints_dockerfiles_only, Category};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pull-request pipeline runs no IaC scanning
    ///
    /// ## Why it matters
    /// Misconfigured infrastructure (public buckets, privileged pods, open security groups)
    /// is a leading cause of breaches; IaC scanning finds it in review. Checked when the
    /// repository has Terraform, Kubernetes manifests or a Dockerfile.
    ///
    /// ## How to fix it
    /// Run checkov, trivy config, tfsec or kics on pull requests. Tools recognised: param
    /// `ci_tools_iac`. hadolint counts only where Dockerfiles are the repository's only
    /// infrastructure code: it does not read Terraform, Kubernetes manifests or charts.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   plan:
    ///     steps:
    ///       # flagged: main.tf is planned, never checked
    ///       - run: terraform plan
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   plan:
    ///     steps:
    ///       - run: terraform plan
    ///       - run: checkov --directory . --compact
    /// ```
    pub struct NoIacScanning {
        id: "PVD-CI-005",
        severity: Medium,
        references: ["owasp-top10:A05"],
        params: IacTools,
    }
}

params! {
    /// Parameters of PVD-CI-005.
    pub struct IacTools {
        /// Tools that count as infrastructure-as-code scanning in CI.
        ci_tools_iac: Vec<String> = Category::Iac.default_tools(),
        /// Require container scanning only with a Dockerfile and IaC scanning only
        /// with IaC in the repository.
        ci_coverage_only_when_relevant: bool = true,
    }
}

impl Check for NoIacScanning {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let p = cx.params::<IacTools>();
        if p.ci_coverage_only_when_relevant && !relevant(cx, Category::Iac) {
            return;
        }
        // hadolint reads Dockerfiles only: it covers a repository whose IaC they are,
        // not one with Terraform or Kubernetes manifests as well.
        if repo_has_iac_beyond_dockerfiles(cx) {
            let tools: Vec<String> = p
                .ci_tools_iac
                .iter()
                .filter(|t| !lints_dockerfiles_only(t))
                .cloned()
                .collect();
            judge(cx, out, Category::Iac, &tools);
        } else {
            judge(cx, out, Category::Iac, &p.ci_tools_iac);
        }
    }
}
