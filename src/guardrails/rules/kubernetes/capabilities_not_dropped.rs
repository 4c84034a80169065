use paved_model::k8s::Hardening;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container does not drop all capabilities
    ///
    /// ## Why it matters
    /// Container runtimes grant a default set of capabilities (e.g. NET_RAW for ARP/DNS
    /// spoofing); unless they are dropped a compromised process keeps them.
    ///
    /// ## How to fix it
    /// Set `securityContext.capabilities.drop: ["ALL"]` and add back only what is proven
    /// necessary.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [NET_ADMIN]         # flagged: the runtime's defaults stay
    /// ```
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [ALL]
    /// ```
    pub struct CapabilitiesNotDropped {
        id: "PVD-KUBE-007",
        severity: Medium,
        references: ["checkov:CKV_K8S_37", "checkov:CKV_K8S_28", "trivy:KSV-0003", "cis-k8s:5.2.10"],
    }
}

impl Check for CapabilitiesNotDropped {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            // A container with no securityContext at all is one finding, owned by
            // the first rule whose setting it lacks; the others stay quiet for it.
            if let Some(gaps) = w.bare_container_gaps(c) {
                if gaps.first() == Some(&Hardening::DropAllCapabilities) {
                    let (message, fix) = Hardening::combined(&w.container_label(c), &gaps);
                    out.at(c.location()).detail(fix).say(message);
                }
                continue;
            }
            let sc = c.security_context();
            let drops_all = sc.path(&["capabilities", "drop"]).is_some_and(|d| {
                d.items()
                    .iter()
                    .any(|i| i.as_str().is_some_and(|s| s.eq_ignore_ascii_case("ALL")))
            });
            if !drops_all {
                let at = if sc.get_or_empty("capabilities").get("drop").is_some() {
                    c.at("securityContext.capabilities.drop")
                } else {
                    c.location()
                };
                out.at(at).say(format!(
                    "{}: does not drop ALL capabilities",
                    w.container_label(c)
                ));
            }
        }
    }
}
