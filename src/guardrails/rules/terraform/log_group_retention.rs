use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CloudWatch log group retention too short or unset
    ///
    /// ## Why it matters
    /// Incidents are often discovered months later; logs that expire early (or a retention
    /// left to chance) leave nothing to investigate.
    ///
    /// ## How to fix it
    /// Set `retention_in_days` to at least the `log_retention_days` parameter (default
    /// 365).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "service" {
    ///   name              = "/acme/service"
    ///   kms_key_id        = aws_kms_key.logs.arn
    ///   # flagged: below the 365 days of log_retention_days
    ///   retention_in_days = 30
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "service" {
    ///   name              = "/acme/service"
    ///   kms_key_id        = aws_kms_key.logs.arn
    ///   retention_in_days = 365
    /// }
    /// ```
    pub struct LogGroupRetention {
        id: "PVD-TF-017",
        severity: Low,
        references: ["checkov:CKV_AWS_338", "checkov:CKV_AWS_66"],
        params: RetentionParams,
    }
}

params! {
    /// Parameters of PVD-TF-017.
    pub struct RetentionParams {
        /// Minimum retention of CloudWatch log groups, in days.
        log_retention_days: i64 = 365,
    }
}

impl Check for LogGroupRetention {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let min = cx.params::<RetentionParams>().log_retention_days;
        for r in cx.terraform().resources("aws_cloudwatch_log_group") {
            let (at, problem) = match r.block.value("retention_in_days") {
                None => (r.at(""), "`retention_in_days` is not set".to_owned()),
                Some(v) => match v.as_number() {
                    Some(d) if d <= 0.0 => (
                        r.at("retention_in_days"),
                        "`retention_in_days = 0` never expires logs by policy".to_owned(),
                    ),
                    Some(d) if (d as i64) < min => {
                        (r.at("retention_in_days"), format!("retention of {d} days"))
                    }
                    _ => continue,
                },
            };
            out.at(at).say(format!(
                "{}: {problem}; the minimum is {min} days",
                r.address()
            ));
        }
    }
}
