use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pod mounts a host path
    ///
    /// ## Why it matters
    /// hostPath volumes expose the node's filesystem; /var/run/docker.sock, /proc or / give
    /// full control of the node.
    ///
    /// ## How to fix it
    /// Use emptyDir, ConfigMap, Secret or a PersistentVolumeClaim instead of hostPath.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   - name: docker
    ///     hostPath:                   # flagged
    ///       path: /var/run/docker.sock
    /// ```
    /// ```yaml
    /// volumes:
    ///   - name: cache
    ///     emptyDir: {}
    /// ```
    pub struct HostPath {
        id: "PVD-KUBE-015",
        severity: High,
        references: ["checkov:CKV_K8S_27", "kube-linter:docker-sock", "trivy:KSV-0023", "trivy:KSV-0006"],
    }
}

impl Check for HostPath {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for w in cx.k8s().workloads() {
            for (i, v) in w.pod.get_or_empty("volumes").items().iter().enumerate() {
                if let Some(hp) = v.get("hostPath") {
                    let p = hp.str_at("path").unwrap_or("?");
                    out.at(w.pod_at(&format!("volumes[{i}].hostPath")))
                        .say(format!("{} mounts host path `{p}`", w.label()));
                }
            }
        }
    }
}
