use paved_model::k8s::is_dangerous_capability;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container adds a capability
    ///
    /// ## Why it matters
    /// Every added capability widens what a compromised process can do; most services need
    /// none.
    ///
    /// ## How to fix it
    /// Drop the `add` entry, or keep only NET_BIND_SERVICE when binding a port below 1024
    /// is unavoidable.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [ALL]
    ///     add: [CHOWN]              # flagged
    /// ```
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [ALL]
    /// ```
    pub struct AddedCapability {
        id: "PVD-KUBE-006",
        severity: Low,
        references: ["trivy:KSV-0022", "cis-k8s:5.2.9"],
    }
}

impl Check for AddedCapability {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            for (i, cap) in c.added_capabilities() {
                if !is_dangerous_capability(cap) {
                    out.at(c.at(&format!("securityContext.capabilities.add[{i}]")))
                        .say(format!("{}: adds capability {cap}", w.container_label(c)));
                }
            }
        }
    }
}
