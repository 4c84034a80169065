use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// RBAC role uses wildcards
    ///
    /// ## Why it matters
    /// `*` in verbs or resources grants today's and tomorrow's permissions alike, including
    /// secrets and escalation paths.
    ///
    /// ## How to fix it
    /// List the exact verbs and resources the subject needs.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["*"]             # flagged
    ///     verbs: ["*"]                 # flagged
    /// ```
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: [configmaps]
    ///     verbs: [get, list]
    /// ```
    pub struct RbacWildcard {
        id: "PVD-KUBE-022",
        severity: High,
        references: ["checkov:CKV_K8S_49", "trivy:KSV-0044", "trivy:KSV-0045", "trivy:KSV-0046", "cis-k8s:5.1.3"],
    }
}

impl Check for RbacWildcard {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for rule in cx.k8s().rbac_rules() {
            for field in ["verbs", "resources"] {
                for (i, s) in rule.items(field) {
                    if s == "*" {
                        out.at(rule.at(field, i)).say(format!(
                            "{} `{}` grants `*` {field}",
                            rule.role.kind(),
                            rule.role.name()
                        ));
                    }
                }
            }
        }
    }
}
