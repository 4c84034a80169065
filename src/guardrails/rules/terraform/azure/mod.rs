//! Azure Terraform rules (`PVD-TF-101` onward, provider `azurerm`): the exposure
//! basics a checkov user expects: storage accounts and blob containers open to the
//! internet, database servers reachable from public networks, network security
//! rules open to the internet on SSH, RDP or every port, AKS without RBAC or with
//! static local accounts, and plaintext transport.
//!
//! Decisions worth knowing:
//! - Only literal values decide (`paved_model::terraform::cloud::setting`): a
//!   variable, a reference or a call is unknown and never a finding. An absent
//!   attribute (or `null`) takes the azurerm default, so a default that exposes
//!   something is reported at the resource header: `allow_nested_items_to_be_public`
//!   and `public_network_access_enabled` default to `true`, `local_account_disabled`
//!   to `false`; `min_tls_version` (TLS1_2) and the HTTPS-only switch (`true`) have
//!   safe defaults and are reported only when set.
//! - Inline `security_rule` blocks and `dynamic "security_rule"` contents are checked
//!   like `azurerm_network_security_rule` resources. The sources `*`, `Internet`,
//!   `Any` and any `/0` CIDR are the internet.
//! - Severity (docs/drift.md rubric): the internet reaching a database through a
//!   firewall rule for every address, anyone reading a blob container, and SSH/RDP
//!   or every port open to the internet are direct × data or host: critical. AKS
//!   without Kubernetes RBAC makes every pod's service-account token cluster-admin:
//!   one step, but the step is code execution in a pod, what a cluster exists to
//!   contain (the privileged-container anchor): critical. A database server or
//!   storage account that accepts connections from public networks still needs a
//!   credential (and, for SQL servers, a firewall rule), so it is one step × one
//!   workload's data: medium, as are an account that lets its containers be made
//!   public, plaintext HTTP to storage or databases, static local admin accounts on
//!   AKS and an API server reachable from every address. TLS below 1.2 is low.
//! - Not covered on purpose: `infrastructure_encryption_enabled` (a second layer on
//!   top of storage service encryption, which cannot be turned off) and managed-disk
//!   `encryption_settings` (Azure Disk Encryption inside the guest; the disk itself is
//!   always encrypted at rest), since neither means "encryption off". The "allow Azure
//!   services" firewall rule (0.0.0.0–0.0.0.0) is not the internet and is left alone.

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Terraform;

register!("guardrails/rules/terraform/azure");

#[cfg(test)]
mod tests;
