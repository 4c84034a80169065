use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Default security group keeps rules
    ///
    /// ## Why it matters
    /// Every instance, endpoint or function launched in the VPC without an explicit
    /// security group lands in the default one; rules left on it silently open traffic to
    /// and from whatever ends up there.
    ///
    /// ## How to fix it
    /// Declare `aws_default_security_group` for the VPC with no `ingress` and no `egress`
    /// blocks (Terraform then removes every rule) and give each resource its own security
    /// group.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_default_security_group" "default" {
    ///   vpc_id = aws_vpc.main.id
    ///   # flagged: anything launched without a security group accepts this traffic
    ///   ingress {
    ///     protocol  = "-1"
    ///     self      = true
    ///     from_port = 0
    ///     to_port   = 0
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// # No ingress or egress blocks: Terraform removes every rule of the default group.
    /// resource "aws_default_security_group" "default" {
    ///   vpc_id = aws_vpc.main.id
    /// }
    /// ```
    pub struct DefaultSecurityGroupRules {
        id: "PVD-TF-041",
        severity: Low,
        references: ["checkov:CKV2_AWS_12", "cis-aws-1.4:5.3"],
    }
}

impl Check for DefaultSecurityGroupRules {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("aws_default_security_group") {
            let blocks: Vec<_> = r
                .block
                .body
                .blocks
                .iter()
                .filter(|b| b.kind == "ingress" || b.kind == "egress")
                .collect();
            // The attribute form: `ingress = [ … ]`; an empty list removes the rules.
            let listed: Vec<_> = ["ingress", "egress"]
                .into_iter()
                .filter(|k| {
                    r.block
                        .value(k)
                        .is_some_and(|v| !matches!(v, Value::List(items) if items.is_empty()))
                })
                .collect();
            let count = blocks.len() + listed.len();
            if count == 0 {
                continue;
            }
            let at = match (blocks.first(), listed.first()) {
                (Some(b), _) => r.within(b, ""),
                (None, Some(k)) => r.at(k),
                (None, None) => r.at(""),
            };
            let rules = if count == 1 { "a rule" } else { "rules" };
            out.at(at).say(format!(
                "{}: the default security group keeps {rules}, applied to everything launched without a security group",
                r.address()
            ));
        }
    }
}
