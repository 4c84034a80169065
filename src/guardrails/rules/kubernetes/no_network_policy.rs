use paved_model::k8s::{namespace_name, policy_selects};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// No NetworkPolicy selects the workload
    ///
    /// ## Why it matters
    /// Pods not selected by any NetworkPolicy accept connections from, and connect to,
    /// anything in the cluster: one compromised pod reaches all others.
    ///
    /// ## How to fix it
    /// Add a default-deny NetworkPolicy (`podSelector: {}`, policyTypes Ingress and Egress)
    /// in the namespace and allow only the flows the service needs.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: a Deployment in namespace `app` and no NetworkPolicy there selects it
    /// kind: Deployment
    /// metadata: {name: app, namespace: app}
    /// ```
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny, namespace: app}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    pub struct NoNetworkPolicy {
        id: "PVD-KUBE-019",
        severity: Medium,
        references: ["checkov:CKV2_K8S_6", "kube-score:pod-networkpolicy", "kube-linter:non-isolated-pod", "cis-k8s:5.3.2"],
    }
}

impl Check for NoNetworkPolicy {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let k8s = cx.k8s();
        let policies: Vec<_> = k8s
            .of_kind("NetworkPolicy")
            .map(|p| (p, k8s.placements(p)))
            .collect();
        for w in k8s.workloads() {
            // Each place the workload is deployed needs a policy deployed with it:
            // same build, same namespace, and a podSelector that selects it with the
            // labels that build adds.
            for place in k8s.placements(&w.obj) {
                let covered = policies.iter().any(|(p, places)| {
                    places
                        .iter()
                        .any(|pp| pp.together(&place) && policy_selects(p, pp, w, &place))
                });
                if !covered {
                    let by = place
                        .build
                        .map(|b| format!(" (as built by {})", b.display()))
                        .unwrap_or_default();
                    out.at(w.obj.location()).say(format!(
                        "no NetworkPolicy in namespace `{}`{by} selects {}: its pods accept and send any traffic",
                        namespace_name(place.namespace),
                        w.label()
                    ));
                    break;
                }
            }
        }
    }
}
