use paved_model::repo::{codeowners, is_valid_owner, owners_lines};
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CODEOWNERS line is not valid
    ///
    /// ## Why it matters
    /// GitHub skips CODEOWNERS lines it cannot parse, so the paths on such a line
    /// lose their required reviewers without any error at merge time.
    ///
    /// ## How to fix it
    /// Write each line as a path pattern followed by owners of the form @user,
    /// @org/team or an e-mail address; CODEOWNERS patterns do not support `!`
    /// negation or `[ ]` character ranges.
    ///
    /// ## Example
    /// ```text
    /// * @acme/payments
    /// # flagged: `acme-platform` is not @user, @org/team or an e-mail address
    /// /deploy/ acme-platform
    /// ```
    /// ```text
    /// * @acme/payments
    /// /deploy/ @acme/platform
    /// ```
    pub struct CodeownersSyntax {
        id: "PVD-REPO-005",
        severity: Low,
        references: ["allstar:codeowners"],
    }
}

impl Check for CodeownersSyntax {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let Some(file) = codeowners(cx.repo.model()) else {
            return;
        };
        let Some(text) = &file.text else {
            return;
        };
        for line in owners_lines(text) {
            let at = Location {
                file: &file.path,
                line: Some(line.line),
            };
            if line.pattern.starts_with('!') {
                out.at(at).say(format!(
                    "pattern `{}` uses `!` negation, which CODEOWNERS does not support",
                    line.pattern
                ));
                continue;
            }
            if line.pattern.contains('[') {
                out.at(at).say(format!(
                    "pattern `{}` uses a `[ ]` character range, which CODEOWNERS does not support",
                    line.pattern
                ));
                continue;
            }
            let bad: Vec<&str> = line
                .owners
                .iter()
                .copied()
                .filter(|o| !is_valid_owner(o))
                .collect();
            if !bad.is_empty() {
                out.at(at).say(format!(
                    "owner {} is not @user, @org/team or an e-mail address",
                    bad.iter()
                        .map(|o| format!("`{}`", truncate(o, 60)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}
