use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A kustomization builds on a remote base or chart that is not audited
    ///
    /// ## Why it matters
    /// A remote base, component or Helm chart pulled by kustomize carries most of what
    /// is deployed (the workloads, their security contexts and RBAC), yet it lives
    /// outside the repository, so auditing the repository alone sees only the overlay's
    /// patches.
    ///
    /// ## How to fix it
    /// Audit what kustomize builds: `kustomize build DIR | paved drift --manifests -`
    /// (`kubectl kustomize DIR` works too; add `--enable-helm` for helmCharts). Pin
    /// remote bases to a commit (`?ref=<sha>`) so the audited build is the deployed
    /// one, then waive this finding with that reason.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: deploy/kustomization.yaml builds on a remote base
    /// resources:
    ///   - github.com/acme/platform-base//app?ref=v2
    /// ```
    /// ```yaml
    /// # a CI step audits what kustomize builds, and the base is pinned to a commit
    /// - run: kustomize build deploy | paved drift --manifests -
    /// ```
    pub struct RemoteKustomizeBase {
        id: "PVD-AUDIT-003",
        severity: Low,
        references: [],
    }
}

impl EngineRule for RemoteKustomizeBase {
    const RAISED_IN: &'static str = "src/drift/blind_spots.rs";
}
