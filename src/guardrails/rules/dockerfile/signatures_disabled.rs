use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Package signature verification disabled
    ///
    /// ## Why it matters
    /// Installing unsigned or unauthenticated packages accepts anything a mirror or
    /// attacker serves.
    ///
    /// ## How to fix it
    /// Remove `--allow-unauthenticated`, `--force-yes`, `--nogpgcheck`, `--allow-untrusted`
    /// and `gpgcheck=0`; import the repository's signing key instead.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: accepts whatever a mirror serves
    /// RUN apt-get update && apt-get install -y --allow-unauthenticated curl
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    pub struct SignaturesDisabled {
        id: "PVD-DOCKER-022",
        severity: Medium,
        references: ["checkov:CKV2_DOCKER_7", "checkov:CKV2_DOCKER_8", "checkov:CKV2_DOCKER_9", "checkov:CKV2_DOCKER_10", "checkov:CKV2_DOCKER_11"],
    }
}

const FLAGS: &[&str] = &[
    "--allow-unauthenticated",
    "--allow-insecure-repositories",
    "--force-yes",
    "--nogpgcheck",
    "--no-gpg-checks",
    "--allow-untrusted",
    "--nosignature",
    "--skip-broken-signature",
];

impl Check for SignaturesDisabled {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for run in df.runs() {
                let found = run.commands().flatten().find_map(|w| {
                    FLAGS
                        .iter()
                        .find(|f| w == *f || w.starts_with(&format!("{f}=")))
                        .map(|f| (*f).to_owned())
                        .or_else(|| {
                            let l = w.to_ascii_lowercase().replace(' ', "");
                            (l.contains("gpgcheck=0")
                                || l.contains("allowunauthenticated\"true")
                                || l.contains("allowunauthenticated=true"))
                            .then(|| w.clone())
                        })
                });
                if let Some(what) = found {
                    out.at(df.at(run.ins))
                        .say(format!("`{what}` disables package signature checks"));
                }
            }
        }
    }
}
