//! Terraform rules (`PVD-TF-NNN`), AWS first: IAM least privilege, S3 exposure and
//! protection, network ingress, encryption at rest, logging, key rotation, image
//! registries, and credentials in provider blocks.
//!
//! Decisions worth knowing:
//! - Only literal values decide. A reference, a call or an interpolation is unknown
//!   and never produces a finding by itself; a companion resource (public access
//!   block, encryption configuration, …) whose `bucket` cannot be resolved is assumed
//!   to cover every bucket of its module.
//! - Companion resources are matched within the same directory (one Terraform
//!   module), by reference (`aws_s3_bucket.NAME.id` / `.bucket`) or by literal name.
//! - World-open ingress (`0.0.0.0/0`, `::/0`) is allowed on `public_ingress_ports`
//!   (default `[443]`) unless the repository context says `exposure = "internal"`,
//!   in which case any world-open ingress is a finding. SSH and RDP have their own,
//!   more severe rule.
//! - The wildcard rules (001–003) look at identity policies: statements that name
//!   principals are resource or trust policies, where `Resource: "*"` means "this
//!   resource" (KMS key policies); rule 029 covers their principals instead.
//! - Parameters: `public_ingress_ports` (list of ports, default `[443]`) and
//!   `log_retention_days` (default 365).
//! - Lines point at the offending attribute, or at the resource header when the
//!   attribute that would fix it is missing.

use std::collections::BTreeSet;
use std::path::Path;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, RepoModel, Severity};
use crate::parse::hcl::{Block, TerraformFile, Value};

const fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    rationale: &'static str,
    remediation: &'static str,
    references: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        domain: Domain::Terraform,
        severity,
        rationale,
        remediation,
        references,
    }
}

