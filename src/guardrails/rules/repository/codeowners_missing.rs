use std::path::Path;

use paved_model::repo::{codeowners, CODEOWNERS_PATHS};
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// No CODEOWNERS file
    ///
    /// ## Why it matters
    /// Without code owners, branch protection cannot require a review from the team
    /// responsible for a change, so changes to CI, infrastructure or authentication
    /// code can merge without the people who understand their security impact.
    ///
    /// ## How to fix it
    /// Add .github/CODEOWNERS (or CODEOWNERS, docs/CODEOWNERS) with a catch-all line
    /// such as `* @acme/payments` and require code-owner review on the default branch.
    ///
    /// ## Example
    /// ```text
    /// # flagged: no CODEOWNERS in .github/, at the root or in docs/
    /// .github/workflows/ci.yml
    /// ```
    /// ```text
    /// .github/workflows/ci.yml
    /// .github/CODEOWNERS        # "* @acme/payments"
    /// ```
    pub struct CodeownersMissing {
        id: "PVD-REPO-003",
        severity: Low,
        references: ["allstar:codeowners"],
    }
}

impl Check for CodeownersMissing {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        if codeowners(cx.repo.model()).is_some() {
            return;
        }
        // Point at the file the repository's blueprint placed, when it recorded one, so
        // the finding lands where the file went missing.
        let recorded = cx.repo.provenance().and_then(|p| {
            CODEOWNERS_PATHS
                .iter()
                .find(|c| p.managed.iter().chain(&p.seeded).any(|f| f == *c))
        });
        out.at(Location::file(Path::new(
            recorded.copied().unwrap_or(".github/CODEOWNERS"),
        )))
        .say("no CODEOWNERS in .github/, at the root or in docs/");
    }
}
