use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Binding grants cluster-admin
    ///
    /// ## Why it matters
    /// cluster-admin can do anything in every namespace; a compromised subject owns the
    /// cluster.
    ///
    /// ## How to fix it
    /// Bind a Role with only the verbs and resources needed, in the service's namespace.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef:
    ///   kind: ClusterRole
    ///   name: cluster-admin           # flagged
    /// ```
    /// ```yaml
    /// kind: RoleBinding
    /// roleRef:
    ///   kind: Role
    ///   name: app-reader              # only the verbs and resources it needs
    /// ```
    pub struct ClusterAdmin {
        id: "PVD-KUBE-021",
        severity: High,
        references: ["cis-k8s:5.1.1"],
    }
}

impl Check for ClusterAdmin {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for o in cx.k8s().objects() {
            if !matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding") {
                continue;
            }
            if o.node.get_or_empty("roleRef").str_at("name") == Some("cluster-admin") {
                out.at(o.at("roleRef.name"))
                    .say(format!("{} `{}` grants cluster-admin", o.kind(), o.name()));
            }
        }
    }
}