pub static RULES: &[Rule] = &[
    Rule {
        meta: meta(
            "PVD-TF-001",
            "IAM policy allows all actions",
            Severity::Critical,
            "`Action: \"*\"` (or an Allow with NotAction) grants every API in the account, including IAM itself: whoever holds it is an administrator.",
            "List the specific actions the workload calls; use IAM Access Analyzer policy generation to find them.",
            &["checkov:CKV_AWS_62", "checkov:CKV_AWS_63", "checkov:CKV_AWS_1", "trivy:AWS-0057", "cis-aws-1.4:1.16"],
        ),
        check: check_all_actions,
    },
    Rule {
        meta: meta(
            "PVD-TF-002",
            "IAM policy allows every action of a service",
            Severity::High,
            "`service:*` includes the destructive and permission-changing calls of that service (e.g. `s3:*` deletes buckets and rewrites their policies).",
            "Replace `service:*` with the specific actions needed, e.g. `s3:GetObject`, `s3:PutObject`.",
            &["checkov:CKV_AWS_290", "checkov:CKV_AWS_355", "trivy:AWS-0057"],
        ),
        check: check_service_wildcard,
    },
    Rule {
        meta: meta(
            "PVD-TF-003",
            "IAM policy grants actions on all resources",
            Severity::High,
            "`Resource: \"*\"` applies the granted actions to every current and future resource in the account, not just the workload's own.",
            "Scope `Resource` to the ARNs the workload owns; keep `*` only for actions without resource-level permissions (e.g. `ecr:GetAuthorizationToken`).",
            &["checkov:CKV_AWS_355", "checkov:CKV_AWS_288", "checkov:CKV_AWS_289", "trivy:AWS-0057"],
        ),
        check: check_all_resources,
    },
    Rule {
        meta: meta(
            "PVD-TF-004",
            "IAM policy attached directly to a user",
            Severity::Medium,
            "Permissions on individual users are hard to review and revoke, and users carry long-lived keys; grants belong on roles or groups.",
            "Attach policies to a group or, better, a role assumed through SSO or OIDC.",
            &["checkov:CKV_AWS_40", "cis-aws-1.4:1.15"],
        ),
        check: check_user_policy,
    },
    Rule {
        meta: meta(
            "PVD-TF-005",
            "AdministratorAccess policy attached",
            Severity::Critical,
            "AdministratorAccess grants every action on every resource; a leaked credential or compromised workload with it owns the account.",
            "Attach a least-privilege policy instead; keep administrator access to break-glass roles managed outside the service.",
            &["checkov:CKV_AWS_274", "cis-aws-1.4:1.16"],
        ),
        check: check_admin_access,
    },
    Rule {
        meta: meta(
            "PVD-TF-006",
            "S3 bucket ACL grants public access",
            Severity::Critical,
            "A public-read or public-read-write ACL exposes (or lets anyone overwrite) every object in the bucket.",
            "Set the ACL to `private` (or use bucket-owner-enforced object ownership) and serve public content through CloudFront with origin access control.",
            &["checkov:CKV_AWS_20", "checkov:CKV_AWS_57", "trivy:AWS-0092"],
        ),
        check: check_s3_public_acl,
    },
    Rule {
        meta: meta(
            "PVD-TF-007",
            "S3 bucket without a complete public access block",
            Severity::High,
            "Without all four public-access-block flags a single ACL or bucket-policy change can make the bucket public.",
            "Add `aws_s3_bucket_public_access_block` for the bucket with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all `true`.",
            &["checkov:CKV_AWS_53", "checkov:CKV_AWS_54", "checkov:CKV_AWS_55", "checkov:CKV_AWS_56", "trivy:AWS-0086", "cis-aws-1.4:2.1.5"],
        ),
        check: check_s3_public_access_block,
    },
    Rule {
        meta: meta(
            "PVD-TF-008",
            "S3 bucket without a default encryption configuration",
            Severity::High,
            "Without an explicit SSE-KMS configuration objects are encrypted with keys you cannot restrict or audit, and a bucket policy alone cannot prevent unencrypted uploads.",
            "Add `aws_s3_bucket_server_side_encryption_configuration` with `sse_algorithm = \"aws:kms\"` and a customer-managed key.",
            &["checkov:CKV_AWS_19", "checkov:CKV_AWS_145", "trivy:AWS-0088", "cis-aws-1.4:2.1.1"],
        ),
        check: check_s3_encryption,
    },
    Rule {
        meta: meta(
            "PVD-TF-009",
            "S3 bucket versioning not enabled",
            Severity::Medium,
            "Without versioning an overwrite or delete (by mistake or by ransomware) destroys the data for good.",
            "Add `aws_s3_bucket_versioning` with `status = \"Enabled\"`.",
            &["checkov:CKV_AWS_21"],
        ),
        check: check_s3_versioning,
    },
    Rule {
        meta: meta(
            "PVD-TF-010",
            "S3 bucket access logging not configured",
            Severity::Low,
            "Without server access logs there is no record of who read or changed objects when investigating an incident.",
            "Add `aws_s3_bucket_logging` pointing at a dedicated log bucket.",
            &["checkov:CKV_AWS_18"],
        ),
        check: check_s3_logging,
    },
    Rule {
        meta: meta(
            "PVD-TF-011",
            "Security group allows internet ingress to a non-public port",
            Severity::High,
            "Ports open to 0.0.0.0/0 or ::/0 are scanned within minutes; anything but the intended public listener (and any port at all on an internal service) widens the attack surface.",
            "Restrict the source to known CIDRs or security groups, or put the service behind a load balancer that alone is open on the ports in `public_ingress_ports`.",
            &["checkov:CKV_AWS_260", "checkov:CKV_AWS_277", "trivy:AWS-0107"],
        ),
        check: check_world_ingress,
    },
    Rule {
        meta: meta(
            "PVD-TF-012",
            "SSH or RDP open to the internet",
            Severity::Critical,
            "Remote administration ports reachable from anywhere are brute-forced continuously and are a common initial-access path.",
            "Close 22/3389 to the world; use SSM Session Manager or a bastion reachable only from known networks.",
            &["checkov:CKV_AWS_24", "checkov:CKV_AWS_25", "trivy:AWS-0107", "cis-aws-1.4:5.2"],
        ),
        check: check_admin_ports,
    },
    Rule {
        meta: meta(
            "PVD-TF-013",
            "EBS volume not encrypted",
            Severity::High,
            "Unencrypted volumes and their snapshots expose data to anyone who can copy or share a snapshot.",
            "Set `encrypted = true` (with `kms_key_id`) on volumes and block devices, or enable `aws_ebs_encryption_by_default`.",
            &["checkov:CKV_AWS_3", "checkov:CKV_AWS_8", "cis-aws-1.4:2.2.1"],
        ),
        check: check_ebs_encryption,
    },
    Rule {
        meta: meta(
            "PVD-TF-014",
            "RDS storage not encrypted",
            Severity::High,
            "Unencrypted database storage, backups and snapshots expose their data to anyone who obtains a copy.",
            "Set `storage_encrypted = true` with a customer-managed `kms_key_id`.",
            &["checkov:CKV_AWS_16", "cis-aws-1.4:2.3.1"],
        ),
        check: check_rds_encryption,
    },
    Rule {
        meta: meta(
            "PVD-TF-015",
            "RDS instance publicly accessible",
            Severity::Critical,
            "A publicly accessible database gets a public address; its only protection left is the password.",
            "Set `publicly_accessible = false` and reach the database from inside the VPC.",
            &["checkov:CKV_AWS_17", "trivy:AWS-0180"],
        ),
        check: check_rds_public,
    },
    Rule {
        meta: meta(
            "PVD-TF-016",
            "CloudWatch log group not encrypted with a customer-managed key",
            Severity::Medium,
            "Logs carry request data and tokens; without a KMS key you control, access to them cannot be restricted or audited separately.",
            "Set `kms_key_id` to a customer-managed KMS key whose policy allows the CloudWatch Logs service.",
            &["checkov:CKV_AWS_158"],
        ),
        check: check_log_group_kms,
    },
    Rule {
        meta: meta(
            "PVD-TF-017",
            "CloudWatch log group retention too short or unset",
            Severity::Medium,
            "Incidents are often discovered months later; logs that expire early (or a retention left to chance) leave nothing to investigate.",
            "Set `retention_in_days` to at least the `log_retention_days` parameter (default 365).",
            &["checkov:CKV_AWS_338", "checkov:CKV_AWS_66"],
        ),
        check: check_log_group_retention,
    },
    Rule {
        meta: meta(
            "PVD-TF-018",
            "KMS key rotation not enabled",
            Severity::Medium,
            "Without rotation a key's material lives forever, so any exposure of it stays exploitable for all data it ever protected.",
            "Set `enable_key_rotation = true` on symmetric customer-managed keys.",
            &["checkov:CKV_AWS_7", "cis-aws-1.4:3.8"],
        ),
        check: check_kms_rotation,
    },
    Rule {
        meta: meta(
            "PVD-TF-019",
            "ECR repository allows mutable tags",
            Severity::Medium,
            "With mutable tags anyone who can push can silently replace the image a deployment refers to.",
            "Set `image_tag_mutability = \"IMMUTABLE\"` and deploy by digest.",
            &["checkov:CKV_AWS_51", "trivy:AWS-0031"],
        ),
        check: check_ecr_mutable,
    },
    Rule {
        meta: meta(
            "PVD-TF-020",
            "ECR repository does not scan images on push",
            Severity::Medium,
            "Images with known vulnerabilities are stored and deployed without anyone being told.",
            "Add `image_scanning_configuration { scan_on_push = true }` or an account-level `aws_ecr_registry_scanning_configuration`.",
            &["checkov:CKV_AWS_163", "trivy:AWS-0030"],
        ),
        check: check_ecr_scan,
    },
    Rule {
        meta: meta(
            "PVD-TF-021",
            "ECR repository not encrypted with KMS",
            Severity::Low,
            "With the default AES256 encryption access to image layers cannot be restricted or audited through a key policy.",
            "Add `encryption_configuration { encryption_type = \"KMS\" kms_key = … }`.",
            &["checkov:CKV_AWS_136", "trivy:AWS-0033"],
        ),
        check: check_ecr_kms,
    },
    Rule {
        meta: meta(
            "PVD-TF-022",
            "SQS queue not encrypted",
            Severity::Medium,
            "Messages often carry personal data or tokens; unencrypted queues expose them at rest.",
            "Set `kms_master_key_id` (customer-managed key preferred) or `sqs_managed_sse_enabled = true`.",
            &["checkov:CKV_AWS_27", "trivy:AWS-0096"],
        ),
        check: check_sqs_encryption,
    },
    Rule {
        meta: meta(
            "PVD-TF-023",
            "SNS topic not encrypted with KMS",
            Severity::Medium,
            "Unencrypted topics store message payloads in the clear at rest.",
            "Set `kms_master_key_id` to a KMS key.",
            &["checkov:CKV_AWS_26", "trivy:AWS-0095"],
        ),
        check: check_sns_encryption,
    },
    Rule {
        meta: meta(
            "PVD-TF-024",
            "EKS API endpoint public to the internet",
            Severity::High,
            "A Kubernetes API reachable from anywhere is exposed to credential stuffing and to every future API-server vulnerability.",
            "Set `endpoint_public_access = false`, or restrict `public_access_cidrs` to known networks.",
            &["checkov:CKV_AWS_38", "checkov:CKV_AWS_39", "trivy:AWS-0040", "trivy:AWS-0041"],
        ),
        check: check_eks_public,
    },
    Rule {
        meta: meta(
            "PVD-TF-025",
            "CloudTrail trail not multi-region",
            Severity::Medium,
            "Activity in regions the trail does not cover (a favourite place to run crypto miners) goes unrecorded.",
            "Set `is_multi_region_trail = true`.",
            &["checkov:CKV_AWS_67", "cis-aws-1.4:3.1"],
        ),
        check: check_cloudtrail_multi_region,
    },
    Rule {
        meta: meta(
            "PVD-TF-026",
            "CloudTrail log file validation disabled",
            Severity::Medium,
            "Without digest files, tampering with or deleting trail logs after a compromise cannot be detected.",
            "Set `enable_log_file_validation = true`.",
            &["checkov:CKV_AWS_36", "cis-aws-1.4:3.2"],
        ),
        check: check_cloudtrail_validation,
    },
    Rule {
        meta: meta(
            "PVD-TF-027",
            "AWS credentials hard-coded in a provider block",
            Severity::Critical,
            "Access keys in Terraform code end up in version control, CI logs and every clone; they are the most common cause of account compromise.",
            "Remove `access_key` / `secret_key` / `token`; use OIDC role assumption in CI and SSO profiles locally. Rotate the exposed key now.",
            &["checkov:CKV_AWS_41", "trivy:AWS-0133"],
        ),
        check: check_provider_credentials,
    },
    Rule {
        meta: meta(
            "PVD-TF-028",
            "EC2 instance metadata does not require IMDSv2",
            Severity::High,
            "IMDSv1 answers plain GET requests, so an SSRF bug in the service is enough to steal the instance role's credentials.",
            "Add `metadata_options { http_tokens = \"required\" }` to instances and launch templates.",
            &["checkov:CKV_AWS_79", "trivy:AWS-0028"],
        ),
        check: check_imdsv2,
    },
    Rule {
        meta: meta(
            "PVD-TF-029",
            "Resource policy allows any principal",
            Severity::Critical,
            "An Allow for `Principal: \"*\"` without a condition opens the bucket, queue, topic or key to every AWS account and often to anonymous users.",
            "Name the principals (account, role or service) that need access, or add conditions such as `aws:SourceArn` / `aws:PrincipalOrgID`.",
            &["checkov:CKV_AWS_70", "checkov:CKV_AWS_72", "checkov:CKV_AWS_168", "checkov:CKV_AWS_33"],
        ),
        check: check_any_principal,
    },
    Rule {
        meta: meta(
            "PVD-TF-030",
            "CloudTrail logs not encrypted with a customer-managed key",
            Severity::Medium,
            "Trail logs reveal the whole account's activity; with only S3-managed encryption anyone who can read the bucket can read them.",
            "Set `kms_key_id` on the trail to a customer-managed KMS key.",
            &["checkov:CKV_AWS_35", "cis-aws-1.4:3.7"],
        ),
        check: check_cloudtrail_kms,
    },
];

