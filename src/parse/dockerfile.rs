//! Dockerfile parser (placeholder: filled in by the Dockerfile guardrails work).

use crate::guardrails::{SourceFile, Warning};

#[derive(Clone, Debug)]
pub struct Dockerfile {
    pub path: std::path::PathBuf,
}

pub fn collect(_files: &[SourceFile], _warnings: &mut Vec<Warning>) -> Vec<Dockerfile> {
    Vec::new()
}
