use super::pipeline::judge;
use crate::guardrails::ci_tools::Category;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CI does not audit its own workflows
    ///
    /// ## Why it matters
    /// Workflows are code that runs with the repository's secrets; template injection,
    /// unpinned actions and excessive permissions creep back in unless each change to them
    /// is audited. Opt-in: checked when param `ci_require_workflow_audit` is true.
    ///
    /// ## How to fix it
    /// Run zizmor (zizmorcore/zizmor-action) or actionlint on pull requests. Tools
    /// recognised: param `ci_tools_workflow_audit`.
    ///
    /// ## Example
    /// ```yaml
    /// # with ci_require_workflow_audit = true
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     steps:
    ///       # flagged: nothing audits .github/workflows
    ///       - run: cargo test
    /// ```
    /// ```yaml
    /// # with ci_require_workflow_audit = true
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     steps:
    ///       - run: cargo test
    ///       - run: zizmor --min-severity medium .github/workflows
    /// ```
    pub struct NoWorkflowAudit {
        id: "PVD-CI-008",
        severity: Medium,
        references: [],
        params: WorkflowAuditTools,
    }
}

params! {
    /// Parameters of PVD-CI-008.
    pub struct WorkflowAuditTools {
        /// Tools that count as CI workflow auditing, e.g. zizmor, actionlint.
        ci_tools_workflow_audit: Vec<String> = Category::WorkflowAudit.default_tools(),
        /// Require a workflow auditor in CI (PVD-CI-008 is opt-in).
        ci_require_workflow_audit: bool = false,
    }
}

impl Check for NoWorkflowAudit {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let p = cx.params::<WorkflowAuditTools>();
        if !p.ci_require_workflow_audit || cx.workflows().workflows().next().is_none() {
            return;
        }
        judge(cx, out, Category::WorkflowAudit, &p.ci_tools_workflow_audit);
    }
}
