//! The repository model: every file read once, every file of a known kind parsed once.
//!
//! Building the model is the only place that reads the repository (see `drift::walk`
//! for how `files` is gathered: no links followed, ignored and vendored trees skipped,
//! size-capped). Parsers never panic: a file they cannot read becomes a [`Warning`].

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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

/// Facts derived from the model that several rules need (e.g. the parsed Rust
/// sources behind the auth rules), computed on first use and shared. Keyed by the
/// fact's type, so each module keeps its own private type.
#[derive(Default)]
pub struct Memo {
    slots: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
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
    pub memo: Memo,
    /// Path → index into `files`, built on the first [`RepoModel::file`] lookup.
    file_index: std::sync::OnceLock<HashMap<String, usize>>,
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
            memo: Memo::default(),
            file_index: std::sync::OnceLock::new(),
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

    /// The fact of type `T` about this repository, computed by `compute` the first time
    /// any rule asks for it.
    pub fn memo<T: Any + Send + Sync>(&self, compute: impl FnOnce(&RepoModel) -> T) -> Arc<T> {
        let key = TypeId::of::<T>();
        let found = self
            .memo
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&key)
            .cloned();
        if let Some(any) = found {
            if let Ok(fact) = any.downcast::<T>() {
                return fact;
            }
        }
        // Computed outside the lock: a fact may itself ask for another one.
        let fact = Arc::new(compute(self));
        self.memo
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key, fact.clone());
        fact
    }

    /// The file at `path` (relative, `/`-separated), if the walker saw it.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        let index = self.file_index.get_or_init(|| {
            self.files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path_str(), i))
                .collect()
        });
        // `files` is public: fall back to a scan if it changed after the index was built.
        match index.get(path).and_then(|&i| self.files.get(i)) {
            Some(f) if f.path_str() == path => Some(f),
            None if index.len() == self.files.len() => None,
            _ => self.files.iter().find(|f| f.path_str() == path),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn memo_computes_each_fact_once() {
        let model = RepoModel::from_memory(&[("a.txt", "x")]);
        let calls = AtomicUsize::new(0);
        let compute = |r: &RepoModel| {
            calls.fetch_add(1, Ordering::SeqCst);
            r.files.len()
        };
        assert_eq!(*model.memo(compute), 1);
        assert_eq!(*model.memo(compute), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A different type is a different fact.
        assert_eq!(*model.memo(|_| "other"), "other");
    }

    #[test]
    fn file_lookup_by_path() {
        let mut model = RepoModel::from_memory(&[("a/b.yml", "x"), ("c", "y")]);
        assert_eq!(model.file("a/b.yml").unwrap().text.as_deref(), Some("x"));
        assert!(model.file("missing").is_none());
        // Files added after the first lookup are still found.
        model.files.push(SourceFile {
            path: PathBuf::from("late"),
            size: 1,
            executable: false,
            text: Some("z".into()),
        });
        assert!(model.file("late").is_some());
    }
}
