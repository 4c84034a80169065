use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Compose service shares the host's network, process or IPC namespace
    ///
    /// ## Why it matters
    /// `network_mode: host` puts the service on the host's network stack (services
    /// bound to the host's localhost, every interface's traffic); `pid: host` shows it
    /// every host process, whose environment and memory it can then read or signal;
    /// `ipc: host`, `uts: host` and `userns_mode: host` remove the matching isolation.
    /// Code execution in the service then reaches the host directly.
    ///
    /// ## How to fix it
    /// Remove `network_mode: host` and publish the ports the service needs
    /// (`ports:`); remove `pid: host`, `ipc: host`, `uts: host` and
    /// `userns_mode: host`, or share a namespace with one other service
    /// (`pid: "service:app"`) instead of the host's.
    ///
    /// ## Severity
    /// Critical; high in a development container's compose file (`.devcontainer/`),
    /// which runs on a developer's machine rather than a server.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: registry.example.com/app:1.4.2
    ///     # flagged: the host's network stack
    ///     network_mode: host
    /// ```
    /// ```yaml
    /// services:
    ///   app:
    ///     image: registry.example.com/app:1.4.2
    ///     ports: ["8080:8080"]
    /// ```
    pub struct ComposeHostNamespaces {
        id: "PVD-DOCKER-028",
        severity: Critical,
        references: ["cis-docker:5.10", "cis-docker:5.16", "cis-docker:5.17", "cis-docker:5.21", "cis-docker:5.31"],
    }
}

/// The keys that take `host`, and the namespace each shares.
const HOST_KEYS: [(&str, &str); 5] = [
    ("network_mode", "network"),
    ("pid", "process (PID)"),
    ("ipc", "IPC"),
    ("uts", "UTS (hostname)"),
    ("userns_mode", "user"),
];

impl Check for ComposeHostNamespaces {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for service in cx.docker().compose_services() {
            for (key, namespace) in HOST_KEYS {
                let value = service.get(key).and_then(|v| v.as_str());
                if value.is_some_and(|v| v.trim().eq_ignore_ascii_case("host")) {
                    let severity = if service.in_dev_container() {
                        Severity::High
                    } else {
                        Severity::Critical
                    };
                    out.at(service.at(key)).severity(severity).say(format!(
                        "service `{}` shares the host's {namespace} namespace: `{key}: host`",
                        service.name
                    ));
                }
            }
        }
    }
}
