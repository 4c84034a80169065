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
            // One container's secret variables are one fix (mount the secrets as files):
            // one finding, at the first of them.
            let mut first: Option<String> = None;
            let mut names: Vec<&str> = Vec::new();
            for (i, e) in c.node.get_or_empty("env").items().iter().enumerate() {
                if e.get_or_empty("valueFrom").get("secretKeyRef").is_some() {
                    first.get_or_insert_with(|| format!("env[{i}].valueFrom.secretKeyRef"));
                    names.push(e.str_at("name").unwrap_or("?"));
                }
            }
            let mut whole = 0;
            for (i, e) in c.node.get_or_empty("envFrom").items().iter().enumerate() {
                if e.get("secretRef").is_some() {
                    first.get_or_insert_with(|| format!("envFrom[{i}].secretRef"));
                    whole += 1;
                }
            }
            let Some(first) = first else { continue };
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            let what = match (quoted.len(), whole) {
                (0, _) => "whole secret exposed as environment variables".to_owned(),
                (1, 0) => format!("secret exposed as environment variable {}", quoted[0]),
                (_, 0) => format!(
                    "secrets exposed as environment variables {}",
                    quoted.join(", ")
                ),
                (_, _) => format!(
                    "secrets exposed as environment variables {} and a whole secret through `envFrom`",
                    quoted.join(", ")
                ),
            };
            out.at(c.at(&first))
                .say(format!("{}: {what}", w.container_label(c)));
        }
    }
}
