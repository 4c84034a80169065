//! Google Cloud Terraform rules (`PVD-TF-201` onward, provider `google`): Cloud SQL
//! instances open to the internet or without SSL and backups, firewall rules open to
//! the internet on SSH, RDP or every port, public Cloud Storage buckets and the
//! bucket settings that prevent them, and GKE with legacy ABAC, an API server open to
//! every address, or static credentials.
//!
//! Decisions worth knowing:
//! - Only literal values decide (`paved_model::terraform::cloud::setting`): a
//!   variable, a reference or a call is unknown and never a finding. An absent
//!   attribute (or `null`) takes the provider default, and defaults that expose
//!   something are reported at the block that should hold the setting: Cloud SQL
//!   `ipv4_enabled` defaults to `true` and `backup_configuration.enabled` to `false`;
//!   buckets default to `public_access_prevention = "inherited"` and fine-grained
//!   ACLs; a firewall rule without any source applies to `0.0.0.0/0`.
//! - `dynamic` blocks (`authorized_networks`, `allow`, `cidr_blocks`) are read
//!   through their `content`; values that read the iterator are unknown.
//! - Cloud SQL without SSL is reported when the instance has a public IP, or when
//!   `ssl_mode` / `require_ssl` explicitly allow plain text; a private-IP-only
//!   instance that leaves the default is not. Read replicas are not asked for
//!   backups (Cloud SQL does not allow them there).
//! - An IAM grant or ACL for `allUsers` / `allAuthenticatedUsers` on a bucket whose
//!   resolved `google_storage_bucket` enforces public access prevention is not
//!   reported: Cloud Storage refuses it.
//! - Severity (docs/drift.md rubric): a database open to `0.0.0.0/0`, a bucket
//!   readable by anyone, and SSH/RDP or every port open to the internet are direct ×
//!   data or host: critical. Legacy ABAC grants every pod's service account broad
//!   API access, so code execution in one pod controls the cluster: critical, as for
//!   the privileged-container anchor. A static basic-auth or client-certificate
//!   credential is one step (it must leak) × the whole cluster: high. A public API
//!   server without authorized networks, Cloud SQL without SSL, and buckets without
//!   enforced public access prevention are one step × one workload's data: medium.
//!   A public IP on Cloud SQL with no authorized network, fine-grained bucket ACLs
//!   and missing Cloud SQL backups only widen another weakness or limit recovery:
//!   low.
//! - Not covered on purpose: customer-managed keys on Compute Engine disks and
//!   Cloud SQL (data there is always encrypted at rest with Google-managed keys; a
//!   missing CMEK is a key-custody policy, not "encryption off").

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Terraform;

register!("guardrails/rules/terraform/google");

#[cfg(test)]
mod tests;
