use paved_model::secrets::{
    entropy, is_placeholder, looks_like_aws_secret, mask, AWS_KEY_ID, AWS_SECRET,
};
use paved_model::pattern::Gated;

use super::assignments::KeyWords;
use super::scan::{scanned, PerValue, SecretParams};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// AWS access key committed
    ///
    /// ## Why it matters
    /// A long-lived AWS access key in the repository gives whoever reads it the
    /// permissions of its IAM user; leaked keys are harvested from public and
    /// private repositories within minutes and used for data theft and crypto-mining.
    ///
    /// ## How to fix it
    /// Deactivate and delete the key in IAM now, review CloudTrail for its use,
    /// remove it from the repository, and use short-lived credentials (IAM roles,
    /// OIDC federation from CI) instead of access keys.
    ///
    /// ## Example
    /// ```sh
    /// # flagged: a secret access key exported in a deploy script
    /// export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfi…
    /// ```
    /// ```yaml
    /// # CI assumes a role through OIDC instead
    /// - uses: aws-actions/configure-aws-credentials@v4
    ///   with:
    ///     role-to-assume: arn:aws:iam::123456789012:role/deploy
    /// ```
    pub struct AwsAccessKey {
        id: "PVD-SECRET-002",
        severity: Critical,
        references: ["checkov:CKV_SECRET_2", "trivy:aws-access-key-id", "gitleaks:aws-access-token"],
        params: SecretParams,
    }
}

/// A secret access key assigned by name: shell `export`, `ENV`/`RUN` in a Dockerfile,
/// an env file, YAML, JSON, HCL or an ini-style credentials file.
/// Compiled and run only for a text holding `secret` in some ASCII case (see
/// [`may_name_secret`]).
static NAMED_SECRET: Gated = Gated::ignore_ascii_case(
    r#"(?i)\b(aws_secret_access_key|aws_secret_key|secret_access_key|secretaccesskey)\b["']?\s*(?::=|=|:)?\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
    &["secret"],
);

/// Each credential key word (of PVD-SECRET-004's list) inside one of the key names
/// [`NAMED_SECRET`] accepts (each holds `secret_access_key`, `secretaccesskey` or
/// `aws_secret_key` in some ASCII case): (word, where it starts in the name, name).
const WORDS_IN_NAMES: [(&str, usize, &str); 5] = [
    ("secret", 0, "secret_access_key"),
    ("access_key", 7, "secret_access_key"),
    ("secret", 0, "secretaccesskey"),
    ("accesskey", 6, "secretaccesskey"),
    ("secret", 4, "aws_secret_key"),
];

/// Whether `text` may hold a match of [`NAMED_SECRET`]: whether it holds one of the
/// names in some ASCII case (or a character that folds into ASCII), answered from
/// its credential key words, which PVD-SECRET-004 needs too and are found once per
/// audit. Each occurrence of a name holds a key word the leftmost-first search
/// reports: `secret` (only `passphrase` can end inside it, and never inside
/// `aws_secret_key`), else the `access_key` or `accesskey` that follows it; so the
/// names are compared only around those words. This replaced a `memchr2` pass for
/// `k`/`K` over every file checking the names that would end there (~0.6 M
/// instructions a service: `token`, `key` and `checksum` are everywhere).
fn may_name_secret(text: &str, words: &KeyWords) -> bool {
    let Some(words) = words.found() else {
        return true;
    };
    let bytes = text.as_bytes();
    words.iter().any(|w| {
        let word = &bytes[w.clone()];
        WORDS_IN_NAMES.iter().any(|&(key_word, at, name)| {
            word.eq_ignore_ascii_case(key_word.as_bytes())
                && w.start >= at
                && bytes
                    .get(w.start - at..w.start - at + name.len())
                    .is_some_and(|b| b.eq_ignore_ascii_case(name.as_bytes()))
        })
    })
}

