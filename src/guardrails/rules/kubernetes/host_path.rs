use paved_model::docker::holds_runtime_socket;
use paved_model::k8s::Workload;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

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
    /// ## Severity
    /// Critical for a container-runtime socket (docker.sock, containerd.sock,
    /// crio.sock, or a directory holding one) or `/`: control of every container on
    /// the node. High for a writable mount of /etc, /root, /var/lib/kubelet, /proc,
    /// /sys, /dev, /boot or the runtime's state: node root one write away. Medium for
    /// a read-only mount or a data path such as /var/log. A pod with several host
    /// paths is one finding listing them, at the severity of the most dangerous.
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

/// Host directories where a write is node root: configuration, credentials, the
/// kubelet's and the runtime's state, kernel interfaces, binaries.
const NODE_CONTROL: &[&str] = &[
    "/etc",
    "/root",
    "/home",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
];

/// `/a/b/` → `/a/b`; `/` stays.
fn normalise(path: &str) -> String {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() && path.trim().starts_with('/') {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `a` is `b` or below it.
fn within(a: &str, b: &str) -> bool {
    a == b || (b == "/" && a.starts_with('/')) || a.starts_with(&format!("{b}/"))
}

/// How dangerous a host path is, and why, for a mount that is `writable`.
fn weigh(path: &str, writable: bool) -> (Severity, &'static str) {
    let p = normalise(path);
    if p == "/" {
        return (Severity::Critical, "the node's whole filesystem");
    }
    if holds_runtime_socket(&p) {
        return (
            Severity::Critical,
            "container runtime socket: control of every container on the node",
        );
    }
    let control = NODE_CONTROL
        .iter()
        .any(|d| within(&p, d) || within(d, &p));
    match (control, writable) {
        (true, true) => (Severity::High, "writable node configuration or state"),
        (true, false) => (Severity::Medium, "read-only"),
        (false, true) => (Severity::Medium, "data path"),
        (false, false) => (Severity::Medium, "read-only data path"),
    }
}

/// Whether some container mounts volume `name` without `readOnly: true`.
fn mounted_writable(w: &Workload<'_>, name: &str) -> bool {
    w.containers().iter().any(|c| {
        c.node
            .get_or_empty("volumeMounts")
            .items()
            .iter()
            .any(|m| m.str_at("name") == Some(name) && m.bool_at("readOnly") != Some(true))
    })
}

impl Check for HostPath {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for w in cx.k8s().workloads() {
            let mut found = Vec::new();
            for (i, v) in w.pod.get_or_empty("volumes").items().iter().enumerate() {
                let Some(hp) = v.get("hostPath") else {
                    continue;
                };
                let p = hp.str_at("path").unwrap_or("?");
                let writable = v.str_at("name").is_some_and(|n| mounted_writable(w, n));
                let (severity, why) = weigh(p, writable);
                found.push((severity, i, p, why));
            }
            // Most dangerous first; the finding points at it.
            found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let Some(&(severity, first, _, _)) = found.first() else {
                continue;
            };
            let listed: Vec<String> = found
                .iter()
                .map(|(_, _, p, why)| format!("`{p}` ({why})"))
                .collect();
            let message = if listed.len() == 1 {
                format!("{} mounts host path {}", w.label(), listed[0])
            } else {
                format!(
                    "{} mounts {} host paths: {}",
                    w.label(),
                    listed.len(),
                    listed.join(", ")
                )
            };
            out.at(w.pod_at(&format!("volumes[{first}].hostPath")))
                .severity(severity)
                .say(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_are_weighed() {
        let sev = |p, rw| weigh(p, rw).0;
        assert_eq!(sev("/var/run/docker.sock", false), Severity::Critical);
        assert_eq!(sev("/run/containerd/containerd.sock", true), Severity::Critical);
        assert_eq!(sev("/var/run", false), Severity::Critical);
        assert_eq!(sev("/opt/podman/docker.sock", false), Severity::Critical);
        assert_eq!(sev("/", false), Severity::Critical);
        assert_eq!(sev("/etc/", true), Severity::High);
        assert_eq!(sev("/var/lib/kubelet/pods", true), Severity::High);
        assert_eq!(sev("/proc", true), Severity::High);
        assert_eq!(sev("/etc", false), Severity::Medium);
        assert_eq!(sev("/var/log", true), Severity::Medium);
        assert_eq!(sev("/data", false), Severity::Medium);
        assert_eq!(normalise("/"), "/");
    }
}
