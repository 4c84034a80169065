use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Workload uses the default service account
    ///
    /// ## Why it matters
    /// The default service account is shared by every pod in the namespace; permissions
    /// granted to it for one workload reach all of them.
    ///
    /// ## How to fix it
    /// Create a dedicated ServiceAccount (with `automountServiceAccountToken: false`) and
    /// set `serviceAccountName`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:                          # flagged: no serviceAccountName
    ///   containers:
    ///     - name: app
    /// ```
    /// ```yaml
    /// spec:
    ///   serviceAccountName: app      # its own ServiceAccount
    ///   containers:
    ///     - name: app
    /// ```
    pub struct DefaultServiceAccount {
        id: "PVD-KUBE-025",
        severity: Low,
        references: ["checkov:CKV_K8S_41", "kube-linter:default-service-account", "cis-k8s:5.1.5"],
    }
}

impl Check for DefaultServiceAccount {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for w in cx.k8s().workloads() {
            let key = ["serviceAccountName", "serviceAccount"]
                .into_iter()
                .find(|k| w.pod.get(k).is_some());
            match key {
                Some(k) if w.pod.str_at(k) == Some("default") => out
                    .at(w.pod_at(k))
                    .say(format!("{} uses the namespace's default service account", w.label())),
                Some(_) => {}
                None => out.at(w.pod_location()).say(format!(
                    "{} has no `serviceAccountName`, so it uses the default service account",
                    w.label()
                )),
            }
        }
    }
}
