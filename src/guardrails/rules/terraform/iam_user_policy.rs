use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// IAM policy attached directly to a user
    ///
    /// ## Why it matters
    /// Permissions on individual users are hard to review and revoke, and users carry
    /// long-lived keys; grants belong on roles or groups.
    ///
    /// ## How to fix it
    /// Attach policies to a group or, better, a role assumed through SSO or OIDC.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: a policy on one user
    /// resource "aws_iam_user_policy_attachment" "bob" {
    ///   user       = aws_iam_user.bob.name
    ///   policy_arn = aws_iam_policy.deploy.arn
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_iam_group_policy_attachment" "deployers" {
    ///   group      = aws_iam_group.deployers.name
    ///   policy_arn = aws_iam_policy.deploy.arn
    /// }
    /// ```
    pub struct IamUserPolicy {
        id: "PVD-TF-004",
        severity: Low,
        references: ["checkov:CKV_AWS_40", "cis-aws-1.4:1.15"],
    }
}

impl Check for IamUserPolicy {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("") {
            let t = r.block.type_label();
            if t == "aws_iam_user_policy" || t == "aws_iam_user_policy_attachment" {
                out.at(r.at(""))
                    .say(format!("{} attaches a policy to a user", r.address()));
            } else if t == "aws_iam_policy_attachment" {
                if let Some(a) = r.block.attr("users") {
                    if !matches!(&a.value, Value::List(items) if items.is_empty()) {
                        out.at(r.at("users"))
                            .say(format!("{} attaches a policy to users", r.address()));
                    }
                }
            }
        }
    }
}
