use paved_model::k8s::RbacRule;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

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
    /// ## Severity
    /// High for a ClusterRole (every namespace, the cluster's own objects); medium for
    /// a Role, whose reach ends at its namespace. One finding per role, naming every
    /// wildcard field.
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
        let rules = cx.k8s().rbac_rules();
        // Rules come role by role; each role is one finding.
        for role in rules.chunk_by(|a, b| std::ptr::eq(a.role.node, b.role.node)) {
            let mut first = None;
            let mut fields: Vec<&str> = Vec::new();
            for rule in role {
                for field in ["verbs", "resources"] {
                    for (i, s) in rule.items(field) {
                        if s == "*" {
                            first.get_or_insert((rule, field, i));
                            if !fields.contains(&field) {
                                fields.push(field);
                            }
                        }
                    }
                }
            }
            let Some((rule, field, i)) = first else {
                continue;
            };
            let RbacRule { role: obj, .. } = *rule;
            let severity = if obj.kind() == "ClusterRole" {
                Severity::High
            } else {
                Severity::Medium
            };
            out.at(rule.at(field, i)).severity(severity).say(format!(
                "{} `{}` grants `*` {}",
                obj.kind(),
                obj.name(),
                fields.join(" and ")
            ));
        }
    }
}
