use paved_model::docker::{copy_sources, is_archive, is_url};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// ADD used where COPY suffices
    ///
    /// ## Why it matters
    /// ADD silently extracts archives and fetches URLs; for plain local files that magic
    /// only widens what a changed build context can do.
    ///
    /// ## How to fix it
    /// Use `COPY` for local files; keep `ADD` for local tar archives that must be
    /// extracted.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: plain files need no ADD magic
    /// ADD config.yaml /etc/app/config.yaml
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// COPY config.yaml /etc/app/config.yaml
    /// # extracting a local archive is what ADD is for
    /// ADD rootfs.tar.gz /
    /// ```
    pub struct AddInsteadOfCopy {
        id: "PVD-DOCKER-008",
        severity: Low,
        references: ["hadolint:DL3020", "checkov:CKV_DOCKER_4", "cis-docker:4.9"],
    }
}

impl Check for AddInsteadOfCopy {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df.instructions_named("ADD") {
                let sources = copy_sources(ins);
                if sources.is_empty() || sources.iter().any(|s| is_url(s) || is_archive(s)) {
                    continue;
                }
                out.at(df.at(ins)).say("ADD copies local files; use COPY");
            }
        }
    }
}
