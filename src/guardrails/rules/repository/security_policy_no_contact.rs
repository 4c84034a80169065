use paved_model::repo::security_policy;
use paved_model::Location;
use paved_model::pattern::Gated;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Security policy gives no way to report a vulnerability
    ///
    /// ## Why it matters
    /// A SECURITY.md without an e-mail address, a URL or a security advisories link
    /// leaves reporters with public issues as the only channel.
    ///
    /// ## How to fix it
    /// Name a private disclosure channel in SECURITY.md: a monitored e-mail address
    /// (security@…), a bug bounty or intake URL, or
    /// https://github.com/OWNER/REPO/security/advisories/new.
    ///
    /// ## Example
    /// ```markdown
    /// <!-- flagged: no e-mail address, URL or advisories link -->
    /// # Security
    /// Please tell us about vulnerabilities.
    /// ```
    /// ```markdown
    /// # Security
    /// Report vulnerabilities to security@acme.example (we answer within two days).
    /// ```
    pub struct SecurityPolicyNoContact {
        id: "PVD-REPO-002",
        severity: Low,
        references: ["scorecard:Security-Policy", "allstar:security"],
    }
}

// Compiled only for a policy holding the literal every match contains.
static URL: Gated = Gated::new(r"https?://[^\s<>()\[\]]+", &["http://", "https://"]);

fn has_contact(text: &str) -> bool {
    contains_email(text) || URL.is_match(text) || text.contains("security/advisories")
}

/// Whether `text` holds an e-mail address, a match of
/// `[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`, looked for at
/// each `@` instead of compiling that regex (a policy names its contact address, so
/// the regex was compiled in nearly every audit; the test compares the two).
fn contains_email(text: &str) -> bool {
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let label = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
    let letter = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphabetic);
    // Past the last byte of the run of `label` bytes starting at `from`.
    let run = |from: usize| from + b[from..].iter().take_while(|&&c| label(c)).count();
    memchr::memchr_iter(b'@', b).any(|at| {
        if at == 0 || !local(b[at - 1]) {
            return false;
        }
        let mut end = run(at + 1);
        if end == at + 1 {
            return false;
        }
        // Labels joined by dots; a dot followed by two letters ends the address.
        while b.get(end) == Some(&b'.') {
            if letter(end + 1) && letter(end + 2) {
                return true;
            }
            let next = run(end + 1);
            if next == end + 1 {
                return false;
            }
            end = next;
        }
        false
    })
}

impl Check for SecurityPolicyNoContact {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        // No policy at all is PVD-REPO-001's business.
        let Some(policy) = security_policy(cx.repo.model()) else {
            return;
        };
        let at = Location::file(&policy.path);
        match &policy.text {
            Some(text) if has_contact(text) => {}
            Some(_) => out.at(at).say(
                "the security policy names no e-mail address, URL or security advisories link",
            ),
            None => out
                .at(at)
                .say("the security policy is not readable text, so no contact can be found in it"),
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, strings_over, texts};

    /// The needles of each pattern are literals all its matches contain.
    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&["mail security@example.com", "see https://example.com/report", "http://x"]);
        let n = assert_same_matches(&URL, &texts);
        assert!(n >= 2, "{n}");
    }

    /// The address search finds an address exactly where the regex it replaces does:
    /// over every fixture line and file, and every string of up to six characters
    /// over the characters that decide a match.
    #[test]
    fn email_search_agrees_with_its_regex() {
        let re = regex::Regex::new(
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        )
        .unwrap();
        let mut all = texts(&[
            "mail security@example.com",
            "x@b.c1d.io",
            "x@b-.x-y.zz",
            "x@b.c",
            "x@.io",
            "@a.io",
            " @a.io",
            "x@a..io",
            "ſ@a.io x@ſ.io",
            "a@b.c9 d@e.fg",
        ]);
        all.extend(strings_over(&['a', '0', '.', '-', '@', ' ', '%'], 6));
        let mut found = 0;
        for text in &all {
            assert_eq!(contains_email(text), re.is_match(text), "{text:?}");
            found += usize::from(re.is_match(text));
        }
        assert!(found > 20, "{found}");
    }
}
