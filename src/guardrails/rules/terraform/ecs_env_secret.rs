use paved_model::terraform::{container_environment, is_credential_name, is_literal_secret};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Literal credential in an ECS container's environment
    ///
    /// ## Why it matters
    /// A password, token or key in a container definition's `environment` is committed with
    /// the code, stored in every task definition revision and shown to anyone who can
    /// describe the task: whoever reads the repository can use it.
    ///
    /// ## How to fix it
    /// Move it to `secrets` with `valueFrom` pointing at a Secrets Manager secret or SSM
    /// parameter the task's execution role may read; then rotate the exposed credential.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecs_task_definition" "api" {
    ///   family = "acme-api"
    ///   container_definitions = jsonencode([{
    ///     name  = "api"
    ///     image = "ghcr.io/acme/api:1.4.2"
    ///     environment = [
    ///       # flagged: the API key is in the repository
    ///       { name = "PAYMENTS_API_KEY", value = "pk_live_51Hx9d2Kq" },
    ///     ]
    ///   }])
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_ecs_task_definition" "api" {
    ///   family = "acme-api"
    ///   container_definitions = jsonencode([{
    ///     name  = "api"
    ///     image = "ghcr.io/acme/api:1.4.2"
    ///     secrets = [
    ///       { name = "PAYMENTS_API_KEY", valueFrom = aws_secretsmanager_secret.payments.arn },
    ///     ]
    ///   }])
    /// }
    /// ```
    pub struct EcsEnvSecret {
        id: "PVD-TF-039",
        severity: High,
        references: ["trivy:AWS-0036"],
    }
}

/// An AWS access key id (`AKIA…`, `ASIA…`), whatever the variable is called.
fn is_access_key_id(value: &str) -> bool {
    value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl Check for EcsEnvSecret {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for task in cx.terraform().resources("aws_ecs_task_definition") {
            let env = container_environment(&task);
            let hits: Vec<_> = env
                .iter()
                .filter(|v| {
                    (is_credential_name(&v.name) && is_literal_secret(&v.value))
                        || is_access_key_id(&v.value)
                })
                .collect();
            // One finding per container: one fix (move them to `secrets`).
            let mut containers: Vec<Option<&str>> = hits.iter().map(|v| v.container.as_deref()).collect();
            containers.dedup();
            for container in containers {
                let of: Vec<_> = hits
                    .iter()
                    .filter(|v| v.container.as_deref() == container)
                    .collect();
                let names: Vec<String> = of.iter().map(|v| format!("`{}`", v.name)).collect();
                let label = match container {
                    Some(c) => format!("{}, container `{c}`", task.address()),
                    None => task.address(),
                };
                out.at(of[0].location).say(format!(
                    "{label}: literal credential in environment variable {}",
                    names.join(", ")
                ));
            }
        }
    }
}
