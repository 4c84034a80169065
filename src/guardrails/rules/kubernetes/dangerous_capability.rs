use paved_model::k8s::{is_dangerous_capability, is_escape_capability};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Container adds a dangerous capability
    ///
    /// ## Why it matters
    /// SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_MODULE, ALL and similar capabilities
    /// give near-root power over the kernel or the network and are the usual escape route.
    ///
    /// ## How to fix it
    /// Remove the capability from `capabilities.add`; redesign the workload so it does not
    /// need it.
    ///
    /// ## Severity
    /// Critical for a capability that is an escape by itself (ALL, SYS_ADMIN,
    /// SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, BPF); high for the network
    /// and tracing ones (NET_ADMIN, NET_RAW, PERFMON, SYS_BOOT), which need another
    /// weakness to reach the node.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     add: [SYS_ADMIN]          # flagged
    /// ```
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [ALL]
    /// ```
    pub struct DangerousCapability {
        id: "PVD-KUBE-005",
        severity: Critical,
        references: ["checkov:CKV_K8S_39", "checkov:CKV_K8S_28", "trivy:KSV-0005", "cis-k8s:5.2.8", "cis-k8s:5.2.9"],
    }
}

/// Capabilities that are container escapes by themselves are critical; the network
/// and tracing ones that need another weakness to reach the node are high.
fn weigh(cap: &str) -> Severity {
    if is_escape_capability(cap) {
        Severity::Critical
    } else {
        Severity::High
    }
}

impl Check for DangerousCapability {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            for (i, cap) in c.added_capabilities() {
                if is_dangerous_capability(cap) {
                    out.at(c.at(&format!("securityContext.capabilities.add[{i}]")))
                        .severity(weigh(cap))
                        .say(format!("{}: adds capability {cap}", w.container_label(c)));
                }
            }
        }
    }
}
