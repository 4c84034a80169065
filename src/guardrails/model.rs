//! What a rule sees of one repository: the parsed files ([`Model`], from the
//! `paved-model` crate), the blueprint provenance and the security context. Built in
//! one step by the drift engine and never changed afterwards.
//!
//! Building the [`Model`] is the only place files are parsed (see `drift::walk` for
//! how they are read: no links followed, ignored and vendored trees skipped,
//! size-capped). Parsers never panic: a file they cannot read becomes a [`Warning`].

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub use paved_model::{Model, SourceFile, Warning};
use paved_parse::{dockerfile, hcl, yaml};

use crate::blueprint::provenance::Provenance;

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
struct Memo {
    slots: Mutex<HashMap<TypeId, Arc<Slot>>>,
}

/// One fact: computed by the first rule that asks, while the others wait for it.
#[derive(Default)]
struct Slot {
    /// Set by the thread that computes the fact.
    claimed: AtomicBool,
    value: OnceLock<Arc<dyn Any + Send + Sync>>,
}

thread_local! {
    /// How many facts this thread is computing (nested: a fact may ask for another).
    static COMPUTING: Cell<usize> = const { Cell::new(0) };
}

/// Counts a fact under computation on this thread, also when computing it panics.
struct Computing;

impl Computing {
    fn start() -> Computing {
        COMPUTING.with(|c| c.set(c.get() + 1));
        Computing
    }
}

impl Drop for Computing {
    fn drop(&mut self) {
        COMPUTING.with(|c| c.set(c.get() - 1));
    }
}

/// One repository as every rule sees it.
#[derive(Default)]
pub struct RepoModel {
    root: PathBuf,
    model: Model,
    provenance: Option<Provenance>,
    context: RepoContext,
    memo: Memo,
}

impl std::fmt::Debug for RepoModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoModel")
            .field("root", &self.root)
            .field("files", &self.model.files().len())
            .finish_non_exhaustive()
    }
}

impl RepoModel {
    /// The repository at `root` with its parsed files, provenance and context.
    pub fn new(
        root: PathBuf,
        model: Model,
        provenance: Option<Provenance>,
        context: RepoContext,
    ) -> RepoModel {
        RepoModel {
            root,
            model,
            provenance,
            context,
            memo: Memo::default(),
        }
    }

    /// A model of in-memory files, for tests, fuzzing and benchmarks: each
    /// `(path, contents)` becomes a text file; provenance and context stay empty.
    pub fn from_memory(files: &[(&str, &str)]) -> RepoModel {
        RepoModel::new(
            PathBuf::from("."),
            Model::from_memory(files),
            None,
            RepoContext::default(),
        )
    }

    /// The same repository with this provenance (tests).
    pub fn with_provenance(self, provenance: Option<Provenance>) -> RepoModel {
        RepoModel { provenance, ..self }
    }

    /// The same repository with this context (tests).
    pub fn with_context(self, context: RepoContext) -> RepoModel {
        RepoModel { context, ..self }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The parsed files; rules usually go through the views of `CheckCtx` instead.
    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn files(&self) -> &[SourceFile] {
        self.model.files()
    }

    /// The file at `path` (relative, `/`-separated), if the walker saw it.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.model.file(path)
    }

    /// Whether any file matches `pred`.
    pub fn any_file(&self, pred: impl Fn(&SourceFile) -> bool) -> bool {
        self.model.any_file(pred)
    }

    pub fn dockerfiles(&self) -> &[dockerfile::Dockerfile] {
        self.model.dockerfiles()
    }

    pub fn yaml(&self) -> &[yaml::YamlFile] {
        self.model.yaml()
    }

    pub fn terraform(&self) -> &[hcl::TerraformFile] {
        self.model.terraform()
    }

    /// `.paved/answers.toml`, when present and readable.
    pub fn provenance(&self) -> Option<&Provenance> {
        self.provenance.as_ref()
    }

    pub fn context(&self) -> &RepoContext {
        &self.context
    }

    /// The blueprint id recorded in provenance, for rules that apply to generated services.
    pub fn blueprint_id(&self) -> Option<&str> {
        self.provenance.as_ref().map(|p| p.blueprint_id.as_str())
    }

    /// The fact of type `T` about this repository, computed by `compute` the first time
    /// any rule asks for it; rules running in parallel that ask meanwhile wait for that
    /// one computation rather than repeat it.
    pub fn memo<T: Any + Send + Sync>(&self, compute: impl FnOnce(&RepoModel) -> T) -> Arc<T> {
        let slot = Arc::clone(
            self.memo
                .slots
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .entry(TypeId::of::<T>())
                .or_default(),
        );
        if slot.value.get().is_none()
            && slot.claimed.swap(true, Ordering::AcqRel)
            && COMPUTING.with(Cell::get) == 0
        {
            // Another rule is computing it: run other pending work meanwhile, so the
            // core is not idle. Not while this thread computes a fact itself: the work
            // it picked up could wait for that fact, below it on this very stack.
            while slot.value.get().is_none() && rayon::yield_now() == Some(rayon::Yield::Executed) {
            }
        }
        // Computed without the map's lock: a fact may itself ask for another one.
        // Blocks while another thread computes it.
        let any = slot.value.get_or_init(|| {
            let _computing = Computing::start();
            Arc::new(compute(self))
        });
        Arc::clone(any)
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("memo slots are keyed by their type"))
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
            r.files().len()
        };
        assert_eq!(*model.memo(compute), 1);
        assert_eq!(*model.memo(compute), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A different type is a different fact.
        assert_eq!(*model.memo(|_| "other"), "other");
    }

    #[test]
    fn memo_computes_each_fact_once_under_contention() {
        let model = RepoModel::from_memory(&[("a.txt", "x")]);
        let calls = AtomicUsize::new(0);
        use rayon::prelude::*;
        let values: Vec<usize> = (0..64)
            .into_par_iter()
            .map(|_| {
                *model.memo(|r| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    r.files().len()
                })
            })
            .collect();
        assert_eq!(values, vec![1; 64]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn file_lookup_by_path() {
        let model = RepoModel::from_memory(&[("a/b.yml", "x"), ("c", "y")]);
        assert_eq!(model.file("a/b.yml").unwrap().text.as_deref(), Some("x"));
        assert!(model.file("missing").is_none());
    }
}
