use paved_model::docker::{default_user_is_nonroot, is_nonroot_tag, is_root_user, user_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Container runs as root
    ///
    /// ## Why it matters
    /// Without a non-root USER in the final stage the process runs as UID 0: a
    /// code-execution bug in the service becomes root in the container, one kernel or
    /// runtime flaw away from the host.
    ///
    /// ## How to fix it
    /// Add `USER 65532:65532` (or another unprivileged numeric UID:GID) at the end of the
    /// final stage, or build on an image whose publisher documents a non-root default
    /// user (distroless `:nonroot`, Chainguard `static`). A non-root user with
    /// passwordless sudo for every command (`NOPASSWD: ALL` in `/etc/sudoers` or
    /// `/etc/sudoers.d/`) is root to anyone who runs code as it: drop the grant, or
    /// limit it to the commands the entrypoint needs.
    ///
    /// ## Severity
    /// High for an image that is deployed; low for a development or build-tools image
    /// (under `.devcontainer/`, or named `build.Dockerfile`, `Dockerfile.dev`,
    /// `Dockerfile.ci`, …), which runs on a CI runner or a laptop, not as a workload.
    ///
    /// ## Example
    /// ```dockerfile
    /// # flagged: no USER, so the service runs as UID 0
    /// FROM debian:12-slim
    /// COPY app /usr/local/bin/app
    /// CMD ["/usr/local/bin/app"]
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// COPY app /usr/local/bin/app
    /// USER 65532:65532
    /// CMD ["/usr/local/bin/app"]
    /// ```
    pub struct RootUser {
        id: "PVD-DOCKER-001",
        severity: High,
        references: ["hadolint:DL3002", "checkov:CKV_DOCKER_3", "checkov:CKV_DOCKER_8", "trivy:DS-0002", "cis-docker:4.1"],
    }
}

impl Check for RootUser {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            let Some(last) = df.final_stage() else {
                continue;
            };
            // `FROM scratch` with nothing to run is exported as files, never run.
            if df.is_export_only() {
                continue;
            }
            let (at, message) = match df.effective_user() {
                Some(user) if is_root_user(&user_name(user)) => (
                    df.at(user),
                    format!("final stage switches to `USER {}`", user.args.trim()),
                ),
                Some(user) => match df.passwordless_sudo() {
                    Some((run, grant)) => (
                        df.at(run.ins),
                        format!(
                            "final stage switches to `USER {}` but grants passwordless sudo for every command (`{grant}`), so the container runs as root in effect",
                            user.args.trim()
                        ),
                    ),
                    None => continue,
                },
                None if default_user_is_nonroot(df.root_base(last)) => {
                    match df.passwordless_sudo() {
                        Some((run, grant)) => (
                            df.at(run.ins),
                            format!(
                                "the base image's non-root user is granted passwordless sudo for every command (`{grant}`), so the container runs as root in effect"
                            ),
                        ),
                        None => continue,
                    }
                }
                None if is_nonroot_tag(df.root_base(last)) => (
                    df.at_stage(last),
                    "final stage sets no USER and relies on the base image's `nonroot` tag; state the numeric user so a change of base image cannot bring root back".to_owned(),
                ),
                None => (
                    df.at_stage(last),
                    "final stage sets no USER, so the container runs as root".to_owned(),
                ),
            };
            // A build or development image runs on a CI runner or a laptop with the
            // source tree mounted, not as a deployed workload: root there widens
            // little, so it is graded low rather than silenced.
            if df.is_tooling_image() {
                out.at(at).severity(Severity::Low).say(format!(
                    "{message} (a build or development image, not a deployed workload)"
                ));
            } else {
                out.at(at).say(message);
            }
        }
    }
}
