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
//! - Parameters: `public_ingress_ports` (list of ports, default `[443]`, PVD-TF-011)
//!   and `log_retention_days` (default 365, PVD-TF-017), declared with the rules.
//! - What several rules share (companion resources of a module, world-open ingress,
//!   switches that must be on, IAM statements) is a query on the Terraform view,
//!   `paved_model::terraform`.
//! - Lines point at the offending attribute, or at the resource header when the
//!   attribute that would fix it is missing.

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Terraform;

register! {
    iam_all_actions::IamAllActions,
    iam_service_wildcard::IamServiceWildcard,
    iam_all_resources::IamAllResources,
    iam_user_policy::IamUserPolicy,
    admin_access::AdminAccess,
    s3_public_acl::S3PublicAcl,
    s3_public_access_block::S3PublicAccessBlock,
    s3_encryption::S3Encryption,
    s3_versioning::S3Versioning,
    s3_logging::S3Logging,
    world_ingress::WorldIngress,
    admin_ports_open::AdminPortsOpen,
    ebs_unencrypted::EbsUnencrypted,
    rds_unencrypted::RdsUnencrypted,
    rds_public::RdsPublic,
    log_group_kms::LogGroupKms,
    log_group_retention::LogGroupRetention,
    kms_rotation::KmsRotation,
    ecr_mutable_tags::EcrMutableTags,
    ecr_scan_on_push::EcrScanOnPush,
    ecr_kms::EcrKms,
    sqs_unencrypted::SqsUnencrypted,
    sns_unencrypted::SnsUnencrypted,
    eks_public_endpoint::EksPublicEndpoint,
    cloudtrail_multi_region::CloudtrailMultiRegion,
    cloudtrail_validation::CloudtrailValidation,
    provider_credentials::ProviderCredentials,
    imdsv2::Imdsv2,
    any_principal::AnyPrincipal,
    cloudtrail_kms::CloudtrailKms,
}

#[cfg(test)]
mod tests;
