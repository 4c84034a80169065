use paved_model::docker::copy_sources;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Key or credentials file copied into the image
    ///
    /// ## Why it matters
    /// Private keys, .env files and credential files copied into a layer stay readable by
    /// anyone who pulls the image, even if a later step deletes them.
    ///
    /// ## How to fix it
    /// Mount secrets at build time with `RUN --mount=type=secret` or at run time; keep such
    /// files out of the build context with .dockerignore.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: the key stays in this layer for good
    /// COPY id_ed25519 /root/.ssh/id_ed25519
    /// RUN git clone git@github.com:acme/private.git
    /// ```
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1
    /// FROM debian:12-slim
    /// RUN --mount=type=ssh git clone git@github.com:acme/private.git
    /// ```
    pub struct SecretFileCopied {
        id: "PVD-DOCKER-023",
        severity: High,
        references: ["trivy:DS-0031", "cis-docker:4.10"],
    }
}

fn sensitive_file(path: &str) -> bool {
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    if name == ".env" {
        return true;
    }
    if let Some(suffix) = name.strip_prefix(".env.") {
        return !matches!(
            suffix,
            "example" | "sample" | "template" | "dist" | "defaults"
        );
    }
    matches!(
        name.as_str(),
        "id_rsa"
            | "id_dsa"
            | "id_ecdsa"
            | "id_ed25519"
            | ".netrc"
            | ".pypirc"
            | ".npmrc"
            | ".git-credentials"
            | "credentials"
            | ".ssh"
            | ".aws"
            | ".kube"
            | "terraform.tfstate"
    ) || [".key", ".p12", ".pfx", ".jks", ".keystore", ".tfstate"]
        .iter()
        .any(|e| name.ends_with(e))
        || (name.ends_with(".pem") && (name.contains("key") || name.contains("priv")))
}

impl Check for SecretFileCopied {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df.instructions() {
                if !(ins.is("COPY") || ins.is("ADD")) || ins.flag("from").is_some() {
                    continue;
                }
                if let Some(src) = copy_sources(ins).into_iter().find(|s| sensitive_file(s)) {
                    out.at(df.at(ins))
                        .say(format!("`{src}` is copied into the image"));
                }
            }
        }
    }
}
