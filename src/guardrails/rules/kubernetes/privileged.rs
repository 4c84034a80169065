use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container runs privileged
    ///
    /// ## Why it matters
    /// A privileged container has every capability and all host devices; escaping to the
    /// node is trivial.
    ///
    /// ## How to fix it
    /// Remove `privileged: true`; grant the single capability needed, if any.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     securityContext:
    ///       privileged: true       # flagged
    /// ```
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     securityContext:
    ///       privileged: false
    /// ```
    pub struct Privileged {
        id: "PVD-KUBE-001",
        severity: Critical,
        references: ["checkov:CKV_K8S_16", "checkov:CKV_K8S_2", "kube-linter:privileged-container", "trivy:KSV-0017", "cis-k8s:5.2.2"],
    }
}

impl Check for Privileged {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            if let Some((_, v)) = c.security_context().get_entry("privileged") {
                if v.as_bool() == Some(true) {
                    out.at(c.at("securityContext.privileged")).say(format!(
                        "{}: runs privileged: full access to the node's devices and kernel",
                        w.container_label(c)
                    ));
                }
            }
        }
    }
}
