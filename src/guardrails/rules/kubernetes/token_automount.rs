use paved_model::k8s::same_namespace;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Service account token mounted
    ///
    /// ## Why it matters
    /// Every pod gets an API token by default; an attacker in the pod can use it against
    /// the Kubernetes API with whatever RBAC the account has.
    ///
    /// ## How to fix it
    /// Set `automountServiceAccountToken: false` on the pod spec or its ServiceAccount;
    /// mount a projected token only where the API is really used.
    ///
    /// ## Example
    /// ```yaml
    /// spec:                          # flagged: the pod gets an API token
    ///   serviceAccountName: app
    ///   containers:
    ///     - name: app
    /// ```
    /// ```yaml
    /// spec:
    ///   serviceAccountName: app
    ///   automountServiceAccountToken: false
    ///   containers:
    ///     - name: app
    /// ```
    pub struct TokenAutomount {
        id: "PVD-KUBE-013",
        severity: Medium,
        references: ["checkov:CKV_K8S_38", "cis-k8s:5.1.6"],
    }
}

impl Check for TokenAutomount {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let k8s = cx.k8s();
        for w in k8s.workloads() {
            match w.pod.get_entry("automountServiceAccountToken") {
                Some((_, v)) if v.as_bool() == Some(false) => {}
                Some(_) => out
                    .at(w.pod_at("automountServiceAccountToken"))
                    .say(format!("{} mounts a service account token", w.label())),
                None => {
                    let sa = w
                        .pod
                        .str_at("serviceAccountName")
                        .or(w.pod.str_at("serviceAccount"))
                        .unwrap_or("default");
                    let sa_off = k8s.of_kind("ServiceAccount").any(|o| {
                        o.name() == sa
                            && same_namespace(o.namespace(), w.obj.namespace())
                            && o.node.bool_at("automountServiceAccountToken") == Some(false)
                    });
                    // An account the repository binds to a Role or ClusterRole is
                    // meant to call the API: the workload needs its token (bound
                    // tokens are projected and short-lived already).
                    if !sa_off && !k8s.service_account_bound(w, sa) {
                        out.at(w.pod_location()).say(format!(
                            "{} mounts the token of service account `{sa}` (neither the pod nor the account sets `automountServiceAccountToken: false`)",
                            w.label()
                        ));
                    }
                }
            }
        }
    }
}
