use paved_model::k8s::is_dangerous_capability;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container adds a capability
    ///
    /// ## Why it matters
    /// Every added capability widens what a compromised process can do; most services need
    /// none. NET_BIND_SERVICE is not reported: it is the one capability the Pod Security
    /// Standards' restricted profile lets a container add back, for a port below 1024. One
    /// container's added capabilities are one finding.
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
            // Dangerous ones are PVD-KUBE-005's findings.
            let added: Vec<(usize, &str)> = c
                .added_capabilities()
                .into_iter()
                .filter(|(_, cap)| !is_dangerous_capability(cap) && !is_net_bind_service(cap))
                .collect();
            let Some((first, _)) = added.first() else {
                continue;
            };
            let names: Vec<&str> = added.iter().map(|(_, cap)| *cap).collect();
            let what = if names.len() == 1 {
                "capability"
            } else {
                "capabilities"
            };
            out.at(c.at(&format!("securityContext.capabilities.add[{first}]")))
                .say(format!(
                    "{}: adds {what} {}",
                    w.container_label(c),
                    names.join(", ")
                ));
        }
    }
}

/// NET_BIND_SERVICE, with or without the `CAP_` prefix, in any case.
fn is_net_bind_service(cap: &str) -> bool {
    let cap = cap.trim().to_ascii_uppercase();
    cap.strip_prefix("CAP_").unwrap_or(&cap) == "NET_BIND_SERVICE"
}
