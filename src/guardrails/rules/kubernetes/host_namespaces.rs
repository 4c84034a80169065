use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pod shares host namespaces
    ///
    /// ## Why it matters
    /// hostNetwork, hostPID or hostIPC let the pod see and reach the node's network stack,
    /// processes or shared memory: other pods' traffic, process secrets, local-only
    /// services.
    ///
    /// ## How to fix it
    /// Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them false).
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true           # flagged
    ///   hostPID: true               # flagged
    ///   containers:
    ///     - name: app
    /// ```
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    /// ```
    pub struct HostNamespaces {
        id: "PVD-KUBE-004",
        severity: Critical,
        references: ["checkov:CKV_K8S_17", "checkov:CKV_K8S_18", "checkov:CKV_K8S_19", "trivy:KSV-0008", "trivy:KSV-0009", "trivy:KSV-0010", "cis-k8s:5.2.3", "cis-k8s:5.2.4", "cis-k8s:5.2.5"],
    }
}

impl Check for HostNamespaces {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for w in cx.k8s().workloads() {
            for key in ["hostNetwork", "hostPID", "hostIPC"] {
                if let Some((_, v)) = w.pod.get_entry(key) {
                    if v.as_bool() == Some(true) {
                        out.at(w.pod_at(key)).say(format!(
                            "{} shares the node's namespace: `{key}: true`",
                            w.label()
                        ));
                    }
                }
            }
        }
    }
}
