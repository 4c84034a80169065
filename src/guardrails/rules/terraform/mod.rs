//! Terraform rules (`PVD-TF-NNN`), AWS first: IAM least privilege, S3 exposure and
//! protection, network ingress, encryption at rest and in transit, logging, key
//! rotation, image registries, credentials in provider blocks and in Lambda and ECS
//! environments, OpenSearch and EKS hardening, load balancer listeners, the default
//! security group and the S3 state backend.
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
//! - One problem is one finding: a provider's key pair (027), the flags of one public
//!   access block (007), the credentials of one function (038) or container (039),
//!   the rules of a default security group (041). `Action "*"` on `Resource "*"` is
//!   reported once, by 001, as full administrator; 003 leaves that statement alone.
//! - Credentials in Lambda and ECS environments (038, 039) are variables whose name
//!   ends in a credential word (`…_PASSWORD`, `…_SECRET`, `…_TOKEN`, `…_API_KEY`; not
//!   `TOKEN_TTL` or `SECRET_ARN`) holding a literal that is not a placeholder or a
//!   pointer to a secret store, or any value shaped like an AWS access key id.
//! - OpenSearch access policies (035) matter only for domains outside a VPC: inside
//!   one, an open policy behind security groups is the pattern AWS documents. A
//!   separate `aws_opensearch_domain_policy` is judged only when its domain is in the
//!   module. Domain policies are not PVD-TF-029's resource policies.
//! - The S3 backend (042, 043) is judged only when configured in full (a literal
//!   `bucket`) or when `encrypt` / `use_lockfile` is literally false: a partial
//!   configuration gets the rest from `-backend-config` at `terraform init`.
//! - The default security group's ingress blocks are world-open ingress like any
//!   other (011, 012); 041 reports that it keeps rules at all.
//!
//! Severities follow the rubric in docs/drift.md (exploitability × impact, for the
//! default exposure; context moves them). Decisions that moved or set one:
//! - Direct × data or host stays **critical**: public ACL (006), SSH/RDP open (012),
//!   public database (015), a provider key pair (027), a resource policy open to any
//!   principal (029), an open OpenSearch domain outside a VPC (035, new).
//! - One step (a compromised workload or credential) × the whole account is
//!   **high**, like a cluster-admin binding: `Action "*"` (001) and
//!   AdministratorAccess (005) move down from critical; `Resource "*"` (003) stays.
//!   A literal credential in a function or container (038, 039, new) is direct ×
//!   what it unlocks, usually one workload: high. Internet ingress on a non-public
//!   port (011) and a public EKS API (024) stay high.
//! - One step × one workload is **medium**: `service:*` scoped to the workload's
//!   resources (002, from high), IMDSv1 (028, SSRF × the instance role, from high),
//!   unencrypted EBS and RDS storage (013, 014, from high: the attacker needs a
//!   snapshot or the storage), Neptune and OpenSearch at rest (031, 032), plain
//!   traffic between OpenSearch nodes, to OpenSearch or through a listener (033,
//!   034, 040: needs a position on the path), mutable ECR tags (019).
//! - Detection across the account or cluster is **medium**, like a missing CI
//!   scanner: CloudTrail multi-region and validation (025, 026), ECR scanning (020),
//!   EKS audit logs (037).
//! - Defence in depth × one workload or hygiene is **low**: policies on users (004),
//!   an incomplete public access block (007, from high: the bucket is not public
//!   until a second change), SSE-KMS instead of S3's default encryption (008, from
//!   high), versioning (009), log group KMS and retention (016, 017), key rotation
//!   (018), SQS and SNS KMS (022, 023), CloudTrail KMS (030), all from medium; S3
//!   access logs (010), ECR KMS (021), EKS secrets with AWS-owned keys only (036),
//!   a default security group with rules (041), a state backend that does not ask
//!   for encryption (042: S3 encrypts every new object with its own keys anyway, so
//!   what is missing is the customer-managed key) and state without a lock (043).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Terraform;

register!("guardrails/rules/terraform");

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod test_support;
