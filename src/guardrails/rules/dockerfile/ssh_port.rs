use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// SSH port 22 exposed
    ///
    /// ## Why it matters
    /// An SSH daemon in a container is a second, credential-based way in that bypasses the
    /// orchestrator's access control and audit.
    ///
    /// ## How to fix it
    /// Remove `EXPOSE 22` and the SSH server; use `kubectl exec` or `docker exec` for
    /// debugging.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// # flagged: a second, credential-based way in
    /// EXPOSE 22 8080
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// EXPOSE 8080
    /// ```
    pub struct SshPort {
        id: "PVD-DOCKER-017",
        severity: Medium,
        references: ["checkov:CKV_DOCKER_1", "trivy:DS-0004"],
    }
}

impl Check for SshPort {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            for ins in df.instructions_named("EXPOSE") {
                if ins
                    .words()
                    .iter()
                    .any(|p| p == "22" || p.starts_with("22/"))
                {
                    out.at(df.at(ins)).say("EXPOSE 22 publishes SSH");
                }
            }
        }
    }
}
