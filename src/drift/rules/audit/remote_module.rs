use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A Terraform module comes from outside the repository and is not audited
    ///
    /// ## Why it matters
    /// A module from the Terraform Registry, a git repository or an archive creates
    /// resources (buckets, security groups, IAM policies, clusters) that the repository
    /// never spells out: the audit reads only the `module` block's inputs, so whatever
    /// the module does with them is unchecked. A module in the repository
    /// (`source = "./modules/x"`) is read like every other file and audited.
    ///
    /// ## How to fix it
    /// Audit the module's own code: after `terraform init`, run `paved drift
    /// .terraform/modules/NAME` on the copy Terraform downloaded, or run `paved drift`
    /// on a checkout of the module's repository at the version you use. Or vendor the
    /// module into the repository (`source = "./modules/NAME"`) so every audit reads it.
    /// Pin it (`version = "x.y.z"` for a registry module, `?ref=<commit>` for git) so
    /// the audited code is the deployed code, then waive this finding with that reason.
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: the VPC, its subnets and security groups come from the registry
    /// module "vpc" {
    ///   source  = "terraform-aws-modules/vpc/aws"
    ///   version = "5.8.1"
    /// }
    /// ```
    /// ```hcl
    /// # vendored into the repository, so the audit reads it
    /// module "vpc" {
    ///   source = "./modules/vpc"
    /// }
    /// ```
    pub struct RemoteTerraformModule {
        id: "PVD-AUDIT-005",
        severity: Low,
        references: [],
    }
}

impl EngineRule for RemoteTerraformModule {
    const RAISED_IN: &'static str = "src/drift/blind_spots.rs";
}
