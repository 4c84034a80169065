use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// IAM policy grants actions on all resources
    ///
    /// ## Why it matters
    /// `Resource: "*"` applies the granted actions to every current and future resource in
    /// the account, not just the workload's own.
    ///
    /// ## How to fix it
    /// Scope `Resource` to the ARNs the workload owns; keep `*` only for actions without
    /// resource-level permissions (e.g. `ecr:GetAuthorizationToken`).
    ///
    /// Statements of one policy that share a location (a JSON policy in a heredoc or
    /// `jsonencode`, where every statement points at the policy attribute) are one
    /// finding that names their actions, not one identical message per statement.
    ///
    /// ## Example
    /// ```hcl
    /// data "aws_iam_policy_document" "service" {
    ///   statement {
    ///     actions   = ["secretsmanager:GetSecretValue"]
    ///     # flagged: every secret in the account
    ///     resources = ["*"]
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// data "aws_iam_policy_document" "service" {
    ///   statement {
    ///     actions   = ["secretsmanager:GetSecretValue"]
    ///     resources = [aws_secretsmanager_secret.db.arn]
    ///   }
    /// }
    /// ```
    pub struct IamAllResources {
        id: "PVD-TF-003",
        severity: High,
        references: ["checkov:CKV_AWS_355", "checkov:CKV_AWS_288", "checkov:CKV_AWS_289", "trivy:AWS-0057"],
    }
}

/// Actions that have no resource-level permissions, so `Resource: "*"` is required.
fn needs_star_resource(action: &str) -> bool {
    const EXACT: &[&str] = &[
        "ecr:GetAuthorizationToken",
        "sts:GetCallerIdentity",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
        "cloudwatch:PutMetricData",
        "logs:DescribeLogGroups",
        "s3:ListAllMyBuckets",
        "kms:ListAliases",
        "kms:ListKeys",
        "ssm:DescribeParameters",
        "secretsmanager:ListSecrets",
        "tag:GetResources",
    ];
    if EXACT.iter().any(|e| e.eq_ignore_ascii_case(action)) {
        return true;
    }
    action.split_once(':').is_some_and(|(_, act)| {
        act.starts_with("Describe") || (act.starts_with("List") && act.ends_with('*'))
    })
}

impl Check for IamAllResources {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        // (source, line) → the offending statements' actions, in order.
        let mut found: Vec<(String, Location<'_>, usize, Vec<String>)> = Vec::new();
        for st in cx.terraform().statements().iter().filter(|s| s.allow && !s.has_principal) {
            let Some(resources) = &st.resources else {
                continue;
            };
            if !resources.iter().any(|r| r == "*") {
                continue;
            }
            // Action "*" on Resource "*" is PVD-TF-001's finding (full administrator).
            if st
                .actions
                .as_ref()
                .is_some_and(|a| a.iter().any(|x| x == "*" || x == "*:*"))
            {
                continue;
            }
            let exempt = st
                .actions
                .as_ref()
                .is_some_and(|a| !a.is_empty() && a.iter().all(|x| needs_star_resource(x)));
            if exempt {
                continue;
            }
            let at = st.resources_at();
            let actions = st.actions.clone().unwrap_or_default();
            match found
                .iter_mut()
                .find(|(source, l, _, _)| *source == st.source && *l == at)
            {
                Some((_, _, n, all)) => {
                    *n += 1;
                    all.extend(actions);
                }
                None => found.push((st.source.clone(), at, 1, actions)),
            }
        }
        for (source, at, statements, mut actions) in found {
            let mut seen = std::collections::HashSet::new();
            actions.retain(|a| seen.insert(a.clone()));
            let what = match statements {
                1 => "Allow statement".to_owned(),
                n => format!("{n} Allow statements"),
            };
            out.at(at).say(format!(
                "{source}: {what} on Resource \"*\"{}",
                describe_actions(&actions)
            ));
        }
    }
}

/// ` for logs:CreateLogStream, ecr:BatchGetImage and 3 more`, or nothing when the
/// actions are not literal.
fn describe_actions(actions: &[String]) -> String {
    const SHOWN: usize = 4;
    match actions.len() {
        0 => String::new(),
        1 => format!(" for {}", actions[0]),
        n if n <= SHOWN => format!(
            " for {} and {}",
            actions[..n - 1].join(", "),
            actions[n - 1]
        ),
        n => format!(
            " for {} and {} more",
            actions[..SHOWN].join(", "),
            n - SHOWN
        ),
    }
}
