use super::pipeline::{judge, relevant};
use crate::guardrails::ci_tools::Category;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pull-request pipeline runs no container image scanning
    ///
    /// ## Why it matters
    /// Base images and OS packages carry their own vulnerabilities; an image scan before
    /// push keeps known-vulnerable images out of the registry. Checked when the repository
    /// has a Dockerfile (param `ci_coverage_only_when_relevant`).
    ///
    /// ## How to fix it
    /// Scan the built image on pull requests: aquasecurity/trivy-action (scan-type image),
    /// anchore/scan-action, grype or docker scout. Tools recognised: param
    /// `ci_tools_container`.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   image:
    ///     steps:
    ///       # flagged: the image is built but never scanned
    ///       - run: docker build -t app:ci .
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   image:
    ///     steps:
    ///       - run: docker build -t app:ci .
    ///       - run: trivy image --exit-code 1 app:ci
    /// ```
    pub struct NoContainerScanning {
        id: "PVD-CI-004",
        severity: Medium,
        references: ["owasp-top10:A06"],
        params: ContainerTools,
    }
}

params! {
    /// Parameters of PVD-CI-004.
    pub struct ContainerTools {
        /// Tools that count as container image scanning in CI.
        ci_tools_container: Vec<String> = Category::Container.default_tools(),
        /// Require container scanning only with a Dockerfile and IaC scanning only
        /// with IaC in the repository.
        ci_coverage_only_when_relevant: bool = true,
    }
}

impl Check for NoContainerScanning {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let p = cx.params::<ContainerTools>();
        if p.ci_coverage_only_when_relevant && !relevant(cx, Category::Container) {
            return;
        }
        judge(cx, out, Category::Container, &p.ci_tools_container);
    }
}
