use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container has no liveness probe
    ///
    /// ## Why it matters
    /// A hung process without a liveness probe keeps receiving traffic and never restarts.
    ///
    /// ## How to fix it
    /// Add a `livenessProbe` (e.g. HTTP GET on the health endpoint).
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app                   # flagged: no livenessProbe
    ///     image: ghcr.io/acme/app:1.4.2
    /// ```
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/acme/app:1.4.2
    ///     livenessProbe:
    ///       httpGet: {path: /healthz, port: 8080}
    /// ```
    pub struct NoLivenessProbe {
        id: "PVD-KUBE-016",
        severity: Low,
        references: ["checkov:CKV_K8S_8"],
    }
}

impl Check for NoLivenessProbe {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for w in cx.k8s().workloads() {
            if !matches!(w.obj.kind(), "Deployment" | "StatefulSet") {
                continue;
            }
            for c in w.containers().iter().filter(|c| !c.init) {
                if c.node.get("livenessProbe").is_none() {
                    out.at(c.location())
                        .say(format!("{}: no livenessProbe", w.container_label(c)));
                }
            }
        }
    }
}