// ---------------------------------------------------------------------------
// helpers

/// Every `resource "TYPE"` in the repository with its file.
fn resources<'a>(
    repo: &'a RepoModel,
    type_: &'a str,
) -> impl Iterator<Item = (&'a TerraformFile, &'a Block)> + 'a {
    repo.terraform()
        .iter()
        .flat_map(move |tf| tf.resources(type_).map(move |b| (tf, b)))
}

fn module_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

/// `resource "TYPE"` blocks in the same module (directory) as `file`.
fn companions<'a>(
    repo: &'a RepoModel,
    file: &Path,
    type_: &'a str,
) -> Vec<(&'a TerraformFile, &'a Block)> {
    let dir = module_dir(file);
    repo.terraform()
        .iter()
        .filter(|tf| module_dir(&tf.path) == dir)
        .flat_map(|tf| tf.resources(type_).map(move |b| (tf, b)))
        .collect()
}

/// How a companion's `bucket` argument relates to a bucket.
#[derive(PartialEq)]
enum Target {
    This,
    Other,
    Unknown,
}

fn targets(value: Option<&Value>, bucket: &Block) -> Target {
    let address = bucket.address();
    match value {
        Some(Value::Reference(r)) => {
            let rest = r.strip_prefix(address.as_str());
            if rest.is_some_and(|x| x.is_empty() || x.starts_with('.') || x.starts_with('[')) {
                Target::This
            } else if r.starts_with("aws_s3_bucket.") {
                Target::Other
            } else {
                Target::Unknown
            }
        }
        Some(Value::String(s)) => match bucket.value("bucket").and_then(Value::as_str) {
            Some(name) if name == s => Target::This,
            _ => Target::Other,
        },
        _ => Target::Unknown,
    }
}

