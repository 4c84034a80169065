use paved_model::repo::{codeowners, is_catch_all, is_valid_owner, owners_lines};
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CODEOWNERS has no catch-all owner
    ///
    /// ## Why it matters
    /// Files matched by no CODEOWNERS pattern have no required reviewer: new
    /// directories (workflows, Terraform, Kubernetes manifests) silently escape review.
    ///
    /// ## How to fix it
    /// Put a catch-all line such as `* @acme/payments` first in CODEOWNERS; more
    /// specific patterns below it override it.
    ///
    /// ## Example
    /// ```text
    /// # flagged: files outside /src/ have no owner
    /// /src/ @acme/payments
    /// ```
    /// ```text
    /// * @acme/payments
    /// /deploy/ @acme/platform
    /// ```
    pub struct CodeownersNoCatchAll {
        id: "PVD-REPO-004",
        severity: Low,
        references: ["allstar:codeowners"],
    }
}

impl Check for CodeownersNoCatchAll {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let Some(file) = codeowners(cx.repo.model()) else {
            return;
        };
        let at = Location::file(&file.path);
        let Some(text) = &file.text else {
            out.at(at).say("CODEOWNERS is not readable text");
            return;
        };
        let covered = owners_lines(text)
            .iter()
            .any(|l| is_catch_all(&l.pattern) && l.owners.iter().any(|o| is_valid_owner(o)));
        if !covered {
            out.at(at).say(
                "no `*` line with an owner: files outside the listed patterns have no required reviewer",
            );
        }
    }
}
