use paved_model::k8s::{is_dangerous_capability, is_escape_capability};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Compose service adds a dangerous capability
    ///
    /// ## Why it matters
    /// `cap_add` entries such as ALL, SYS_ADMIN, SYS_PTRACE or SYS_MODULE are container
    /// escapes by themselves (mount filesystems, trace host processes, load kernel
    /// modules); NET_ADMIN and NET_RAW let the service reconfigure or sniff the
    /// network it shares. Code execution in the service then reaches the host.
    ///
    /// ## How to fix it
    /// Remove the capability from `cap_add`; add only narrow ones such as
    /// `NET_BIND_SERVICE`, and start from `cap_drop: [ALL]`.
    ///
    /// ## Severity
    /// Critical for a capability that is an escape by itself (ALL, SYS_ADMIN,
    /// SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, BPF); high for the network
    /// and tracing ones (NET_ADMIN, NET_RAW, PERFMON, SYS_BOOT), which need another
    /// weakness to reach the host, and for any of them in a development container's
    /// compose file (`.devcontainer/`), which runs on a developer's machine. A
    /// service adding several is one finding, at the severity of the most dangerous.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: registry.example.com/vpn:1.0.3
    ///     cap_add:
    ///       # flagged: mount and most of root
    ///       - SYS_ADMIN
    /// ```
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: registry.example.com/vpn:1.0.3
    ///     cap_drop: [ALL]
    ///     cap_add: [NET_BIND_SERVICE]
    /// ```
    pub struct ComposeDangerousCapability {
        id: "PVD-DOCKER-029",
        severity: Critical,
        references: ["cis-docker:5.4"],
    }
}

impl Check for ComposeDangerousCapability {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for service in cx.docker().compose_services() {
            let added = service.get("cap_add").map(|v| v.items()).unwrap_or_default();
            let dangerous: Vec<(usize, &str)> = added
                .iter()
                .enumerate()
                .filter_map(|(i, cap)| Some((i, cap.as_str()?.trim())))
                .filter(|(_, cap)| is_dangerous_capability(cap))
                .collect();
            let Some(&(first, _)) = dangerous.first() else {
                continue;
            };
            // One service, one fix: every capability in one finding, pointing at the
            // most dangerous.
            let (at, severity) = match dangerous.iter().find(|(_, c)| is_escape_capability(c)) {
                Some(&(i, _)) if !service.in_dev_container() => (i, Severity::Critical),
                Some(&(i, _)) => (i, Severity::High),
                None => (first, Severity::High),
            };
            let names: Vec<&str> = dangerous.iter().map(|(_, c)| *c).collect();
            out.at(service.at(&format!("cap_add[{at}]")))
                .severity(severity)
                .say(format!(
                    "service `{}` adds capability {}",
                    service.name,
                    names.join(", ")
                ));
        }
    }
}
