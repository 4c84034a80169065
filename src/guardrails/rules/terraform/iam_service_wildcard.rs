use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// IAM policy allows every action of a service
    ///
    /// ## Why it matters
    /// `service:*` includes the destructive and permission-changing calls of that service
    /// (e.g. `s3:*` deletes buckets and rewrites their policies).
    ///
    /// ## How to fix it
    /// Replace `service:*` with the specific actions needed, e.g. `s3:GetObject`,
    /// `s3:PutObject`.
    ///
    /// ## Example
    /// ```hcl
    /// data "aws_iam_policy_document" "service" {
    ///   statement {
    ///     # flagged: s3:* also deletes the bucket and rewrites its policy
    ///     actions   = ["s3:*"]
    ///     resources = ["${aws_s3_bucket.data.arn}/*"]
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
    pub struct IamServiceWildcard {
        id: "PVD-TF-002",
        severity: Medium,
        references: ["checkov:CKV_AWS_290", "checkov:CKV_AWS_355", "trivy:AWS-0057"],
    }
}

impl Check for IamServiceWildcard {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for st in cx.terraform().statements().iter().filter(|s| s.allow && !s.has_principal) {
            let Some(actions) = &st.actions else { continue };
            let wild: Vec<&str> = actions
                .iter()
                .filter(|a| {
                    a.split_once(':')
                        .is_some_and(|(svc, act)| !svc.is_empty() && svc != "*" && act == "*")
                })
                .map(String::as_str)
                .collect();
            if !wild.is_empty() {
                out.at(st.actions_at()).say(format!(
                    "{}: Allow statement with {}",
                    st.source,
                    wild.join(", ")
                ));
            }
        }
    }
}
