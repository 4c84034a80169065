use paved_model::terraform::not_true;
use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// EBS volume not encrypted
    ///
    /// ## Why it matters
    /// Unencrypted volumes and their snapshots expose data to anyone who can copy or share
    /// a snapshot.
    ///
    /// ## How to fix it
    /// Set `encrypted = true` (with `kms_key_id`) on volumes and block devices, or enable
    /// `aws_ebs_encryption_by_default`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_instance" "worker" {
    ///   ami           = "ami-0123456789abcdef0"
    ///   instance_type = "t3.micro"
    ///   root_block_device {
    ///     # flagged: the root volume and its snapshots are readable
    ///     encrypted = false
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_instance" "worker" {
    ///   ami           = "ami-0123456789abcdef0"
    ///   instance_type = "t3.micro"
    ///   root_block_device {
    ///     encrypted  = true
    ///     kms_key_id = aws_kms_key.ebs.arn
    ///   }
    /// }
    /// ```
    pub struct EbsUnencrypted {
        id: "PVD-TF-013",
        severity: Medium,
        references: ["checkov:CKV_AWS_3", "checkov:CKV_AWS_8", "cis-aws-1.4:2.2.1"],
    }
}

impl Check for EbsUnencrypted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        let by_default = tf
            .resources("aws_ebs_encryption_by_default")
            .any(|r| r.block.value("enabled").and_then(Value::as_bool) != Some(false));
        if by_default {
            return;
        }
        for v in tf.resources("aws_ebs_volume") {
            if let Some(unmet) = not_true(v.path(), v.block, "encrypted") {
                out.at(unmet.location).say(unmet.so("the volume is not encrypted"));
            }
        }
        for ty in [
            "aws_instance",
            "aws_launch_template",
            "aws_launch_configuration",
        ] {
            for r in tf.resources(ty) {
                if ty == "aws_instance" && r.block.body.block("root_block_device").is_none() {
                    out.at(r.at("")).say(format!(
                        "{}: no root_block_device, so the root volume is not encrypted",
                        r.address()
                    ));
                }
                for dev in r.block.body.blocks.iter().filter(|d| {
                    matches!(
                        d.kind.as_str(),
                        "root_block_device" | "ebs_block_device" | "block_device_mappings"
                    )
                }) {
                    let target = if dev.kind == "block_device_mappings" {
                        dev.body.block("ebs")
                    } else {
                        Some(dev)
                    };
                    let Some(target) = target else { continue };
                    if let Some(unmet) = not_true(r.path(), target, "encrypted") {
                        out.at(unmet.location).say(unmet.so("the block device is not encrypted"));
                    }
                }
            }
        }
    }
}
