//! Terraform as rules see them: every block of every file, resources by type, and
//! the IAM policy statements spelled anywhere Terraform allows.

mod iam;

use std::path::Path;

use paved_parse::hcl::{Block, TerraformFile};

pub use iam::{Statement, IDENTITY_POLICY_RESOURCES, RESOURCE_POLICY_RESOURCES};

use crate::{Location, Model};

/// A resource (or data, provider, module …) block and the file it is in.
#[derive(Clone, Copy, Debug)]
pub struct Resource<'m> {
    pub file: &'m TerraformFile,
    pub block: &'m Block,
}

impl<'m> Resource<'m> {
    pub fn path(&self) -> &'m Path {
        &self.file.path
    }

    /// The attribute or nested block at `path` (`ingress.cidr_blocks`); the deepest
    /// existing part of it, else the block's header.
    pub fn at(&self, path: &str) -> Location<'m> {
        Location::hcl(&self.file.path, self.block, path)
    }
}

/// Every Terraform file of the repository.
#[derive(Debug)]
pub struct Terraform<'m> {
    files: &'m [TerraformFile],
    statements: Vec<Statement<'m>>,
}

impl<'m> Terraform<'m> {
    pub(crate) fn build(model: &'m Model) -> Terraform<'m> {
        Terraform {
            files: model.terraform(),
            statements: iam::statements(model.terraform()),
        }
    }

    pub fn files(&self) -> &'m [TerraformFile] {
        self.files
    }

    /// Top-level blocks of `kind` (`resource`, `data`, `provider`) and `type_` (the
    /// first label; any when empty), in file order.
    pub fn blocks<'s>(
        &'s self,
        kind: &'s str,
        type_: &'s str,
    ) -> impl Iterator<Item = Resource<'m>> + 's {
        self.files.iter().flat_map(move |file| {
            file.blocks
                .iter()
                .filter(move |b| b.kind == kind && (type_.is_empty() || b.type_label() == type_))
                .map(move |block| Resource { file, block })
        })
    }

    /// `resource "TYPE" …` blocks.
    pub fn resources<'s>(&'s self, type_: &'s str) -> impl Iterator<Item = Resource<'m>> + 's {
        self.blocks("resource", type_)
    }

    /// Every IAM policy statement: `aws_iam_policy_document` data blocks and the
    /// `policy` attributes of policy resources.
    pub fn statements(&self) -> &[Statement<'m>] {
        &self.statements
    }
}

// AWS queries several rules share: companion resources of a module, world-open
// ingress, boolean switches that must be on, environment variables of functions and
// containers. Declared here at the end so other providers' queries can be appended
// without touching these lines.
mod aws;

pub use aws::{
    block_name, container_environment, is_credential_name, is_literal_secret, lambda_environment,
    literal_credentials, not_true, Companion, Credentials, EnvVar, Ingress, NotTrue, PortRange,
    S3Backend, WORLD,
};

impl<'m> Resource<'m> {
    /// `TYPE.NAME` (`data.TYPE.NAME` for data sources).
    pub fn address(&self) -> String {
        self.block.address()
    }

    /// The attribute or nested block at `path` below `block`, a block nested in this
    /// resource (an `ingress`, a `root_block_device`).
    pub fn within(&self, block: &Block, path: &str) -> Location<'m> {
        Location::hcl(&self.file.path, block, path)
    }

    /// `TYPE.NAME (value)` when `attr` is a literal string (`aws_s3_bucket.data
    /// (acme-data)`), else the address.
    pub fn labelled_by(&self, attr: &str) -> String {
        match self
            .block
            .value(attr)
            .and_then(paved_parse::hcl::Value::as_str)
        {
            Some(name) => format!("{} ({name})", self.block.address()),
            None => self.block.address(),
        }
    }

    /// The IAM statements of a policy held in `attr` (`access_policies` of an
    /// OpenSearch domain), as JSON text, a heredoc or `jsonencode`.
    pub fn policy_statements(&self, attr: &str) -> Vec<Statement<'m>> {
        let mut out = Vec::new();
        if let Some(a) = self.block.attr(attr) {
            iam::json_statements(self.file, self.block, &a.value, a.line, &mut out);
        }
        out
    }
}

/// Queries the Azure and Google Cloud rules share (settings with provider defaults,
/// `dynamic` blocks, internet CIDRs, port ranges, references within a module).
pub mod cloud;
