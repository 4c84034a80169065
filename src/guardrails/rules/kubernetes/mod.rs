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
//! - Scope is what applies to the workload. A kustomization's `namespace:` applies
//!   to what it includes (`resources`, `components`, `bases`, transitively; the
//!   outermost one wins), not to every workload of the repository (PVD-KUBE-018). A
//!   kustomization another one includes (a base) is not deployed on its own; a
//!   `Component` no kustomization includes deploys nothing. A manifest no
//!   kustomization includes is deployed as written, together with the other such
//!   manifests of its top-level directory (`kubectl apply -R -f deploy/`), so a
//!   policy under `examples/` does not cover a workload under `deploy/`.
//! - A NetworkPolicy covers a workload only when it is deployed with it (the same
//!   top-level kustomization, or both plain manifests), in the same namespace, and
//!   its `podSelector` selects the pod's labels (`matchLabels` and
//!   `matchExpressions` are evaluated) — PVD-KUBE-019, 028. Labels kustomize adds
//!   are applied per build, as kustomize writes them: `commonLabels` and `labels`
//!   with `includeSelectors` to the pod templates and to a `podSelector` that has
//!   `matchLabels`, `labels` with `includeTemplates` to pod templates only, other
//!   `labels` to `metadata.labels` only (a bare Pod's own); a component's labels
//!   apply to all the kustomization including it builds.
//! - An unset namespace and `default` are one namespace, named `default` in
//!   messages. The cluster's own namespaces (`kube-system`, `kube-public`,
//!   `kube-node-lease`) get no namespace-wide default-deny finding (PVD-KUBE-028): an
//!   add-on deployed there is told about its own pods (PVD-KUBE-019).
//! - Images are judged as the kustomize builds deploy them: a kustomization's
//!   `images:` (`newName`, `newTag`, `digest`, its components' too) rewrites the
//!   container image before PVD-KUBE-012 looks for a digest and PVD-KUBE-011 for a
//!   tag: `newTag` replaces a tag the manifest writes (`:latest`) as well as a
//!   missing one, so a manifest's `:latest` that every build retags is not deployed;
//!   a build that only adds a digest leaves the written tag as the one judged.
//! - A workload whose service account the repository binds to a Role or
//!   ClusterRole calls the API on purpose: its mounted token is not reported
//!   (PVD-KUBE-013). A secrets grant limited by `resourceNames` (a service reading
//!   its own secret) is not "can read secrets" (PVD-KUBE-027).
//! - One cause, one finding. A container with no `securityContext` at all is one
//!   finding of the first of PVD-KUBE-002, 003, 007, 008, 014 whose setting it lacks
//!   (the pod's `securityContext` counts for `runAsNonRoot` and `seccompProfile`),
//!   naming everything it lacks, with the block to add as its detail; the others stay
//!   quiet for that container. Disabling that first rule in a profile drops the
//!   finding. One Role (or ClusterRole) is one finding per rule (PVD-KUBE-022, 027),
//!   and one pod's host paths are one PVD-KUBE-015 finding listing them.
//! - Severity follows docs/drift.md's rubric. Graded per finding (each rule's
//!   `## Severity` says how): PVD-KUBE-005 (escape capabilities critical, network
//!   and tracing ones high), 015 (runtime socket or `/` critical, writable node
//!   configuration or state high, read-only or data paths medium; the worst path of
//!   the pod decides), 022 and 027 (ClusterRole high, Role medium: its reach ends at
//!   its namespace). Moved: 003 privilege escalation and 007 capabilities not
//!   dropped high → medium (they widen what code execution already gives), 009 no
//!   limits medium → low (availability), 012 image not pinned by digest low →
//!   medium (upstream compromise, as for unpinned actions), 025 default service
//!   account medium → low (defence in depth for one workload).
//! - Parameters: `k8s_required_limits`, `k8s_required_requests` (PVD-KUBE-009, 010).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Kubernetes;

register!("guardrails/rules/kubernetes");

#[cfg(test)]
mod tests;
