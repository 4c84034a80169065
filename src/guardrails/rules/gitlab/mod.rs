//! GitLab CI rules (`PVD-GITLAB-NNN`): `.gitlab-ci.yml` and the local files it
//! includes.
//!
//! Decisions worth knowing:
//! - Files, jobs, hidden templates and includes come from the GitLab view
//!   (`paved_model::gitlab`); whether a job runs a scanner, and whether that scanner
//!   can fail, is the shared scanner knowledge of `guardrails::ci_tools`.
//! - Keywords are read wherever GitLab reads them: the top level, `default:`, jobs and
//!   hidden `.template` jobs. Merge keys (`<<: *base`) make one node reachable from
//!   several jobs; each line is reported once.
//! - One cause, one finding: a scanner job that cannot fail is PVD-GITLAB-002's, at
//!   the `allow_failure:` key or the command to fix; the CI coverage rule of its
//!   category stays quiet about it (see `ci_coverage`).
//! - Severities follow the rubric in docs/drift.md. Moved when the domain was
//!   converted: PVD-GITLAB-002 (scanner cannot fail) high → medium, it removes
//!   detection; PVD-GITLAB-004 (remote include) high → medium, the rubric's anchor for
//!   a remote CI include (one step, an upstream compromise, × CI secrets).
//!   PVD-GITLAB-003 grades each finding: an untrusted variable under `eval`/`sh -c`
//!   is script injection, high (one step: pushing to the project, or a maintainer
//!   running a fork's merge request pipeline in it, × CI secrets; not critical like
//!   PVD-GHA-006, because no outsider event runs the project's pipeline on its own);
//!   one that is only unquoted is word splitting and globbing, medium.
//! - PVD-GITLAB-003 leaves `CI_COMMIT_REF_NAME`/`CI_COMMIT_BRANCH`/`CI_COMMIT_REF_SLUG`
//!   alone in a job that `only:` runs for literal branch names (`only: [master@group/p]`):
//!   the value is one of those names, not one a pusher chose.
//! - Parameters: the `ci_tools_*` lists (PVD-GITLAB-002, shared with the CI coverage
//!   rules).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::GitlabCi;

register!("guardrails/rules/gitlab");

#[cfg(test)]
mod tests;
