use paved_model::terraform::{lambda_environment, literal_credentials};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Literal credential in a Lambda function's environment
    ///
    /// ## Why it matters
    /// A password, token or key written into `environment.variables` is committed with the
    /// code, copied into every plan and state file, and shown to anyone who can read the
    /// function's configuration: whoever reads the repository can use it.
    ///
    /// ## How to fix it
    /// Store the value in Secrets Manager or SSM Parameter Store and pass only its ARN or
    /// name (`DB_PASSWORD_SECRET_ARN`), read it at start-up with the function's role; then
    /// rotate the exposed credential.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lambda_function" "api" {
    ///   function_name = "acme-api"
    ///   role          = aws_iam_role.api.arn
    ///   environment {
    ///     # flagged: the database password is in the repository
    ///     variables = {
    ///       DB_HOST     = "db.internal"
    ///       DB_PASSWORD = "Sup3r-s3cret-pw"
    ///     }
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_lambda_function" "api" {
    ///   function_name = "acme-api"
    ///   role          = aws_iam_role.api.arn
    ///   environment {
    ///     variables = {
    ///       DB_HOST                = "db.internal"
    ///       DB_PASSWORD_SECRET_ARN = aws_secretsmanager_secret.db.arn
    ///     }
    ///   }
    /// }
    /// ```
    pub struct LambdaEnvSecret {
        id: "PVD-TF-038",
        severity: High,
        references: ["checkov:CKV_AWS_45"],
    }
}

impl Check for LambdaEnvSecret {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for function in cx.terraform().resources("aws_lambda_function") {
            // One function, one fix: every such variable in one finding.
            for found in literal_credentials(lambda_environment(&function)) {
                out.at(found.location()).say(format!(
                    "{}: literal credential in environment variable {}",
                    found.label(&function),
                    found.names()
                ));
            }
        }
    }
}