impl Check for AwsAccessKey {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for s in scanned(cx) {
            let (f, text) = (s.file, s.text);
            let mut found = PerValue::new(f, text);
            // Lines holding the secret of a key id already reported.
            let mut paired = Vec::new();
            let ids = s.may_match(&AWS_KEY_ID).then(|| AWS_KEY_ID.regex().find_iter(text));
            for m in ids.into_iter().flatten() {
                let id = m.as_str();
                if is_placeholder(id) || entropy(&id[4..]) < 2.5 {
                    continue;
                }
                let window = found.around(m.start(), 3);
                let secret_line = AWS_SECRET
                    .captures_iter(&text[window.clone()])
                    .filter_map(|c| c.get(1))
                    .find(|s| looks_like_aws_secret(s.as_str()))
                    .map(|s| found.line_of(window.start + s.start()));
                paired.extend(secret_line);
                found.add(id, m.start(), || match secret_line {
                    Some(l) => format!(
                        "AWS access key id {} with what looks like its secret access key on line {l}",
                        mask(id)
                    ),
                    None => format!("AWS access key id {}", mask(id)),
                });
                if let Some(l) = secret_line {
                    found.spanning(id, l);
                }
            }
            let named = may_name_secret(text, &s.key_words(cx))
                .then(|| NAMED_SECRET.regex().captures_iter(text));
            for c in named.into_iter().flatten() {
                let (Some(name), Some(secret)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                if !looks_like_aws_secret(secret.as_str())
                    || paired.contains(&found.line_of(secret.start()))
                {
                    continue;
                }
                found.add(secret.as_str(), secret.start(), || {
                    format!(
                        "AWS secret access key assigned to `{}`: {}",
                        name.as_str(),
                        mask(secret.as_str())
                    )
                });
            }
            found.emit(out);
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, texts};
    use paved_model::pattern::folds_into_ascii;

    use super::super::assignments::KEY_WORD_LITERALS;

    /// The needles of each pattern are literals all its matches contain.
    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&["export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_\u{17F}ecret_key: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"", "SecretAccessKey = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);
        let n: usize = [&NAMED_SECRET]
            .iter()
            .map(|g| assert_same_matches(g, &texts))
            .sum();
        assert!(n >= 3, "{n}");
        for t in &texts {
            assert!(!NAMED_SECRET.regex().is_match(t) || may_name(t), "{t:?}");
        }
        // Exactly the three names in any ASCII case (or a text that folds into ASCII).
        for t in [
            "SECRET_ACCESS_KEY=x",
            "SecretAccessKey",
            "AWS_Secret_Key",
            "aws_secret_ke",
            "secret_key",
            "k",
            "key",
            "secrets.TOKEN",
            "a secretaccesskeys b",
            "\u{17F}ecret",
            "é aws_secret_key",
        ] {
            let lower = t.to_ascii_lowercase();
            let named = ["secret_access_key", "secretaccesskey", "aws_secret_key"]
                .iter()
                .any(|n| lower.contains(n));
            assert_eq!(may_name(t), named || folds_into_ascii(t), "{t:?}");
        }
    }

    fn may_name(text: &str) -> bool {
        may_name_secret(text, &KeyWords::of(text, &mut Vec::new()))
    }

    /// What [`may_name_secret`] replaced: the names checked at every `k`.
    fn may_name_by_scan(text: &str) -> bool {
        const NAMES: [&[u8]; 3] = [b"secret_access_key", b"secretaccesskey", b"aws_secret_key"];
        if folds_into_ascii(text) {
            return true;
        }
        let bytes = text.as_bytes();
        memchr::memchr2_iter(b'k', b'K', bytes).any(|at| {
            let end = at + "key".len();
            NAMES.iter().any(|name| {
                end >= name.len()
                    && bytes
                        .get(end - name.len()..end)
                        .is_some_and(|b| b.eq_ignore_ascii_case(name))
            })
        })
    }

    #[test]
    fn the_table_holds_every_key_word_of_every_name() {
        let mut table = Vec::new();
        for name in ["secret_access_key", "secretaccesskey", "aws_secret_key"] {
            for word in KEY_WORD_LITERALS {
                for (at, _) in name.match_indices(word) {
                    table.push((word, at, name));
                }
            }
        }
        table.sort_unstable();
        let mut written = WORDS_IN_NAMES.to_vec();
        written.sort_unstable();
        assert_eq!(table, written);
    }

    #[test]
    fn the_key_words_answer_as_the_scan_did() {
        for t in texts(&[]) {
            assert_eq!(may_name(&t), may_name_by_scan(&t), "{t:?}");
        }
        // Random texts of the pieces that make or break a name, in several cases.
        const PIECES: &[&str] = &[
            "secret", "SECRET", "Secret", "_access_key", "_ACCESS_KEY", "accesskey", "AccessKey",
            "access-key", "aws_", "AWS_", "_key", "Key", "passphra", "passphrase", "PassPhrase",
            "se", "cret", "s", "_", "x", " ", "\n", "token", "é", "\u{17F}", "\u{212A}",
        ];
        let mut next = paved_model::samples::below(0x2545_f491_4f6c_dd1d);
        let mut named = 0;
        for _ in 0..20_000 {
            let text: String = (0..1 + next(12)).map(|_| PIECES[next(PIECES.len())]).collect();
            let expected = may_name_by_scan(&text);
            named += usize::from(expected);
            assert_eq!(may_name(&text), expected, "{text:?}");
        }
        assert!(named > 500, "only {named} texts name a secret key");
    }
}
