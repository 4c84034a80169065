//! Terraform (HCL) parser (placeholder: filled in by the Terraform guardrails work).

use crate::guardrails::{SourceFile, Warning};

#[derive(Clone, Debug)]
pub struct TerraformFile {
    pub path: std::path::PathBuf,
}

pub fn collect(_files: &[SourceFile], _warnings: &mut Vec<Warning>) -> Vec<TerraformFile> {
    Vec::new()
}
