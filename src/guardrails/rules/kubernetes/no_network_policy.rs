use paved_model::k8s::same_namespace;
use paved_parse::yaml::Node;

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

/// Whether `selector` (a podSelector) selects pods with `labels`.
fn selects(selector: Option<&Node>, labels: Option<&Node>) -> bool {
    let Some(sel) = selector else { return true };
    if sel
        .get("matchExpressions")
        .is_some_and(|m| !m.items().is_empty())
    {
        return true; // not evaluated: assume it selects
    }
    let Some(ml) = sel.get("matchLabels") else {
        return true;
    };
    ml.entries().all(|(k, _, v)| {
        labels
            .and_then(|l| l.get(k))
            .and_then(Node::as_str)
            .is_some_and(|lv| Some(lv) == v.as_str())
    })
}

impl Check for NoNetworkPolicy {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let k8s = cx.k8s();
        let policies: Vec<_> = k8s.of_kind("NetworkPolicy").collect();
        for w in k8s.workloads() {
            let covered = policies.iter().any(|p| {
                same_namespace(p.namespace(), w.obj.namespace())
                    && selects(p.node.path(&["spec", "podSelector"]), w.labels)
            });
            if !covered {
                out.at(w.obj.location()).say(format!(
                    "no NetworkPolicy in namespace `{}` selects {}: its pods accept and send any traffic",
                    w.obj.namespace().unwrap_or("(unset)"),
                    w.label()
                ));
            }
        }
    }
}
