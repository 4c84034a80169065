use std::sync::LazyLock;

use regex::Regex;

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

static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY)")
        .expect("static regex")
});
static SECRET_NAME_EXEMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(_FILE|_PATH|_DIR|_URL|_URI|_ENDPOINT|_NAME|_ID|_ARN|_HEADER|_LENGTH|_TTL|_EXPIRY)$",
    )
    .expect("static regex")
});
static SECRET_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(AKIA|ASIA)[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY")
        .expect("static regex")
});

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