/// The companion of `type_` configuring `bucket`: `Ok(Some)` found, `Ok(None)` none,
/// `Err(())` when some companion's target is unknown (so none may be reported).
type Found<'a> = Result<Option<(&'a TerraformFile, &'a Block)>, ()>;

fn companion_for<'a>(
    repo: &'a RepoModel,
    file: &Path,
    bucket: &Block,
    type_: &'a str,
    key: &str,
) -> Found<'a> {
    let mut unknown = false;
    for (tf, c) in companions(repo, file, type_) {
        match targets(c.value(key), bucket) {
            Target::This => return Ok(Some((tf, c))),
            Target::Unknown => unknown = true,
            Target::Other => {}
        }
    }
    if unknown {
        Err(())
    } else {
        Ok(None)
    }
}

fn bucket_label(b: &Block) -> String {
    match b.value("bucket").and_then(Value::as_str) {
        Some(name) => format!("{} ({name})", b.address()),
        None => b.address(),
    }
}

// ---------------------------------------------------------------------------
// IAM

fn check_all_actions(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for st in ctx
        .terraform()
        .statements()
        .iter()
        .filter(|s| s.allow && !s.has_principal)
    {
        if st.not_actions {
            out.emit(
                st.file,
                Some(st.line),
                format!(
                    "{}: Allow with NotAction grants every other action",
                    st.source
                ),
            );
        } else if st
            .actions
            .as_ref()
            .is_some_and(|a| a.iter().any(|x| x == "*" || x == "*:*"))
        {
            out.emit(
                st.file,
                Some(st.actions_line),
                format!("{}: Allow statement with Action \"*\"", st.source),
            );
        }
    }
}

fn check_service_wildcard(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for st in ctx
        .terraform()
        .statements()
        .iter()
        .filter(|s| s.allow && !s.has_principal)
    {
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
            out.emit(
                st.file,
                Some(st.actions_line),
                format!("{}: Allow statement with {}", st.source, wild.join(", ")),
            );
        }
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

fn check_all_resources(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for st in ctx
        .terraform()
        .statements()
        .iter()
        .filter(|s| s.allow && !s.has_principal)
    {
        let Some(resources) = &st.resources else {
            continue;
        };
        if !resources.iter().any(|r| r == "*") {
            continue;
        }
        let exempt = st
            .actions
            .as_ref()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|x| needs_star_resource(x)));
        if !exempt {
            out.emit(
                st.file,
                Some(st.resources_line),
                format!("{}: Allow statement on Resource \"*\"", st.source),
            );
        }
    }
}

fn check_user_policy(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for tf in ctx.repo.terraform() {
        for b in &tf.blocks {
            if b.is("resource", "aws_iam_user_policy")
                || b.is("resource", "aws_iam_user_policy_attachment")
            {
                out.emit(
                    &tf.path,
                    Some(b.line),
                    format!("{} attaches a policy to a user", b.address()),
                );
            } else if b.is("resource", "aws_iam_policy_attachment") {
                if let Some(a) = b.attr("users") {
                    if !matches!(&a.value, Value::List(items) if items.is_empty()) {
                        out.emit(
                            &tf.path,
                            Some(a.line),
                            format!("{} attaches a policy to users", b.address()),
                        );
                    }
                }
            }
        }
    }
}

fn is_admin_arn(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.ends_with(":policy/AdministratorAccess"))
}

