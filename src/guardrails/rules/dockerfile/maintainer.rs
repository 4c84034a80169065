use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// MAINTAINER is deprecated
    ///
    /// ## Why it matters
    /// MAINTAINER has been deprecated since Docker 1.13 and tools that read OCI labels
    /// ignore it, so ownership metadata is lost.
    ///
    /// ## How to fix it
    /// Use `LABEL org.opencontainers.image.authors="team@example.com"`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: ignored by tools that read OCI labels
    /// MAINTAINER team@example.com
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// LABEL org.opencontainers.image.authors="team@example.com"
    /// ```
    pub struct Maintainer {
        id: "PVD-DOCKER-020",
        severity: Info,
        references: ["hadolint:DL4000", "checkov:CKV_DOCKER_6"],
    }
}

impl Check for Maintainer {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df.instructions_named("MAINTAINER") {
                out.at(df.at(ins))
                    .say("MAINTAINER is deprecated; use an OCI authors label");
            }
        }
    }
}
