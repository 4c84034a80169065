use paved_model::k8s::Hardening;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Privilege escalation not disabled
    ///
    /// ## Why it matters
    /// Without `allowPrivilegeEscalation: false` a setuid binary or file capability inside
    /// the container can raise the process's privileges.
    ///
    /// ## How to fix it
    /// Set `securityContext.allowPrivilegeEscalation: false` on every container.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     securityContext:
    ///       allowPrivilegeEscalation: true   # flagged (so is leaving it out)
    /// ```
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     securityContext:
    ///       allowPrivilegeEscalation: false
    /// ```
    pub struct PrivilegeEscalation {
        id: "PVD-KUBE-003",
        severity: Medium,
        references: ["checkov:CKV_K8S_20", "kube-linter:privilege-escalation-container", "trivy:KSV-0001", "cis-k8s:5.2.6"],
    }
}

impl Check for PrivilegeEscalation {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            // A container with no securityContext at all is one finding, owned by
            // the first rule whose setting it lacks; the others stay quiet for it.
            if let Some(gaps) = w.bare_container_gaps(c) {
                if gaps.first() == Some(&Hardening::NoPrivilegeEscalation) {
                    let (message, fix) = Hardening::combined(&w.container_label(c), &gaps);
                    out.at(c.location()).detail(fix).say(message);
                }
                continue;
            }
            match c.security_context().get_entry("allowPrivilegeEscalation") {
                Some((_, v)) if v.as_bool() == Some(false) => {}
                Some(_) => out
                    .at(c.at("securityContext.allowPrivilegeEscalation"))
                    .say(format!(
                        "{}: `allowPrivilegeEscalation` is not false",
                        w.container_label(c)
                    )),
                None => out.at(c.location()).say(format!(
                    "{}: `allowPrivilegeEscalation: false` is not set (setuid binaries can gain privileges)",
                    w.container_label(c)
                )),
            }
        }
    }
}
