use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container has no readiness probe
    ///
    /// ## Why it matters
    /// Without a readiness probe traffic reaches pods that are still starting or are
    /// degraded.
    ///
    /// ## How to fix it
    /// Add a `readinessProbe` (e.g. HTTP GET on the readiness endpoint).
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app                   # flagged: no readinessProbe
    ///     image: ghcr.io/acme/app:1.4.2
    /// ```
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.4.2
    ///     readinessProbe:
    ///       httpGet: {path: /readyz, port: 8080}
    /// ```
    pub struct NoReadinessProbe {
        id: "PVD-KUBE-017",
        severity: Low,
        references: ["checkov:CKV_K8S_9"],
    }
}

impl Check for NoReadinessProbe {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for w in cx.k8s().workloads() {
            if !matches!(w.obj.kind(), "Deployment" | "StatefulSet") {
                continue;
            }
            for c in w.containers().iter().filter(|c| !c.init) {
                if c.node.get("readinessProbe").is_none() {
                    out.at(c.location())
                        .say(format!("{}: no readinessProbe", w.container_label(c)));
                }
            }
        }
    }
}
