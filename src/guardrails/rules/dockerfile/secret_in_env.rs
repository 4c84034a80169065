
use paved_model::pattern::Gated;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Secret in ENV or ARG
    ///
    /// ## Why it matters
    /// ENV values and build arguments are stored in the image configuration and history:
    /// anyone who can pull the image can read them.
    ///
    /// ## How to fix it
    /// Pass secrets at run time (mounted files, a secret manager) or at build time with
    /// `RUN --mount=type=secret`; rotate the exposed value.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: readable by anyone who pulls the image
    /// ENV DB_PASSWORD=hunter2
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # the secret is mounted at run time; only its path is in the image
    /// ENV DB_PASSWORD_FILE=/run/secrets/db_password
    /// ```
    pub struct SecretInEnv {
        id: "PVD-DOCKER-006",
        severity: Critical,
        references: ["hadolint:DL3064", "trivy:DS-0031", "cis-docker:4.10"],
    }
}

// Each pattern is tried only on a key or value holding one of the literals every
// match of it contains (compiling them was most of what this rule cost).
static SECRET_NAME: Gated = Gated::ignore_ascii_case(
    r"(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY)",
    &[
        "password", "passwd", "secret", "token", "api_key", "apikey", "private_key",
        "privatekey", "access_key", "accesskey", "credential", "auth_key", "authkey",
    ],
).for_short_texts();
static SECRET_NAME_EXEMPT: Gated = Gated::ignore_ascii_case(
    r"(?i)(_FILE|_PATH|_DIR|_URL|_URI|_ENDPOINT|_NAME|_ID|_ARN|_HEADER|_LENGTH|_TTL|_EXPIRY)$",
    &[
        "_file", "_path", "_dir", "_url", "_uri", "_endpoint", "_name", "_id", "_arn",
        "_header", "_length", "_ttl", "_expiry",
    ],
).for_short_texts();
static SECRET_VALUE: Gated = Gated::new(
    r"(AKIA|ASIA)[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY",
    &[
        "AKIA", "ASIA", "ghp_", "github_pat_", "glpat-", "xoxa-", "xoxb-", "xoxp-", "xoxr-",
        "xoxs-", "sk_live_", "-----BEGIN ",
    ],
).for_short_texts();

impl Check for SecretInEnv {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df
                .instructions()
                .iter()
                .filter(|i| i.is("ENV") || i.is("ARG"))
            {
                for (key, value) in ins.key_values() {
                    let Some(value) = value else { continue };
                    let literal = !value.trim().is_empty() && !value.trim_start().starts_with('$');
                    if SECRET_VALUE.is_match(&value) {
                        out.at(df.at(ins)).say(format!(
                            "{} `{key}` holds a value that looks like a credential",
                            ins.keyword
                        ));
                    } else if literal
                        && SECRET_NAME.is_match(&key)
                        && !SECRET_NAME_EXEMPT.is_match(&key)
                    {
                        out.at(df.at(ins))
                            .say(format!("{} `{key}` sets a secret to a literal value", ins.keyword));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, texts};

    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&[
            "DB_PASSWORD",
            "db_PassWd",
            "GITHUB_TOKEN_FILE",
            "aPiKeY",
            "\u{17F}ecret",
            "TO\u{212A}EN",
            "AUTH_KEY_ID",
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "-----BEGIN RSA PRIVATE KEY-----",
            "xoxb-1234567890-abc",
        ]);
        let n: usize = [&SECRET_NAME, &SECRET_NAME_EXEMPT, &SECRET_VALUE]
            .iter()
            .map(|g| assert_same_matches(g, &texts))
            .sum();
        assert!(n > 10, "{n}");
    }
}
