use paved_model::secrets::{base64_decode, is_stand_in};
use paved_model::Location;
use paved_parse::yaml::Node;

use super::scan::{Scope, SecretParams};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Kubernetes Secret with literal data committed
    ///
    /// ## Why it matters
    /// A Secret manifest in git carries its values to everyone who can read the
    /// repository: `data` is base64, an encoding anyone reverses, and `stringData` is
    /// plain text. Database passwords, API keys and TLS private keys committed this way
    /// are as exposed as if they were written into the code.
    ///
    /// ## How to fix it
    /// Rotate the values, delete the Secret manifest from git and create it at deploy
    /// time from a secret manager (External Secrets Operator, Vault, a CSI secret
    /// store) or commit it encrypted (Sealed Secrets, SOPS).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata: {name: db}
    /// # flagged: base64 of a real password
    /// data:
    ///   password: VHIwdWI0ZG9yLWFuZC0z
    /// ```
    /// ```yaml
    /// apiVersion: external-secrets.io/v1beta1
    /// kind: ExternalSecret
    /// metadata: {name: db}
    /// spec:
    ///   secretStoreRef: {name: vault, kind: ClusterSecretStore}
    ///   data:
    ///     - secretKey: password
    ///       remoteRef: {key: prod/db, property: password}
    /// ```
    pub struct KubernetesSecretData {
        id: "PVD-SECRET-006",
        severity: High,
        references: ["checkov:CKV_SECRET_6", "kube-linter:env-var-secret", "trivy:private-key"],
        params: SecretParams,
    }
}

/// What one literal value of a Secret is, for the message; `None` for a stand-in.
fn describe(decoded: &str) -> Option<String> {
    let value = decoded.trim();
    if value.is_empty() || is_stand_in(value) {
        return None;
    }
    if value.contains("PRIVATE KEY-----") {
        return Some("a private key".to_owned());
    }
    if value.starts_with("-----BEGIN CERTIFICATE") {
        // A certificate is public; only the key beside it is secret.
        return None;
    }
    Some(format!("a {}-character value", value.chars().count()))
}

/// The literal values under `data` (decoded) and `stringData`: (key node, what it is).
fn literal_values(object: &Node) -> Vec<(&Node, String, String)> {
    let mut out = Vec::new();
    for (field, decode) in [("data", true), ("stringData", false)] {
        for (key, key_node, value) in object.get_or_empty(field).entries() {
            let Some(raw) = value.as_str() else {
                continue;
            };
            let text = if decode {
                // Not base64 (a template expression, a typo): Kubernetes would refuse it.
                match base64_decode(raw.trim()).map(String::from_utf8) {
                    Some(Ok(text)) => text,
                    _ => continue,
                }
            } else {
                raw.to_owned()
            };
            if let Some(what) = describe(&text) {
                out.push((key_node, format!("{field}.{key}"), what));
            }
        }
    }
    out
}

/// Keys that describe a credential rather than hold it (`username`, `host`): listed
/// when the Secret is reported, but never the reason for it.
fn is_descriptor(key: &str) -> bool {
    let lower = key.to_ascii_lowercase().replace(['-', '.'], "_");
    let last = lower.rsplit('_').next().unwrap_or(&lower);
    matches!(
        last,
        "user" | "username" | "login" | "host" | "hostname" | "port" | "database" | "db"
            | "dbname" | "name" | "namespace" | "region" | "email" | "crt" | "ca"
    )
}

impl Check for KubernetesSecretData {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let scope = Scope::new(cx);
        for object in cx.k8s().of_kind("Secret") {
            // SOPS keeps the encrypted Secret in git on purpose: its values are ciphertext.
            if object.node.get("sops").is_some()
                || scope.skips(&object.path.to_string_lossy().replace('\\', "/"))
            {
                continue;
            }
            let values = literal_values(object.node);
            let secret = values.iter().any(|(_, key, _)| {
                let name = key.split_once('.').map_or(key.as_str(), |(_, k)| k);
                !is_descriptor(name)
            });
            let Some((first, _, _)) = values.first().filter(|_| secret) else {
                continue;
            };
            let listed: Vec<String> = values
                .iter()
                .map(|(_, key, what)| format!("`{key}` ({what})"))
                .collect();
            out.at(Location {
                file: object.path,
                line: Some(first.line()),
            })
            .say(format!(
                "Secret `{}` commits {} literal value{} to git: {}",
                object.name(),
                values.len(),
                if values.len() == 1 { "" } else { "s" },
                listed.join(", ")
            ));
        }
    }
}
