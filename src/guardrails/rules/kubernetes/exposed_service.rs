use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Service exposed outside the cluster
    ///
    /// ## Why it matters
    /// NodePort and LoadBalancer Services open the workload to networks beyond the cluster,
    /// bypassing the ingress layer's TLS, authentication and rate limits.
    ///
    /// ## How to fix it
    /// Use a ClusterIP Service behind an Ingress/Gateway, unless direct exposure is
    /// intended (then waive with a reason).
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: LoadBalancer            # flagged
    /// ```
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: ClusterIP               # behind the Ingress / Gateway
    /// ```
    pub struct ExposedService {
        id: "PVD-KUBE-020",
        severity: Low,
        references: [],
    }
}

impl Check for ExposedService {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for o in cx.k8s().of_kind("Service") {
            if let Some(t) = o.node.get_or_empty("spec").str_at("type") {
                if matches!(t, "NodePort" | "LoadBalancer") {
                    out.at(o.at("spec.type")).say(format!(
                        "Service `{}` of type {t} is reachable from outside the cluster",
                        o.name()
                    ));
                }
            }
        }
    }
}
