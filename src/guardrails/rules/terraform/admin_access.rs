use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// AdministratorAccess policy attached
    ///
    /// ## Why it matters
    /// AdministratorAccess grants every action on every resource; a leaked credential or
    /// compromised workload with it owns the account.
    ///
    /// ## How to fix it
    /// Attach a least-privilege policy instead; keep administrator access to break-glass
    /// roles managed outside the service.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_iam_role_policy_attachment" "service" {
    ///   role       = aws_iam_role.service.name
    ///   # flagged: the service's role administers the account
    ///   policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_iam_role_policy_attachment" "service" {
    ///   role       = aws_iam_role.service.name
    ///   policy_arn = aws_iam_policy.service.arn
    /// }
    /// ```
    pub struct AdminAccess {
        id: "PVD-TF-005",
        severity: High,
        references: ["checkov:CKV_AWS_274", "cis-aws-1.4:1.16"],
    }
}

fn is_admin_arn(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.ends_with(":policy/AdministratorAccess"))
}

impl Check for AdminAccess {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        const ATTACHMENTS: &[&str] = &[
            "aws_iam_role_policy_attachment",
            "aws_iam_user_policy_attachment",
            "aws_iam_group_policy_attachment",
            "aws_iam_policy_attachment",
            "aws_ssoadmin_managed_policy_attachment",
        ];
        for r in cx.terraform().resources("") {
            let t = r.block.type_label();
            let attr = if ATTACHMENTS.contains(&t) {
                r.block
                    .attr("policy_arn")
                    .or_else(|| r.block.attr("managed_policy_arn"))
            } else if t == "aws_iam_role" {
                r.block.attr("managed_policy_arns")
            } else {
                None
            };
            let Some(attr) = attr else { continue };
            let hit = match &attr.value {
                Value::List(items) => items.iter().any(is_admin_arn),
                v => is_admin_arn(v),
            };
            if hit {
                out.at(r.at(&attr.name))
                    .say(format!("{} attaches AdministratorAccess", r.address()));
            }
        }
    }
}
