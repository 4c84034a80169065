use crate::guardrails::params::params;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Container has no resource requests
    ///
    /// ## Why it matters
    /// Without requests the scheduler cannot place the pod sensibly and it is the first
    /// evicted under pressure.
    ///
    /// ## How to fix it
    /// Set `resources.requests` for the resources in param `k8s_required_requests` (default
    /// cpu and memory).
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   limits: {cpu: 500m, memory: 256Mi}
    ///   # flagged: no requests
    /// ```
    /// ```yaml
    /// resources:
    ///   requests: {cpu: 100m, memory: 128Mi}
    ///   limits: {cpu: 500m, memory: 256Mi}
    /// ```
    pub struct NoResourceRequests {
        id: "PVD-KUBE-010",
        severity: Low,
        references: ["checkov:CKV_K8S_10", "checkov:CKV_K8S_12", "trivy:KSV-0015", "trivy:KSV-0016"],
        params: RequestParams,
    }
}

params! {
    /// Parameters of PVD-KUBE-010.
    pub struct RequestParams {
        /// Resources every container must request in `resources.requests`.
        k8s_required_requests: Vec<String> = vec!["cpu".to_owned(), "memory".to_owned()],
    }
}

impl Check for NoResourceRequests {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let required = cx.params::<RequestParams>().k8s_required_requests;
        for (w, c) in cx.k8s().containers() {
            let missing = c.missing_resources("requests", &required);
            if !missing.is_empty() {
                out.at(c.at("resources.requests")).say(format!(
                    "{}: no requests for {}",
                    w.container_label(c),
                    missing.join(", ")
                ));
            }
        }
    }
}
