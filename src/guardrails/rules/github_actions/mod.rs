//! GitHub Actions rules (`PVD-GHA-NNN`): workflows (`.github/workflows/*.yml`),
//! actions (`action.yml`) and dependabot configuration.
//!
//! Decisions worth knowing:
//! - Workflows, jobs, steps, triggers and what a step runs come from the workflows
//!   view (`paved_model::workflows`); which steps run a security scanner, and whether
//!   it can fail, is the shared scanner knowledge of `guardrails::ci_tools`.
//! - A reusable workflow started only by `on: workflow_call` runs with the token its
//!   caller grants, so PVD-GHA-002 and PVD-GHA-018 leave it alone; the caller's
//!   `permissions:` is what is judged.
//! - One cause, one finding: a workflow whose jobs lack `permissions:` is PVD-GHA-002's
//!   (one finding per job, at the job); PVD-GHA-018 speaks only when every job has its
//!   own block and just the workflow-level default is missing, so the two never fire
//!   for the same gap. A scanner step that cannot fail is PVD-GHA-012's, at the step
//!   to fix; the CI coverage rule of its category stays quiet about it (see
//!   `ci_coverage`).
//! - Severities follow the rubric in docs/drift.md. Moved when the domain was
//!   converted: PVD-GHA-001 (unpinned action) high → medium, an upstream compromise is
//!   one step away; PVD-GHA-003 (broad write permissions) high → medium, it widens
//!   what a compromised step gets (defence in depth, like PVD-GHA-002);
//!   PVD-GHA-012 (scanner cannot fail) high → medium, it removes detection;
//!   PVD-GHA-014 (registry password in the workflow) high → critical, a committed
//!   live credential. PR code run with secrets (PVD-GHA-005, PVD-GHA-006) stays
//!   critical.
//! - Scoped by what applies (precision sample, docs/drift.md): a workflow-level write
//!   grant in a workflow of one job (that keeps no block of its own) is that job's own
//!   grant, not PVD-GHA-003's; a scanner whose job later uploads SARIF with
//!   `github/codeql-action/upload-sarif` is gated by code scanning like CodeQL, not by
//!   its exit code, and is not PVD-GHA-012's.
//! - Parameters: `gha_unpinned_allowed` (PVD-GHA-001); the `ci_tools_*` lists
//!   (PVD-GHA-012, shared with the CI coverage rules).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::GithubActions;

register!("guardrails/rules/github_actions");

#[cfg(test)]
mod tests;
