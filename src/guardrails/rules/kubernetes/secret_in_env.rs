use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Secret passed as environment variable
    ///
    /// ## Why it matters
    /// Environment variables leak into crash dumps, child processes and debug endpoints,
    /// and cannot be rotated without a restart.
    ///
    /// ## How to fix it
    /// Mount the secret as a read-only file volume and read it from there.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   - name: DB_PASSWORD
    ///     valueFrom:
    ///       secretKeyRef: {name: db, key: password}   # flagged
    /// ```
    /// ```yaml
    /// volumeMounts:
    ///   - {name: db, mountPath: /run/secrets/db, readOnly: true}
    /// # with a pod volume: {name: db, secret: {secretName: db}}
    /// ```
    pub struct SecretInEnv {
        id: "PVD-KUBE-024",
        severity: Low,
        references: ["checkov:CKV_K8S_35", "kube-linter:env-var-secret"],
    }
}

impl Check for SecretInEnv {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for (w, c) in cx.k8s().containers() {
            for (i, e) in c.node.get_or_empty("env").items().iter().enumerate() {
                if e.get_or_empty("valueFrom").get("secretKeyRef").is_some() {
                    out.at(c.at(&format!("env[{i}].valueFrom.secretKeyRef"))).say(format!(
                        "{}: secret exposed as environment variable `{}`",
                        w.container_label(c),
                        e.str_at("name").unwrap_or("?")
                    ));
                }
            }
            for (i, e) in c.node.get_or_empty("envFrom").items().iter().enumerate() {
                if e.get("secretRef").is_some() {
                    out.at(c.at(&format!("envFrom[{i}].secretRef"))).say(format!(
                        "{}: whole secret exposed as environment variables",
                        w.container_label(c)
                    ));
                }
            }
        }
    }
}
