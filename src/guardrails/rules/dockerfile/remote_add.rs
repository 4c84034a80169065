use paved_model::docker::{copy_sources, is_url};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// ADD fetches a remote URL
    ///
    /// ## Why it matters
    /// Remote ADD downloads without checksum or signature verification, so whoever controls
    /// the URL (or the network path) controls what lands in the image.
    ///
    /// ## How to fix it
    /// Download with `curl --fail` and verify a checksum in a `RUN`, or use `ADD
    /// --checksum=sha256:…`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: whatever the server returns lands in the image
    /// ADD https://example.com/tool-1.4.2.tar.gz /opt/
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// ADD --checksum=sha256:4f9d3e8c2a1b0f6e5d4c3b2a19f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c https://example.com/tool-1.4.2.tar.gz /opt/
    /// ```
    pub struct RemoteAdd {
        id: "PVD-DOCKER-007",
        severity: Medium,
        references: ["hadolint:DL3020", "checkov:CKV_DOCKER_4", "trivy:DS-0005", "cis-docker:4.9"],
    }
}

impl Check for RemoteAdd {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df.instructions_named("ADD") {
                if ins.flag("checksum").is_some() {
                    continue;
                }
                if let Some(url) = copy_sources(ins).into_iter().find(|s| is_url(s)) {
                    out.at(df.at(ins))
                        .say(format!("ADD downloads `{url}` without verification"));
                }
            }
        }
    }
}
