use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// SSH or RDP open to the internet
    ///
    /// ## Why it matters
    /// Remote administration ports reachable from anywhere are brute-forced continuously
    /// and are a common initial-access path.
    ///
    /// ## How to fix it
    /// Close 22/3389 to the world; use SSM Session Manager or a bastion reachable only from
    /// known networks.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_security_group" "bastion" {
    ///   ingress {
    ///     from_port   = 22
    ///     to_port     = 22
    ///     protocol    = "tcp"
    ///     # flagged: SSH from anywhere
    ///     cidr_blocks = ["0.0.0.0/0"]
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_security_group" "bastion" {
    ///   ingress {
    ///     from_port   = 22
    ///     to_port     = 22
    ///     protocol    = "tcp"
    ///     cidr_blocks = ["203.0.113.0/24"]
    ///   }
    /// }
    /// ```
    pub struct AdminPortsOpen {
        id: "PVD-TF-012",
        severity: Critical,
        references: ["checkov:CKV_AWS_24", "checkov:CKV_AWS_25", "trivy:AWS-0107", "cis-aws-1.4:5.2"],
    }
}

impl Check for AdminPortsOpen {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for ing in cx.terraform().world_ingress() {
            let Some(ports) = ing.ports else { continue };
            if let Some(p) = ports.admin_port() {
                let name = if p == 22 { "SSH" } else { "RDP" };
                out.at(ing.location).say(format!(
                    "{}: {}{} open to the internet ({name})",
                    ing.resource.address(),
                    ports.describe(),
                    ing.ports_origin()
                ));
            }
        }
    }
}
