
use paved_model::docker::DockerfileView;
use paved_model::pattern::Gated;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Secret in ENV or ARG
    ///
    /// ## Why it matters
    /// ENV values and build arguments are stored in the image configuration and history:
    /// anyone who can pull the image can read them.
    ///
    /// A secret passed as a build argument leaks the same way once it is built with
    /// the real value: `ENV API_KEY=${API_KEY}` copies it into the image configuration,
    /// and a `RUN` that expands it records it in the image history (`docker history`
    /// shows the arguments a `RUN` used). Docker's own build check
    /// (`SecretsUsedInArgOrEnv`) warns about both.
    ///
    /// ## How to fix it
    /// Pass secrets at run time (mounted files, a secret manager) or at build time with
    /// `RUN --mount=type=secret`; rotate the exposed value.
    ///
    /// ## Severity
    /// Critical for a literal secret, which every copy of the Dockerfile and image
    /// carries. High for a secret build argument copied into `ENV` or expanded by a
    /// `RUN`: it leaks only from images built with the real value (uptime-kuma's
    /// `ARG GITHUB_TOKEN` used to upload release assets).
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

/// Whether `text` expands the variable `name` (`$NAME`, `${NAME}`, `${NAME:-…}`).
fn expands(text: &str, name: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let braced = rest.strip_prefix('{');
        let word = braced.unwrap_or(rest);
        if let Some(after) = word.strip_prefix(name) {
            let next = after.chars().next();
            let ends = match braced {
                Some(_) => matches!(next, Some('}' | ':' | '-' | '+' | '?')),
                None => !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_'),
            };
            if ends {
                return true;
            }
        }
    }
    false
}

/// Secret-named build arguments without a literal value (the builder passes it),
/// copied into `ENV` or expanded by a `RUN` of their stage.
fn secret_build_args(df: &DockerfileView<'_>, out: &mut Emitter<'_>) {
    let instructions = df.instructions();
    for arg in instructions.iter().filter(|i| i.is("ARG") && i.stage.is_some()) {
        for (name, value) in arg.key_values() {
            let passed = passed(value.as_deref());
            if !passed || !SECRET_NAME.is_match(&name) || SECRET_NAME_EXEMPT.is_match(&name) {
                continue;
            }
            let later = instructions
                .iter()
                .filter(|i| i.stage == arg.stage && i.line > arg.line);
            for ins in later {
                if ins.is("ENV") {
                    for (key, v) in ins.key_values() {
                        if v.as_deref().is_some_and(|v| expands(v, &name)) {
                            out.at(df.at(ins)).severity(Severity::High).say(format!(
                                "ENV `{key}` copies the secret build argument `{name}` into the image configuration, where anyone who pulls the image reads it"
                            ));
                        }
                    }
                } else if ins.is("RUN") && expands(&ins.args, &name) {
                    out.at(df.at(arg)).severity(Severity::High).say(format!(
                        "build argument `{name}` is a secret expanded by the RUN on line {}: its value is recorded in the image history; use `RUN --mount=type=secret`",
                        ins.line
                    ));
                    break;
                }
            }
        }
    }
}

/// `None`, empty or a `$` reference: a value the builder passes, not a literal.
fn passed(value: Option<&str>) -> bool {
    value.map_or(true, |v| {
        v.trim().is_empty() || v.trim_start().starts_with('$')
    })
}

impl Check for SecretInEnv {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            secret_build_args(df, out);
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

#[cfg(test)]
mod tests {
    use super::expands;

    #[test]
    fn expansion_of_a_build_argument() {
        assert!(expands("x=$TOKEN y", "TOKEN"));
        assert!(expands("${TOKEN}", "TOKEN"));
        assert!(expands("${TOKEN:-none}", "TOKEN"));
        assert!(expands("a$TOKEN", "TOKEN"));
        assert!(!expands("$TOKEN_FILE", "TOKEN"));
        assert!(!expands("${TOKENS}", "TOKEN"));
        assert!(!expands("TOKEN", "TOKEN"));
    }
}
