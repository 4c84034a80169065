use paved_model::docker::{default_user_is_nonroot, is_root_user, user_name};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container user is a name rather than a numeric UID
    ///
    /// ## Why it matters
    /// Kubernetes `runAsNonRoot` can only verify a numeric UID; a named user is resolved
    /// from the image's /etc/passwd at run time and may map to UID 0.
    ///
    /// ## How to fix it
    /// Use a numeric `USER uid:gid` such as `USER 65532:65532`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN useradd --uid 10001 app
    /// # flagged: a name, resolved from /etc/passwd at run time
    /// USER app
    /// ```
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN useradd --uid 10001 app
    /// USER 10001:10001
    /// ```
    pub struct NamedUser {
        id: "PVD-DOCKER-002",
        severity: Low,
        references: ["checkov:CKV_K8S_40", "kube-linter:run-as-non-root"],
    }
}

impl Check for NamedUser {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for df in cx.docker().files() {
            let Some(user) = df.effective_user() else {
                continue;
            };
            let name = user_name(user);
            // The documented user of a distroless/Chainguard non-root image is UID
            // 65532 by contract, not a lookup that could land on root.
            let documented = name == "nonroot"
                && df
                    .final_stage()
                    .is_some_and(|last| default_user_is_nonroot(df.root_base(last)));
            if documented
                || name.is_empty()
                || name.contains('$')
                || is_root_user(&name)
                || name.chars().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            out.at(df.at(user)).say(format!(
                "`USER {}` names a user; use a numeric UID",
                user.args.trim()
            ));
        }
    }
}
