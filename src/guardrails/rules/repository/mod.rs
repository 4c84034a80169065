//! Repository hygiene rules (`PVD-REPO-NNN`): how vulnerabilities get reported
//! (SECURITY.md), who must review a change (CODEOWNERS), how dependencies stay
//! current (Dependabot, Renovate, lockfiles) and what must never be committed
//! (.gitignore, .env files). They look at which files exist and at a few small
//! policy files; the secrets in file contents are the secrets domain's business.
//!
//! Decisions worth knowing:
//! - Severities follow docs/drift.md's rubric. A missing or contact-less SECURITY.md
//!   and a missing, catch-all-less or malformed CODEOWNERS are defence in depth with
//!   limited impact: **low** (they were medium before the rubric). Missing dependency
//!   updates and lockfiles stay **medium**: like an unpinned action they leave the
//!   door open to a known-vulnerable or compromised upstream (one step × the build).
//!   A weak .gitignore is **low**.
//! - PVD-REPO-010 (`.env` committed) is **medium**, not high: the file itself is
//!   information and hygiene; a credential inside it is reported by the secret rules
//!   at their own severity (critical for a cloud key). A `.env` holding only
//!   comments, empty values and stand-ins (`changeme`, `<your-key>`, `${VAR}`,
//!   `xxx`, `example`) is a template under another name and is not reported: there
//!   is nothing in it to rotate, and PVD-REPO-009 already asks .gitignore to keep
//!   the real one out. Neither is one whose only real values are settings (ports,
//!   regions, user names): the rule needs a real value under a credential or
//!   connection-string name (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*KEY*`, `*URL*`,
//!   `*DSN*`, …), which is what makes a committed `.env` worth removing. A name that
//!   says the value is public (`*_PUBLIC_KEY`, `NEXT_PUBLIC_*`, `*PUBLISHABLE*`) and a
//!   URL with no `user:password@` and no key or token in its query are not such values
//!   (a front end's `.env.production` of endpoints is not reported).
//! - The security policy, CODEOWNERS and dependabot files are found where GitHub
//!   looks for them (`paved_model::repo`), in GitHub's order of preference; a
//!   SECURITY.md in a sub-directory does not count.
//! - Findings about a missing file point at the path where it should be (the one the
//!   blueprint recorded, when it did), so a waiver or a review comment has a file.

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Repository;

register!("guardrails/rules/repository");

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) use tests::golden_files;
