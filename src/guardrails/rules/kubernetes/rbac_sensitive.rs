use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, Severity};

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
    /// ## Severity
    /// High for a ClusterRole (every namespace's secrets and pods); medium for a Role,
    /// whose reach ends at its namespace. One finding per role, naming every grant.
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
        let rules = cx.k8s().rbac_rules();
        // Rules come role by role; each role is one finding.
        for role in rules.chunk_by(|a, b| std::ptr::eq(a.role.node, b.role.node)) {
            let mut first = None;
            let mut grants: Vec<String> = Vec::new();
            let mut note = |at, what: String| {
                first.get_or_insert(at);
                if !grants.contains(&what) {
                    grants.push(what);
                }
            };
            for rule in role {
                let verbs = rule.items("verbs");
                for (i, v) in &verbs {
                    if matches!(*v, "escalate" | "bind" | "impersonate") {
                        note(
                            rule.at("verbs", *i),
                            format!("grants `{v}`, a privilege-escalation verb"),
                        );
                    }
                }
                let reads = verbs
                    .iter()
                    .any(|(_, v)| matches!(*v, "get" | "list" | "watch"));
                let creates = verbs.iter().any(|(_, v)| *v == "create");
                // `resourceNames` limits the grant to the named objects (a service
                // reading its own secret), not "secrets" at large.
                let named = !rule.items("resourceNames").is_empty();
                for (i, r) in rule.items("resources") {
                    if r == "secrets" && reads && !named {
                        note(rule.at("resources", i), "can read secrets".to_owned());
                    }
                    if matches!(r, "pods/exec" | "pods/attach") && creates {
                        note(rule.at("resources", i), "can exec into pods".to_owned());
                    }
                }
            }
            let (Some(at), Some(rule)) = (first, role.first()) else {
                continue;
            };
            let (kind, name) = (rule.role.kind(), rule.role.name());
            let severity = if kind == "ClusterRole" {
                Severity::High
            } else {
                Severity::Medium
            };
            let what = match grants.as_slice() {
                [one] => one.clone(),
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
                [] => continue,
            };
            out.at(at)
                .severity(severity)
                .say(format!("{kind} `{name}` {what}"));
        }
    }
}
