use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container runs with a low UID
    ///
    /// ## Why it matters
    /// UIDs below 10000 may match a real user on the node; if the container escapes, it
    /// acts as that user.
    ///
    /// ## How to fix it
    /// Run as a UID of 10000 or above (`runAsUser: 10001`).
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 1000               # flagged
    /// ```
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 10001
    /// ```
    pub struct LowUid {
        id: "PVD-KUBE-026",
        severity: Low,
        references: ["checkov:CKV_K8S_40", "trivy:KSV-0020"],
    }
}

impl Check for LowUid {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            if let Some((at, v)) = w.effective(c, "runAsUser") {
                if let Some(uid) = v.as_i64() {
                    if uid > 0 && uid < 10000 {
                        out.at(at).say(format!(
                            "{}: runs as UID {uid}, which may collide with a host user (use >= 10000)",
                            w.container_label(c)
                        ));
                    }
                }
            }
        }
    }
}
