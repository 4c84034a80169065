use paved_model::terraform::{container_environment, literal_credentials};

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

impl Check for EcsEnvSecret {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for task in cx.terraform().resources("aws_ecs_task_definition") {
            // One finding per container: one fix (move them to `secrets`).
            for found in literal_credentials(container_environment(&task)) {
                out.at(found.location()).say(format!(
                    "{}: literal credential in environment variable {}",
                    found.label(&task),
                    found.names()
                ));
            }
        }
    }
}
