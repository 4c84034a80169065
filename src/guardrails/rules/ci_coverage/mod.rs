//! CI coverage rules (`PVD-CI-NNN`): the pipeline that runs on pull requests must run
//! each kind of security scanner.
//!
//! Decisions worth knowing:
//! - The pipeline is the GitHub workflows that run on `pull_request` (all workflows
//!   when none does, and then the message says "CI"), followed into the local reusable
//!   workflows and composite actions they call, plus every GitLab CI file. What a step
//!   or job runs, and which scanner that is, is the shared scanner knowledge of
//!   `guardrails::ci_tools`; `pipeline.rs` is this domain's support module (it declares
//!   no rule).
//! - Tool names alone over-count: an SBOM step (trivy `--format cyclonedx|spdx`, syft,
//!   cyclonedx-py, cyclonedx-npm, cargo-cyclonedx, cdxgen, `docker sbom`,
//!   docker/build-push-action with `sbom: true`) is SBOM generation (PVD-CI-006), never
//!   dependency scanning (PVD-CI-002), in every ecosystem and in GitHub and GitLab alike.
//! - One cause, one finding: a scanner that runs but cannot fail (`continue-on-error`,
//!   `allow_failure`, `|| true`, exit code 0 on findings) is reported by PVD-GHA-012 or
//!   PVD-GITLAB-002 at the step or job to fix; the coverage rule of its category stays
//!   quiet instead of repeating it at the workflow's `on:` line. When the audit does
//!   not run that rule (the profile turns it off, or `select`s only coverage rules),
//!   the coverage rule reports the gap itself, at that step ("no … step can fail the
//!   build"): turning off the per-step report is not accepting a pipeline with no
//!   enforced scanner. A waiver of the per-step finding keeps it in the report (as
//!   waived), so the coverage rule stays quiet then.
//! - A pipeline file that cannot be parsed is not "no CI": PVD-CI-000 stays quiet,
//!   PVD-AUDIT-001 reports the parse error, and a coverage rule that finds no scanner
//!   in the readable files says which files it could not judge. When no CI file could
//!   be read at all, the coverage rules stay quiet: six "not judged" findings for one
//!   syntax error were noise, and the engine's PVD-AUDIT-001 finding on the first
//!   unreadable file says once (in its detail) that coverage was not judged. PVD-CI-007
//!   stays quiet when an unreadable workflow might be the one that runs on pull
//!   requests.
//! - Severities follow the rubric in docs/drift.md: a missing scanner removes
//!   detection (defence in depth), so PVD-CI-001..004 moved high → medium, as did
//!   PVD-CI-000 (no CI at all) and PVD-CI-007 (CI only after the merge), which remove
//!   every check at once but still only detection. PVD-CI-006 (no SBOM) stays low.
//! - Scanners recognised beyond the obvious ones (each seen on real repositories):
//!   bundler-audit and `composer audit` (SCA), brakeman and gosec (SAST), hadolint (IaC:
//!   a Dockerfile counts as IaC, so its linter counts as IaC scanning).
//! - Parameters: each category rule reads its own `ci_tools_*` list;
//!   `ci_coverage_only_when_relevant` (PVD-CI-004, 005) and `ci_require_workflow_audit`
//!   (PVD-CI-008).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

mod pipeline;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::CiCoverage;

register!("guardrails/rules/ci_coverage");

#[cfg(test)]
mod tests;
