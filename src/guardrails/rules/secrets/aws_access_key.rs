use paved_model::secrets::{
    entropy, is_placeholder, looks_like_aws_secret, mask, AWS_KEY_ID, AWS_SECRET,
};
use paved_model::pattern::{folds_into_ascii, Gated};

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

/// Whether `text` may hold a match of [`NAMED_SECRET`]: every key name it accepts
/// holds `secret_access_key`, `secretaccesskey` or `aws_secret_key` in some ASCII
/// case, and each of those ends in `key`. One `memchr2` pass for `k`/`K`, checking
/// the names that would end there: `k` is far rarer than the `s` this searched for
/// before (hash-filled lock and requirements files hold none), and an aho-corasick
/// search ignoring ASCII case cost several times more. Gating on `secret` alone
/// compiled the pattern (~2 M instructions) for most services, whose workflows name
/// `secrets.`.
fn may_name_secret(text: &str) -> bool {
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
            let named = may_name_secret(text).then(|| NAMED_SECRET.regex().captures_iter(text));
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
            assert!(!NAMED_SECRET.regex().is_match(t) || may_name_secret(t), "{t:?}");
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
            assert_eq!(may_name_secret(t), named || folds_into_ascii(t), "{t:?}");
        }
    }
}
