use paved_model::docker::{holds_runtime_socket, ComposeService};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Compose service mounts the Docker or another container runtime socket
    ///
    /// ## Why it matters
    /// Whoever can reach `/var/run/docker.sock` (or Podman's, containerd's or CRI-O's
    /// socket) drives the runtime: one API call starts a privileged container with
    /// the host's root filesystem mounted. Code execution in the service is therefore
    /// root on the host. Mounting the socket read-only (`:ro`) changes nothing: the
    /// API is reached by connecting to the socket, not by writing the file.
    ///
    /// ## How to fix it
    /// Remove the socket mount. A service that must watch containers (a reverse proxy,
    /// a monitor) can use a socket proxy that allows only the read-only API calls it
    /// needs (for example `GET /containers`), or the runtime's own metrics endpoint.
    ///
    /// ## Severity
    /// Critical; high in a development container's compose file (`.devcontainer/`,
    /// the "Docker outside of Docker" setup), which runs on a developer's machine
    /// rather than a server. A service with several such mounts is one finding.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: registry.example.com/proxy:3.1.2
    ///     volumes:
    ///       # flagged: control of the Docker daemon
    ///       - /var/run/docker.sock:/var/run/docker.sock:ro
    /// ```
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: registry.example.com/proxy:3.1.2
    ///     environment:
    ///       DOCKER_HOST: tcp://socket-proxy:2375
    /// ```
    pub struct ComposeRuntimeSocket {
        id: "PVD-DOCKER-027",
        severity: Critical,
        references: ["cis-docker:5.32", "kube-linter:docker-sock"],
    }
}

/// A host path given by a variable (`${DOCKER_SOCKET_LOCATION}`) mounted where the
/// container expects the runtime's socket (`:/var/run/docker.sock`): supabase's
/// vector service, whose `.env.example` sets the variable to `/var/run/docker.sock`.
/// Whatever the variable says on a given host, the container is built to drive the
/// runtime through that mount.
fn socket_by_variable(service: &ComposeService<'_>, index: usize, source: &str) -> bool {
    if !source.starts_with('$') {
        return false;
    }
    let volumes = service.node.get_or_empty("volumes").items();
    let Some(volume) = volumes.get(index) else {
        return false;
    };
    let target = match volume.as_str() {
        Some(short) => short
            .trim()
            .strip_prefix(source)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|rest| rest.split(':').next().unwrap_or(rest).to_owned()),
        None => volume.str_at("target").map(str::to_owned),
    };
    target.is_some_and(|t| holds_runtime_socket(&t))
}

impl Check for ComposeRuntimeSocket {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for service in cx.docker().compose_services() {
            let mounts: Vec<(usize, String)> = service
                .bind_mounts()
                .into_iter()
                .filter(|(i, source)| {
                    holds_runtime_socket(source) || socket_by_variable(service, *i, source)
                })
                .collect();
            let Some((first, _)) = mounts.first() else {
                continue;
            };
            // One service, one fix: every mount that reaches the socket in one finding.
            let listed: Vec<String> = mounts.iter().map(|(_, s)| format!("`{s}`")).collect();
            let what = match mounts.as_slice() {
                [(_, s)] if s.ends_with(".sock") || s.ends_with("docker_engine") => {
                    "the container runtime's socket"
                }
                [(_, s)] if s.starts_with('$') && !holds_runtime_socket(s) => {
                    "mounted where the container expects the runtime's socket"
                }
                [_] => "which holds the container runtime's socket",
                _ => "which reach the container runtime's socket",
            };
            let severity = if service.in_dev_container() {
                Severity::High
            } else {
                Severity::Critical
            };
            out.at(service.at(&format!("volumes[{first}].source")))
                .severity(severity)
                .say(format!(
                    "service `{}` mounts {}, {what}: control of every container and root on the host",
                    service.name,
                    listed.join(", ")
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::guardrails::rules::dockerfile::rules;
    use crate::guardrails::{check_all, Params, RepoModel, Severity};

    /// (rule, line, severity) of the compose rules' findings on one compose file.
    fn compose(path: &str, text: &str) -> Vec<(String, Option<u32>, Option<Severity>)> {
        let model = RepoModel::from_memory(&[(path, text)]);
        check_all(&model, &Params::default(), rules())
            .into_iter()
            .filter(|h| h.rule.starts_with("PVD-DOCKER-02") && h.rule != "PVD-DOCKER-025")
            .map(|h| (h.rule.to_owned(), h.line, h.severity))
            .collect()
    }

    const DOOD: &str = "services:\n  app:\n    image: x\n    privileged: true\n    network_mode: host\n    cap_add: [SYS_ADMIN]\n    volumes:\n      - /var/run/docker.sock:/var/run/docker-host.sock\n      - ..:/workspace:cached\n";

    #[test]
    fn a_development_container_is_graded_high_a_server_critical() {
        for (path, severity) in [
            ("docker-compose.yml", Severity::Critical),
            (".devcontainer/docker-compose.yml", Severity::High),
        ] {
            let at = |rule: &str, line: u32| (rule.to_owned(), Some(line), Some(severity));
            assert_eq!(
                compose(path, DOOD),
                [
                    at("PVD-DOCKER-026", 4),
                    at("PVD-DOCKER-027", 8),
                    at("PVD-DOCKER-028", 5),
                    at("PVD-DOCKER-029", 6),
                ],
                "{path}"
            );
        }
    }

    #[test]
    fn named_volumes_other_paths_and_shared_service_namespaces_are_quiet() {
        let text = "services:\n  app:\n    image: x\n    privileged: false\n    network_mode: \"service:db\"\n    pid: \"container:abc\"\n    cap_add: [NET_BIND_SERVICE, CHOWN]\n    volumes:\n      - docker.sock:/var/run/docker.sock\n      - /var/log:/logs:ro\n      - /run/secrets:/run/secrets\n";
        assert_eq!(compose("compose.yaml", text), []);
    }
}
