use paved_model::k8s::namespace_name;
use paved_parse::yaml::Node;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Namespace has no default-deny NetworkPolicy
    ///
    /// ## Why it matters
    /// Allow-list policies only isolate the pods they select; a default-deny policy makes
    /// every new workload isolated until its flows are allowed explicitly.
    ///
    /// ## How to fix it
    /// Add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress, Egress]` and no
    /// rules to each namespace, then allow the needed flows (including DNS egress) in
    /// separate policies.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: only allow-list policies in namespace `app`
    /// kind: NetworkPolicy
    /// metadata: {name: allow-app, namespace: app}
    /// spec:
    ///   podSelector: {matchLabels: {app: app}}
    ///   policyTypes: [Ingress]
    ///   ingress: [{ports: [{port: 8080}]}]
    /// ```
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny, namespace: app}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    pub struct NoDefaultDeny {
        id: "PVD-KUBE-028",
        severity: Low,
        references: ["cis-k8s:5.3.2", "kube-score:pod-networkpolicy"],
    }
}

/// A NetworkPolicy that selects every pod and allows nothing in either direction.
fn is_default_deny(policy: &Node) -> bool {
    let spec = policy.get_or_empty("spec");
    let selects_all = spec.get("podSelector").map_or(true, |sel| {
        sel.get("matchLabels")
            .map_or(true, |m| m.entries().next().is_none())
            && sel
                .get("matchExpressions")
                .map_or(true, |m| m.items().is_empty())
    });
    let types: Vec<&str> = spec
        .get_or_empty("policyTypes")
        .items()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let no_rules = |k: &str| {
        spec.get(k)
            .map_or(true, |r| r.items().is_empty() && !r.is_map())
    };
    selects_all
        && types.contains(&"Ingress")
        && types.contains(&"Egress")
        && no_rules("ingress")
        && no_rules("egress")
}

/// Namespaces the cluster creates and runs its own components in.
const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

impl Check for NoDefaultDeny {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let k8s = cx.k8s();
        let denies: Vec<_> = k8s
            .of_kind("NetworkPolicy")
            .filter(|o| is_default_deny(o.node))
            .flat_map(|o| k8s.placements(o))
            .collect();
        let mut reported: Vec<&str> = Vec::new();
        for w in k8s.workloads() {
            for place in k8s.placements(&w.obj) {
                let ns = namespace_name(place.namespace);
                // The cluster's own namespaces belong to its operator: an add-on
                // deployed there gets PVD-KUBE-019 for its own pods, not a
                // namespace-wide default-deny that would cut off CoreDNS and the rest.
                if SYSTEM_NAMESPACES.contains(&ns)
                    || reported.contains(&ns) || denies.iter().any(|d| d.together(&place)) {
                    continue;
                }
                reported.push(ns);
                out.at(w.obj.location()).say(format!(
                    "namespace `{ns}` has no default-deny NetworkPolicy (podSelector {{}}, policyTypes Ingress and Egress, no rules)"
                ));
            }
        }
    }
}
