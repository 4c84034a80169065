use crate::guardrails::params::params;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container has no resource limits
    ///
    /// ## Why it matters
    /// Without limits one container (or one attacker) can exhaust the node's memory or CPU
    /// and take down its neighbours.
    ///
    /// ## How to fix it
    /// Set `resources.limits` for the resources in param `k8s_required_limits` (default cpu
    /// and memory).
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   requests: {cpu: 100m, memory: 128Mi}
    ///   # flagged: no limits
    /// ```
    /// ```yaml
    /// resources:
    ///   requests: {cpu: 100m, memory: 128Mi}
    ///   limits: {cpu: 500m, memory: 256Mi}
    /// ```
    pub struct NoResourceLimits {
        id: "PVD-KUBE-009",
        severity: Low,
        references: ["checkov:CKV_K8S_11", "checkov:CKV_K8S_13", "kube-score:container-resources", "trivy:KSV-0011", "trivy:KSV-0018"],
        params: LimitParams,
    }
}

params! {
    /// Parameters of PVD-KUBE-009.
    pub struct LimitParams {
        /// Resources every container must limit in `resources.limits`.
        k8s_required_limits: Vec<String> = vec!["cpu".to_owned(), "memory".to_owned()],
    }
}

impl Check for NoResourceLimits {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let required = cx.params::<LimitParams>().k8s_required_limits;
        for (w, c) in cx.k8s().containers() {
            let missing = c.missing_resources("limits", &required);
            if !missing.is_empty() {
                out.at(c.at("resources.limits")).say(format!(
                    "{}: no limits for {}",
                    w.container_label(c),
                    missing.join(", ")
                ));
            }
        }
    }
}
