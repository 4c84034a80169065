use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// IAM policy allows all actions
    ///
    /// ## Why it matters
    /// `Action: "*"` (or an Allow with NotAction) grants every API in the account,
    /// including IAM itself: whoever holds it is an administrator.
    ///
    /// ## How to fix it
    /// List the specific actions the workload calls; use IAM Access Analyzer policy
    /// generation to find them.
    ///
    /// ## Example
    /// ```hcl
    /// data "aws_iam_policy_document" "service" {
    ///   statement {
    ///     # flagged: every action in the account
    ///     actions   = ["*"]
    ///     resources = [aws_s3_bucket.data.arn]
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// data "aws_iam_policy_document" "service" {
    ///   statement {
    ///     actions   = ["s3:GetObject", "s3:PutObject"]
    ///     resources = ["${aws_s3_bucket.data.arn}/*"]
    ///   }
    /// }
    /// ```
    pub struct IamAllActions {
        id: "PVD-TF-001",
        severity: High,
        references: ["checkov:CKV_AWS_62", "checkov:CKV_AWS_63", "checkov:CKV_AWS_1", "trivy:AWS-0057", "cis-aws-1.4:1.16"],
    }
}

impl Check for IamAllActions {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        // Identity policies only: statements naming principals are resource or trust
        // policies (PVD-TF-029 covers their principals).
        for st in cx.terraform().statements().iter().filter(|s| s.allow && !s.has_principal) {
            if st.not_actions {
                out.at(st.at()).say(format!(
                    "{}: Allow with NotAction grants every other action",
                    st.source
                ));
            } else if st
                .actions
                .as_ref()
                .is_some_and(|a| a.iter().any(|x| x == "*" || x == "*:*"))
            {
                // With `Resource: "*"` as well it is one problem, full administrator,
                // reported here once (PVD-TF-003 leaves it alone).
                let everywhere = st
                    .resources
                    .as_ref()
                    .is_some_and(|r| r.iter().any(|x| x == "*"));
                let on = if everywhere { " on Resource \"*\"" } else { "" };
                out.at(st.actions_at())
                    .say(format!("{}: Allow statement with Action \"*\"{on}", st.source));
            }
        }
    }
}
