use paved_model::shell::{has_word, program, program_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// TLS certificate verification disabled
    ///
    /// ## Why it matters
    /// With certificate checks off, anyone on the network path can substitute the
    /// downloaded packages, scripts or sources.
    ///
    /// ## How to fix it
    /// Remove `curl -k`, `wget --no-check-certificate`, `--trusted-host`,
    /// `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY` and similar; install the CA
    /// certificate you need instead.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: anyone on the network path can swap the download
    /// RUN curl -fsSLk -o /tmp/tool.tgz https://example.com/tool.tgz
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// COPY corp-ca.crt /usr/local/share/ca-certificates/
    /// RUN update-ca-certificates \
    ///  && curl -fsSL -o /tmp/tool.tgz https://example.com/tool.tgz
    /// ```
    pub struct TlsDisabled {
        id: "PVD-DOCKER-021",
        severity: Medium,
        references: ["checkov:CKV2_DOCKER_2", "checkov:CKV2_DOCKER_3", "checkov:CKV2_DOCKER_4", "checkov:CKV2_DOCKER_5", "checkov:CKV2_DOCKER_6", "checkov:CKV2_DOCKER_12"],
    }
}

/// What disables TLS verification, if anything, in one command.
fn tls_off(c: &[String]) -> Option<&'static str> {
    let p = program(c);
    let name = program_name(c);
    let words = p.iter().skip(1);
    match name {
        "curl" => {
            for w in words {
                if w == "--insecure"
                    || (w.starts_with('-') && !w.starts_with("--") && w[1..].contains('k'))
                {
                    return Some("curl --insecure");
                }
            }
            None
        }
        "wget" => has_word(p, "--no-check-certificate").then_some("wget --no-check-certificate"),
        "git" => (p
            .iter()
            .any(|w| w.eq_ignore_ascii_case("http.sslVerify=false"))
            || p.windows(2)
                .any(|w| w[0].eq_ignore_ascii_case("http.sslVerify") && w[1] == "false"))
        .then_some("git http.sslVerify false"),
        "npm" | "yarn" | "pnpm" => p
            .windows(2)
            .any(|w| w[0] == "strict-ssl" && w[1] == "false")
            .then_some("npm strict-ssl false"),
        n if n.starts_with("pip") || n.starts_with("python") => p
            .iter()
            .any(|w| w == "--trusted-host" || w.starts_with("--trusted-host="))
            .then_some("pip --trusted-host"),
        _ => None,
    }
}

fn tls_env(key: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    match key {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "PIP_TRUSTED_HOST" => !v.is_empty(),
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" => v == "false",
        _ => false,
    }
}

impl Check for TlsDisabled {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df.instructions() {
                if ins.is("ENV") || ins.is("ARG") {
                    for (k, v) in ins.key_values() {
                        if v.as_deref().is_some_and(|v| tls_env(&k, v)) {
                            out.at(df.at(ins)).say(format!(
                                "{} `{k}` disables TLS verification",
                                ins.keyword
                            ));
                        }
                    }
                }
            }
            for run in df.runs() {
                let found = run.commands().find_map(|c| {
                    tls_off(c).map(str::to_owned).or_else(|| {
                        c.iter().find_map(|w| {
                            let (k, v) = w.split_once('=')?;
                            tls_env(k, v).then(|| k.to_owned())
                        })
                    })
                });
                if let Some(what) = found {
                    out.at(df.at(run.ins))
                        .say(format!("`{what}` disables TLS verification"));
                }
            }
        }
    }
}
