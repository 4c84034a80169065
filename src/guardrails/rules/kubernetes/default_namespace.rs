use paved_model::k8s::namespace_name;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Workload in the default namespace
    ///
    /// ## Why it matters
    /// The default namespace is shared by everything deployed carelessly; policies, quotas
    /// and RBAC cannot be scoped to the service.
    ///
    /// ## How to fix it
    /// Set `metadata.namespace` to the service's own namespace (or set `namespace:` in
    /// kustomization.yaml).
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: app                     # flagged: no namespace
    /// ```
    /// ```yaml
    /// metadata:
    ///   name: app
    ///   namespace: app
    /// ```
    pub struct DefaultNamespace {
        id: "PVD-KUBE-018",
        severity: Low,
        references: ["checkov:CKV_K8S_21", "kube-linter:use-namespace", "cis-k8s:5.7.4"],
    }
}

impl Check for DefaultNamespace {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let k8s = cx.k8s();
        for w in k8s.workloads() {
            // A `namespace:` key that is not a plain string (a template, a null) is
            // not something to judge.
            if w.obj.namespace().is_none() && w.obj.node.path(&["metadata", "namespace"]).is_some() {
                continue;
            }
            // Only what deploys this workload decides its namespace: its own
            // metadata, or the kustomizations that include it.
            let places = k8s.placements(&w.obj);
            let Some(place) = places.iter().find(|p| namespace_name(p.namespace) == "default")
            else {
                continue;
            };
            let by = place
                .build
                .map(|b| format!(" (as built by {})", b.display()))
                .unwrap_or_default();
            if place.namespace == Some("default") && w.obj.namespace() == Some("default") {
                out.at(w.obj.at("metadata.namespace"))
                    .say(format!("{} is in the default namespace{by}", w.label()));
            } else {
                out.at(w.obj.location()).say(format!(
                    "{} has no namespace{by} and lands in whatever namespace is current, usually `default`",
                    w.label()
                ));
            }
        }
    }
}