fn check_admin_access(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    const ATTACHMENTS: &[&str] = &[
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_ssoadmin_managed_policy_attachment",
    ];
    for tf in ctx.repo.terraform() {
        for b in tf.blocks.iter().filter(|b| b.kind == "resource") {
            let t = b.type_label();
            let attr = if ATTACHMENTS.contains(&t) {
                b.attr("policy_arn")
                    .or_else(|| b.attr("managed_policy_arn"))
            } else if t == "aws_iam_role" {
                b.attr("managed_policy_arns")
            } else {
                None
            };
            let Some(attr) = attr else { continue };
            let hit = match &attr.value {
                Value::List(items) => items.iter().any(is_admin_arn),
                v => is_admin_arn(v),
            };
            if hit {
                out.emit(
                    &tf.path,
                    Some(attr.line),
                    format!("{} attaches AdministratorAccess", b.address()),
                );
            }
        }
    }
}

fn check_any_principal(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for st in ctx.terraform().statements().iter() {
        if st.allow && st.any_principal && !st.has_condition {
            out.emit(
                st.file,
                Some(st.line),
                format!(
                    "{}: Allow for Principal \"*\" without a condition",
                    st.source
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// S3

const PUBLIC_ACLS: &[&str] = &["public-read", "public-read-write", "authenticated-read"];

fn check_s3_public_acl(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for tf in ctx.repo.terraform() {
        for b in tf
            .resources("aws_s3_bucket")
            .chain(tf.resources("aws_s3_bucket_acl"))
        {
            if let Some(a) = b.attr("acl") {
                if let Some(acl) = a.value.as_str().filter(|acl| PUBLIC_ACLS.contains(acl)) {
                    out.emit(
                        &tf.path,
                        Some(a.line),
                        format!("{} sets ACL `{acl}`", b.address()),
                    );
                }
            }
        }
    }
}

fn account_block_complete(repo: &RepoModel) -> bool {
    resources(repo, "aws_s3_account_public_access_block").any(|(_, b)| {
        PAB_FLAGS
            .iter()
            .all(|f| b.value(f).and_then(Value::as_bool) == Some(true))
    })
}

const PAB_FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

fn check_s3_public_access_block(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if account_block_complete(ctx.repo) {
        return;
    }
    for (tf, bucket) in resources(ctx.repo, "aws_s3_bucket") {
        match companion_for(
            ctx.repo,
            &tf.path,
            bucket,
            "aws_s3_bucket_public_access_block",
            "bucket",
        ) {
            Err(()) => {}
            Ok(None) => out.emit(
                &tf.path,
                Some(bucket.line),
                format!(
                    "{} has no aws_s3_bucket_public_access_block",
                    bucket_label(bucket)
                ),
            ),
            Ok(Some((pab_tf, pab))) => {
                let pab_file = pab_tf.path.as_path();
                for flag in PAB_FLAGS {
                    match pab.attr(flag) {
                        None => out.emit(
                            pab_file,
                            Some(pab.line),
                            format!("{}: `{flag}` is not set (defaults to false)", pab.address()),
                        ),
                        Some(a) if a.value.as_bool() == Some(false) => out.emit(
                            pab_file,
                            Some(a.line),
                            format!("{}: `{flag} = false`", pab.address()),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
    }
}

/// Reports a bucket that has neither the companion resource nor the legacy inline block.
fn bucket_needs(
    ctx: &CheckCtx<'_>,
    out: &mut Emitter<'_>,
    companion: &str,
    inline: &str,
    what: &str,
    ok: impl Fn(&Block) -> bool,
    inline_ok: impl Fn(&Block) -> bool,
) {
    for (tf, bucket) in resources(ctx.repo, "aws_s3_bucket") {
        if bucket.body.block(inline).is_some_and(&inline_ok) {
            continue;
        }
        match companion_for(ctx.repo, &tf.path, bucket, companion, "bucket") {
            Err(()) => {}
            Ok(Some((_, c))) if ok(c) => {}
            Ok(Some((ctf, c))) => out.emit(
                &ctf.path,
                Some(c.line),
                format!("{}: {what} is not enabled", c.address()),
            ),
            Ok(None) => out.emit(
                &tf.path,
                Some(bucket.line),
                format!("{} has no {what}", bucket_label(bucket)),
            ),
        }
    }
}

fn check_s3_encryption(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    bucket_needs(
        ctx,
        out,
        "aws_s3_bucket_server_side_encryption_configuration",
        "server_side_encryption_configuration",
        "default encryption configuration",
        |_| true,
        |_| true,
    );
}

fn check_s3_versioning(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    bucket_needs(
        ctx,
        out,
        "aws_s3_bucket_versioning",
        "versioning",
        "versioning",
        |c| {
            c.body
                .block("versioning_configuration")
                .and_then(|v| v.value("status"))
                .map_or(true, |s| s.as_str().map_or(true, |s| s == "Enabled"))
        },
        |v| v.value("enabled").and_then(Value::as_bool) != Some(false),
    );
}

fn check_s3_logging(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    // Buckets that receive logs are exempt (logging them would loop).
    let mut targets_set: BTreeSet<String> = BTreeSet::new();
    for (_, b) in resources(ctx.repo, "aws_s3_bucket_logging") {
        if let Some(r) = b.value("target_bucket").and_then(Value::as_reference) {
            targets_set.insert(r.split('.').take(2).collect::<Vec<_>>().join("."));
        }
        if let Some(s) = b.value("target_bucket").and_then(Value::as_str) {
            targets_set.insert(s.to_owned());
        }
    }
    for (tf, bucket) in resources(ctx.repo, "aws_s3_bucket") {
        let name = bucket.value("bucket").and_then(Value::as_str).unwrap_or("");
        if targets_set.contains(&bucket.address())
            || (!name.is_empty() && targets_set.contains(name))
        {
            continue;
        }
        if bucket.body.block("logging").is_some() {
            continue;
        }
        if let Ok(None) = companion_for(
            ctx.repo,
            &tf.path,
            bucket,
            "aws_s3_bucket_logging",
            "bucket",
        ) {
            out.emit(
                &tf.path,
                Some(bucket.line),
                format!("{} has no access logging", bucket_label(bucket)),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// network

struct Ingress<'a> {
    file: &'a Path,
    line: u32,
    what: String,
    /// `None` when the ports are not literal.
    ports: Option<(i64, i64)>,
}

const WORLD: &[&str] = &["0.0.0.0/0", "::/0"];

fn port(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_number).map(|n| n as i64)
}

fn port_range(
    protocol: Option<&Value>,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Option<Option<(i64, i64)>> {
    match protocol
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("-1") | Some("all") => return Some(Some((0, 65535))),
        Some("icmp") | Some("icmpv6") | Some("58") | Some("1") => return None,
        _ => {}
    }
    if protocol.is_some_and(|p| p.as_number() == Some(-1.0)) {
        return Some(Some((0, 65535)));
    }
    match (port(from), port(to)) {
        (Some(f), Some(t)) => Some(Some((f.min(t).max(0), f.max(t).min(65535)))),
        (Some(f), None) if to.is_none() => Some(Some((f, f))),
        _ => Some(None),
    }
}

/// World-open ingress rules of every security group form.
fn world_ingress(repo: &RepoModel) -> Vec<Ingress<'_>> {
    let mut out = Vec::new();
    let world_line = |cidrs: &[Option<&crate::parse::hcl::Attribute>]| -> Option<u32> {
        cidrs.iter().flatten().find_map(|a| {
            a.value
                .strings()
                .iter()
                .any(|c| WORLD.contains(c))
                .then_some(a.line)
        })
    };
    for tf in repo.terraform() {
        for b in tf.resources("aws_security_group") {
            for ing in b.body.blocks("ingress") {
                let Some(line) =
                    world_line(&[ing.attr("cidr_blocks"), ing.attr("ipv6_cidr_blocks")])
                else {
                    continue;
                };
                let Some(ports) = port_range(
                    ing.value("protocol"),
                    ing.value("from_port"),
                    ing.value("to_port"),
                ) else {
                    continue;
                };
                out.push(Ingress {
                    file: &tf.path,
                    line,
                    what: b.address(),
                    ports,
                });
            }
        }
        for b in tf.resources("aws_security_group_rule") {
            if b.value("type").and_then(Value::as_str) != Some("ingress") {
                continue;
            }
            let Some(line) = world_line(&[b.attr("cidr_blocks"), b.attr("ipv6_cidr_blocks")])
            else {
                continue;
            };
            let Some(ports) = port_range(
                b.value("protocol"),
                b.value("from_port"),
                b.value("to_port"),
            ) else {
                continue;
            };
            out.push(Ingress {
                file: &tf.path,
                line,
                what: b.address(),
                ports,
            });
        }
        for b in tf.resources("aws_vpc_security_group_ingress_rule") {
            let Some(line) = world_line(&[b.attr("cidr_ipv4"), b.attr("cidr_ipv6")]) else {
                continue;
            };
            let Some(ports) = port_range(
                b.value("ip_protocol"),
                b.value("from_port"),
                b.value("to_port"),
            ) else {
                continue;
            };
            out.push(Ingress {
                file: &tf.path,
                line,
                what: b.address(),
                ports,
            });
        }
    }
    out
}

fn public_ports(ctx: &CheckCtx<'_>) -> Vec<i64> {
    match ctx
        .params
        .table()
        .get("public_ingress_ports")
        .and_then(|v| v.as_array())
    {
        Some(items) => items
            .iter()
            .filter_map(|v| {
                v.as_integer()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            })
            .collect(),
        None => vec![443],
    }
}

fn describe(ports: (i64, i64)) -> String {
    match ports {
        (0, 65535) => "all ports".to_owned(),
        (f, t) if f == t => format!("port {f}"),
        (f, t) => format!("ports {f}-{t}"),
    }
}

fn covers_admin(ports: (i64, i64)) -> Option<i64> {
    [22, 3389]
        .into_iter()
        .find(|p| ports.0 <= *p && *p <= ports.1)
}

fn check_world_ingress(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let internal = ctx
        .repo
        .context()
        .exposure
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("internal"));
    let public = public_ports(ctx);
    for ing in world_ingress(ctx.repo) {
        let Some(ports) = ing.ports else { continue };
        if covers_admin(ports).is_some() {
            continue; // PVD-TF-012 reports it.
        }
        if internal {
            out.emit(
                ing.file,
                Some(ing.line),
                format!(
                    "{}: {} open to the internet on a service whose exposure is internal",
                    ing.what,
                    describe(ports)
                ),
            );
        } else if (ports.0..=ports.1).any(|p| !public.contains(&p)) {
            out.emit(
                ing.file,
                Some(ing.line),
                format!(
                    "{}: {} open to the internet (public ports: {:?})",
                    ing.what,
                    describe(ports),
                    public
                ),
            );
        }
    }
}

fn check_admin_ports(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for ing in world_ingress(ctx.repo) {
        let Some(ports) = ing.ports else { continue };
        if let Some(p) = covers_admin(ports) {
            let name = if p == 22 { "SSH" } else { "RDP" };
            out.emit(
                ing.file,
                Some(ing.line),
                format!(
                    "{}: {} open to the internet ({name})",
                    ing.what,
                    describe(ports)
                ),
            );
        }
    }
}

fn check_eks_public(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_eks_cluster") {
        let Some(vpc) = b.body.block("vpc_config") else {
            continue;
        };
        if let Some(v) = vpc.value("endpoint_public_access") {
            // Private, or not literal: nothing to report.
            if v.as_bool() != Some(true) {
                continue;
            }
        }
        match vpc.attr("public_access_cidrs") {
            None => out.emit(
                &tf.path,
                Some(vpc.line),
                format!(
                    "{}: public endpoint open to 0.0.0.0/0 (default public_access_cidrs)",
                    b.address()
                ),
            ),
            Some(a) if a.value.strings().iter().any(|c| WORLD.contains(c)) => out.emit(
                &tf.path,
                Some(a.line),
                format!("{}: public endpoint open to the internet", b.address()),
            ),
            Some(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------
// encryption, logging, keys

/// Emits when `attr` is missing (at the header) or literally not `true`.
/// `TYPE.NAME` for resources, the block kind for nested blocks.
fn block_name(b: &Block) -> String {
    if b.labels.is_empty() {
        b.kind.clone()
    } else {
        b.address()
    }
}

fn require_true(tf: &TerraformFile, b: &Block, attr: &str, out: &mut Emitter<'_>, what: &str) {
    match b.attr(attr) {
        None => out.emit(
            &tf.path,
            Some(b.line),
            format!("{}: `{attr}` is not set, so {what}", block_name(b)),
        ),
        Some(a) if a.value.as_bool() == Some(false) => out.emit(
            &tf.path,
            Some(a.line),
            format!("{}: `{attr} = false`, so {what}", block_name(b)),
        ),
        Some(_) => {}
    }
}

fn check_ebs_encryption(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let by_default = resources(ctx.repo, "aws_ebs_encryption_by_default")
        .any(|(_, b)| b.value("enabled").and_then(Value::as_bool) != Some(false));
    if by_default {
        return;
    }
    for (tf, b) in resources(ctx.repo, "aws_ebs_volume") {
        require_true(tf, b, "encrypted", out, "the volume is not encrypted");
    }
    for ty in [
        "aws_instance",
        "aws_launch_template",
        "aws_launch_configuration",
    ] {
        for (tf, b) in resources(ctx.repo, ty) {
            if ty == "aws_instance" && b.body.block("root_block_device").is_none() {
                out.emit(
                    &tf.path,
                    Some(b.line),
                    format!(
                        "{}: no root_block_device, so the root volume is not encrypted",
                        b.address()
                    ),
                );
            }
            for dev in b.body.blocks.iter().filter(|d| {
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
                require_true(
                    tf,
                    target,
                    "encrypted",
                    out,
                    "the block device is not encrypted",
                );
            }
        }
    }
}

fn check_rds_encryption(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_db_instance") {
        // Replicas inherit encryption from their source.
        if b.attr("replicate_source_db").is_some() || b.attr("snapshot_identifier").is_some() {
            continue;
        }
        require_true(
            tf,
            b,
            "storage_encrypted",
            out,
            "database storage is not encrypted",
        );
    }
    for (tf, b) in resources(ctx.repo, "aws_rds_cluster") {
        if b.attr("replication_source_identifier").is_some()
            || b.attr("snapshot_identifier").is_some()
        {
            continue;
        }
        require_true(
            tf,
            b,
            "storage_encrypted",
            out,
            "cluster storage is not encrypted",
        );
    }
}

fn check_rds_public(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for ty in ["aws_db_instance", "aws_rds_cluster_instance"] {
        for (tf, b) in resources(ctx.repo, ty) {
            if let Some(a) = b.attr("publicly_accessible") {
                if a.value.as_bool() == Some(true) {
                    out.emit(
                        &tf.path,
                        Some(a.line),
                        format!("{}: `publicly_accessible = true`", b.address()),
                    );
                }
            }
        }
    }
}

fn check_log_group_kms(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_cloudwatch_log_group") {
        match b.attr("kms_key_id") {
            None => out.emit(
                &tf.path,
                Some(b.line),
                format!("{}: no `kms_key_id`", b.address()),
            ),
            Some(a) if matches!(a.value, Value::Null) || a.value.as_str() == Some("") => out.emit(
                &tf.path,
                Some(a.line),
                format!("{}: empty `kms_key_id`", b.address()),
            ),
            Some(_) => {}
        }
    }
}

fn check_log_group_retention(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let min = ctx.params.integer("log_retention_days", 365);
    for (tf, b) in resources(ctx.repo, "aws_cloudwatch_log_group") {
        let (line, problem) = match b.attr("retention_in_days") {
            None => (b.line, "`retention_in_days` is not set".to_owned()),
            Some(a) => match a.value.as_number() {
                Some(d) if d <= 0.0 => (
                    a.line,
                    "`retention_in_days = 0` never expires logs by policy".to_owned(),
                ),
                Some(d) if (d as i64) < min => (a.line, format!("retention of {d} days")),
                _ => continue,
            },
        };
        out.emit(
            &tf.path,
            Some(line),
            format!("{}: {problem}; the minimum is {min} days", b.address()),
        );
    }
}

fn check_kms_rotation(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_kms_key") {
        let spec = b
            .value("customer_master_key_spec")
            .and_then(Value::as_str)
            .unwrap_or("SYMMETRIC_DEFAULT");
        if spec != "SYMMETRIC_DEFAULT" {
            continue;
        }
        require_true(
            tf,
            b,
            "enable_key_rotation",
            out,
            "the key is never rotated",
        );
    }
}

fn check_ecr_mutable(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_ecr_repository") {
        match b.attr("image_tag_mutability") {
            None => out.emit(
                &tf.path,
                Some(b.line),
                format!(
                    "{}: `image_tag_mutability` defaults to MUTABLE",
                    b.address()
                ),
            ),
            Some(a) if a.value.as_str().is_some_and(|v| v.starts_with("MUTABLE")) => out.emit(
                &tf.path,
                Some(a.line),
                format!("{}: tags are MUTABLE", b.address()),
            ),
            Some(_) => {}
        }
    }
}

fn check_ecr_scan(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if resources(ctx.repo, "aws_ecr_registry_scanning_configuration")
        .next()
        .is_some()
    {
        return;
    }
    for (tf, b) in resources(ctx.repo, "aws_ecr_repository") {
        match b.body.block("image_scanning_configuration") {
            None => out.emit(
                &tf.path,
                Some(b.line),
                format!("{}: no image_scanning_configuration", b.address()),
            ),
            Some(s) => require_true(tf, s, "scan_on_push", out, "images are not scanned on push"),
        }
    }
}

fn check_ecr_kms(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_ecr_repository") {
        match b.body.block("encryption_configuration") {
            None => out.emit(
                &tf.path,
                Some(b.line),
                format!(
                    "{}: no encryption_configuration (AES256 default)",
                    b.address()
                ),
            ),
            Some(e) => match e.attr("encryption_type") {
                Some(a) if a.value.as_str().is_some_and(|t| t.starts_with("KMS")) => {}
                Some(a) if a.value.as_str().is_none() => {}
                Some(a) => out.emit(
                    &tf.path,
                    Some(a.line),
                    format!("{}: encryption_type is not KMS", b.address()),
                ),
                None => out.emit(
                    &tf.path,
                    Some(e.line),
                    format!("{}: encryption_type defaults to AES256", b.address()),
                ),
            },
        }
    }
}

fn check_sqs_encryption(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_sqs_queue") {
        if b.attr("kms_master_key_id").is_some() {
            continue;
        }
        require_true(
            tf,
            b,
            "sqs_managed_sse_enabled",
            out,
            "the queue has no server-side encryption configured",
        );
    }
}

fn check_sns_encryption(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_sns_topic") {
        if b.attr("kms_master_key_id").is_none() {
            out.emit(
                &tf.path,
                Some(b.line),
                format!("{}: no `kms_master_key_id`", b.address()),
            );
        }
    }
}

fn check_cloudtrail_multi_region(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_cloudtrail") {
        require_true(
            tf,
            b,
            "is_multi_region_trail",
            out,
            "other regions are not recorded",
        );
    }
}

fn check_cloudtrail_validation(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_cloudtrail") {
        require_true(
            tf,
            b,
            "enable_log_file_validation",
            out,
            "log tampering goes undetected",
        );
    }
}

fn check_cloudtrail_kms(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (tf, b) in resources(ctx.repo, "aws_cloudtrail") {
        if b.attr("kms_key_id").is_none() {
            out.emit(
                &tf.path,
                Some(b.line),
                format!("{}: no `kms_key_id`", b.address()),
            );
        }
    }
}

fn check_provider_credentials(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for tf in ctx.repo.terraform() {
        for b in tf
            .blocks
            .iter()
            .filter(|b| b.kind == "provider" && b.labels.first().map(String::as_str) == Some("aws"))
        {
            for key in ["access_key", "secret_key", "token"] {
                if let Some(a) = b.attr(key) {
                    if a.value.as_str().is_some_and(|s| !s.is_empty()) {
                        out.emit(
                            &tf.path,
                            Some(a.line),
                            format!("provider \"aws\": literal `{key}`"),
                        );
                    }
                }
            }
        }
    }
}

fn check_imdsv2(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for ty in ["aws_instance", "aws_launch_template"] {
        for (tf, b) in resources(ctx.repo, ty) {
            let meta = b.body.block("metadata_options");
            if meta
                .and_then(|m| m.value("http_endpoint"))
                .and_then(Value::as_str)
                == Some("disabled")
            {
                continue;
            }
            match meta {
                None => out.emit(
                    &tf.path,
                    Some(b.line),
                    format!("{}: no metadata_options, IMDSv1 is allowed", b.address()),
                ),
                Some(m) => match m.attr("http_tokens") {
                    None => out.emit(
                        &tf.path,
                        Some(m.line),
                        format!("{}: `http_tokens` is not \"required\"", b.address()),
                    ),
                    Some(a) if a.value.as_str().is_some_and(|v| v != "required") => out.emit(
                        &tf.path,
                        Some(a.line),
                        format!("{}: `http_tokens` is not \"required\"", b.address()),
                    ),
                    Some(_) => {}
                },
            }
        }
    }
}

#[cfg(test)]
mod tests;
