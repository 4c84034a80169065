use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// RBAC role grants sensitive access
    ///
    /// ## Why it matters
    /// Reading secrets, exec into pods, or the escalate/bind/impersonate verbs each let a
    /// subject obtain more privileges than the role states.
    ///
    /// ## How to fix it
    /// Remove access to secrets and pods/exec, and the escalate, bind and impersonate
    /// verbs, from service roles.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: [secrets]         # flagged: read access to every secret
    ///     verbs: [get, list]
    /// ```
    /// ```yaml
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: [configmaps]
    ///     resourceNames: [app-config]
    ///     verbs: [get]
    /// ```
    pub struct RbacSensitive {
        id: "PVD-KUBE-027",
        severity: High,
        references: ["checkov:CKV_K8S_157", "checkov:CKV_K8S_158", "trivy:KSV-0041", "trivy:KSV-0053", "cis-k8s:5.1.2"],
    }
}

impl Check for RbacSensitive {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for rule in cx.k8s().rbac_rules() {
            let (kind, name) = (rule.role.kind(), rule.role.name());
            let verbs = rule.items("verbs");
            for (i, v) in &verbs {
                if matches!(*v, "escalate" | "bind" | "impersonate") {
                    out.at(rule.at("verbs", *i)).say(format!(
                        "{kind} `{name}` grants `{v}`, a privilege-escalation verb"
                    ));
                }
            }
            let reads = verbs.iter().any(|(_, v)| matches!(*v, "get" | "list" | "watch"));
            let creates = verbs.iter().any(|(_, v)| *v == "create");
            for (i, r) in rule.items("resources") {
                if r == "secrets" && reads {
                    out.at(rule.at("resources", i))
                        .say(format!("{kind} `{name}` can read secrets"));
                }
                if matches!(r, "pods/exec" | "pods/attach") && creates {
                    out.at(rule.at("resources", i))
                        .say(format!("{kind} `{name}` can exec into pods"));
                }
            }
        }
    }
}
