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
        let kustomized = k8s
            .kustomizations()
            .iter()
            .any(|(_, root)| root.str_at("namespace").is_some());
        for w in k8s.workloads() {
            match w.obj.namespace() {
                Some("default") => out
                    .at(w.obj.at("metadata.namespace"))
                    .say(format!("{} is in the default namespace", w.label())),
                Some(_) => {}
                None if w.obj.node.path(&["metadata", "namespace"]).is_some() => {}
                None if kustomized => {}
                None => out.at(w.obj.location()).say(format!(
                    "{} has no namespace and lands in whatever namespace is current, usually `default`",
                    w.label()
                )),
            }
        }
    }
}
