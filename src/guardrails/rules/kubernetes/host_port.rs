use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container binds a host port
    ///
    /// ## Why it matters
    /// hostPort ties the pod to the node's network interface, bypasses NetworkPolicies on
    /// some CNIs and limits scheduling.
    ///
    /// ## How to fix it
    /// Remove `hostPort`; expose the port through a Service.
    ///
    /// ## Example
    /// ```yaml
    /// ports:
    ///   - containerPort: 8080
    ///     hostPort: 8080              # flagged
    /// ```
    /// ```yaml
    /// ports:
    ///   - containerPort: 8080        # reached through a Service
    /// ```
    pub struct HostPort {
        id: "PVD-KUBE-023",
        severity: Medium,
        references: ["checkov:CKV_K8S_26", "trivy:KSV-0024"],
    }
}

impl Check for HostPort {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            for (i, p) in c.node.get_or_empty("ports").items().iter().enumerate() {
                if let Some(v) = p.get("hostPort") {
                    if v.as_i64().is_some_and(|n| n != 0) {
                        out.at(c.at(&format!("ports[{i}].hostPort"))).say(format!(
                            "{}: binds host port {}",
                            w.container_label(c),
                            v.as_str().unwrap_or("?")
                        ));
                    }
                }
            }
        }
    }
}
