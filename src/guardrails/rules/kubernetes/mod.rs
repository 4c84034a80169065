//! Kubernetes manifest rules (`PVD-KUBE-NNN`): workloads (every container and init
//! container), their pod specs, Services, NetworkPolicies and RBAC.
//!
//! Decisions worth knowing:
//! - Objects come from the Kubernetes view (`paved_model::k8s`): items of `*List`
//!   kinds are unpacked, and files a kustomization applies as patches are partial
//!   objects, not workloads of their own.
//! - Container security-context fields fall back to the pod's (`Workload::effective`).
//! - Findings about a missing key point at the container's `name:` (container rules)
//!   or at the pod spec's `spec:` key (pod rules).
//! - Parameters: `k8s_required_limits`, `k8s_required_requests` (PVD-KUBE-009, 010).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Kubernetes;

register! {
    privileged::Privileged,
    run_as_root::RunAsRoot,
    privilege_escalation::PrivilegeEscalation,
    host_namespaces::HostNamespaces,
    dangerous_capability::DangerousCapability,
    added_capability::AddedCapability,
    capabilities_not_dropped::CapabilitiesNotDropped,
    writable_root_filesystem::WritableRootFilesystem,
    no_resource_limits::NoResourceLimits,
    no_resource_requests::NoResourceRequests,
    image_latest_tag::ImageLatestTag,
    image_not_pinned::ImageNotPinned,
    token_automount::TokenAutomount,
    no_seccomp::NoSeccomp,
    host_path::HostPath,
    no_liveness_probe::NoLivenessProbe,
    no_readiness_probe::NoReadinessProbe,
    default_namespace::DefaultNamespace,
    no_network_policy::NoNetworkPolicy,
    exposed_service::ExposedService,
    cluster_admin::ClusterAdmin,
    rbac_wildcard::RbacWildcard,
    host_port::HostPort,
    secret_in_env::SecretInEnv,
    default_service_account::DefaultServiceAccount,
    low_uid::LowUid,
    rbac_sensitive::RbacSensitive,
    no_default_deny::NoDefaultDeny,
}

#[cfg(test)]
mod tests;
