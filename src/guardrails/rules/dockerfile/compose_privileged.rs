use paved_model::docker::ComposeService;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Compose service runs privileged
    ///
    /// ## Why it matters
    /// `privileged: true` gives the container every capability, every host device and
    /// no seccomp or AppArmor confinement: code execution in the service is root on
    /// the Docker host (mount the host disk, load a kernel module).
    ///
    /// ## How to fix it
    /// Remove `privileged: true`; grant the one capability (`cap_add`) or device
    /// (`devices`) the service really needs.
    ///
    /// ## Severity
    /// Critical; high in a development container's compose file (`.devcontainer/`),
    /// which runs on a developer's machine rather than a server.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: registry.example.com/agent:2.1.0
    ///     # flagged: root on the host
    ///     privileged: true
    /// ```
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: registry.example.com/agent:2.1.0
    ///     cap_add: [NET_BIND_SERVICE]
    /// ```
    pub struct ComposePrivileged {
        id: "PVD-DOCKER-026",
        severity: Critical,
        references: ["cis-docker:5.5"],
    }
}

/// Critical on a server; high in a development container.
fn grade(service: &ComposeService<'_>) -> Severity {
    if service.in_dev_container() {
        Severity::High
    } else {
        Severity::Critical
    }
}

impl Check for ComposePrivileged {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for service in cx.docker().compose_services() {
            if service.get("privileged").and_then(|v| v.as_bool()) == Some(true) {
                out.at(service.at("privileged")).severity(grade(service)).say(format!(
                    "service `{}` runs privileged: every capability and host device, root on the Docker host",
                    service.name
                ));
            }
        }
    }
}
