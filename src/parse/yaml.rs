//! YAML parser (placeholder: filled in by the CI/Kubernetes guardrails work).

use crate::guardrails::{SourceFile, Warning};

#[derive(Clone, Debug)]
pub struct YamlFile {
    pub path: std::path::PathBuf,
}

pub fn collect(_files: &[SourceFile], _warnings: &mut Vec<Warning>) -> Vec<YamlFile> {
    Vec::new()
}
