//! The repository model: every file read once, every file of a known kind parsed once.
//!
//! Building the model is the only place that reads the repository (see `drift::walk`
//! for how `files` is gathered: no links followed, ignored and vendored trees skipped,
//! size-capped). Parsers never panic: a file they cannot read becomes a [`Warning`].

use std::path::PathBuf;

use crate::blueprint::provenance::Provenance;
use crate::parse::{dockerfile, hcl, yaml};

/// One regular file of the audited repository.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Relative to the repository root, `/`-separated.
    pub path: PathBuf,
    pub size: u64,
    pub executable: bool,
    /// The contents when the file is UTF-8 text no larger than the read limit;
    /// `None` for binary, non-UTF-8 or oversized files (a warning says which).
    pub text: Option<String>,
}

impl SourceFile {
    /// The path as a `/`-separated string, for matching.
    pub fn path_str(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    /// The final path component.
    pub fn file_name(&self) -> &str {
        self.path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
    }
}

/// Something the audit could not look at, reported beside the findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub file: PathBuf,
    pub message: String,
}

/// Security context of the repository, from `.paved/answers.toml` (answers
/// `exposure`, `data_classification`) or `.paved/context.toml` (same keys).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoContext {
    /// `internet` or `internal`, when known.
    pub exposure: Option<String>,
    /// `public`, `internal`, `confidential` or `pii`, when known.
    pub data_classification: Option<String>,
    /// Where the context came from, for the report ("… because .paved/answers.toml says …").
    pub source: Option<PathBuf>,
}

#[derive(Debug, Default)]
pub struct RepoModel {
    pub root: PathBuf,
    pub files: Vec<SourceFile>,
    pub dockerfiles: Vec<dockerfile::Dockerfile>,
    pub yaml: Vec<yaml::YamlFile>,
    pub terraform: Vec<hcl::TerraformFile>,
    /// `.paved/answers.toml`, when present and readable.
    pub provenance: Option<Provenance>,
    pub context: RepoContext,
    pub warnings: Vec<Warning>,
}

impl RepoModel {
    /// Parses every file of a known kind. `files` come from the walker.
    pub fn build(root: PathBuf, files: Vec<SourceFile>) -> RepoModel {
        let mut warnings = Vec::new();
        let dockerfiles = dockerfile::collect(&files, &mut warnings);
        let yaml = yaml::collect(&files, &mut warnings);
        let terraform = hcl::collect(&files, &mut warnings);
        RepoModel {
            root,
            files,
            dockerfiles,
            yaml,
            terraform,
            provenance: None,
            context: RepoContext::default(),
            warnings,
        }
    }

    /// A model of in-memory files, for tests, fuzzing and benchmarks: each
    /// `(path, contents)` becomes a text file; provenance and context stay empty.
    pub fn from_memory(files: &[(&str, &str)]) -> RepoModel {
        let files = files
            .iter()
            .map(|(path, text)| SourceFile {
                path: PathBuf::from(path),
                size: text.len() as u64,
                executable: false,
                text: Some((*text).to_owned()),
            })
            .collect();
        RepoModel::build(PathBuf::from("."), files)
    }

    /// The file at `path` (relative, `/`-separated), if the walker saw it.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path_str() == path)
    }

    /// Whether any file matches `pred`.
    pub fn any_file(&self, pred: impl Fn(&SourceFile) -> bool) -> bool {
        self.files.iter().any(pred)
    }

    /// The blueprint id recorded in provenance, for rules that apply to generated services.
    pub fn blueprint_id(&self) -> Option<&str> {
        self.provenance.as_ref().map(|p| p.blueprint_id.as_str())
    }
}
