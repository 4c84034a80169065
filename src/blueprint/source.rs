//! Where blueprints come from: the set embedded in the binary, or a platform team's
//! directory laid out the same way. Both produce the same in-memory files, so the
//! rest of the engine never touches the file system while rendering.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::compose::{self, LayerSource};
use super::error::{BlueprintError, Result};
use super::manifest::MANIFEST_FILE;
use super::model::{Blueprint, SourceFile};

/// The blueprint `paved new` uses when none is named and several are available.
pub const DEFAULT_BLUEPRINT: &str = "rust-axum";
/// Refuse blueprints large enough to suggest a mistake (a vendored tree, a build dir).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
const MAX_FILES: usize = 20_000;

mod embedded {
    pub struct EmbeddedFile {
        pub path: &'static str,
        pub bytes: &'static [u8],
        pub executable: bool,
    }
    include!(concat!(env!("OUT_DIR"), "/embedded_blueprints.rs"));
}

/// The embedded files whose path starts with `prefix`, with the prefix removed.
pub(crate) fn embedded_files(prefix: &str) -> Vec<SourceFile> {
    embedded::FILES
        .iter()
        .filter_map(|f| {
            f.path.strip_prefix(prefix).map(|rel| SourceFile {
                path: rel.to_string(),
                bytes: f.bytes.to_vec(),
                executable: f.executable,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Origin {
    Embedded,
    Directory(PathBuf),
}

/// A set of blueprints, keyed by id (the folder name).
#[derive(Clone)]
pub struct Catalog {
    origin: Origin,
    ids: Vec<String>,
    /// Blueprints already loaded by [`Catalog::load_shared`]: an audit of many
    /// repositories generated from one blueprint parses and compiles it once.
    loaded: Arc<Mutex<HashMap<String, Arc<Blueprint>>>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("origin", &self.origin)
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// The blueprints compiled into this binary.
    pub fn embedded() -> Catalog {
        let mut ids: Vec<String> = embedded::FILES
            .iter()
            .filter_map(|f| f.path.strip_suffix(&format!("/{MANIFEST_FILE}")))
            .filter(|id| !id.contains('/'))
            .map(str::to_string)
            .collect();
        ids.sort();
        Catalog {
            origin: Origin::Embedded,
            ids,
            loaded: Arc::default(),
        }
    }

    /// A directory with one sub-folder per blueprint.
    pub fn from_dir(dir: &Path) -> Result<Catalog> {
        let entries = fs::read_dir(dir).map_err(|e| {
            BlueprintError::io(
                dir,
                "cannot read the blueprints directory (--blueprints / PAVED_BLUEPRINTS)",
                e,
            )
        })?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry
                .map_err(|e| BlueprintError::io(dir, "cannot list the blueprints directory", e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            // `_layers/` and other `_` folders hold shared parts, never a blueprint.
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let path = entry.path();
            let is_dir_or_link = entry
                .file_type()
                .map(|t| t.is_dir() || t.is_symlink())
                .unwrap_or(false);
            if is_dir_or_link && path.join(MANIFEST_FILE).exists() {
                ids.push(name);
            }
        }
        ids.sort();
        Ok(Catalog {
            origin: Origin::Directory(dir.to_path_buf()),
            ids,
            loaded: Arc::default(),
        })
    }

    /// `--blueprints DIR` if given, else the embedded set.
    pub fn open(dir: Option<&Path>) -> Result<Catalog> {
        match dir {
            Some(dir) => Catalog::from_dir(dir),
            None => Ok(Catalog::embedded()),
        }
    }

    pub fn describe(&self) -> String {
        match &self.origin {
            Origin::Embedded => "the built-in blueprints".to_string(),
            Origin::Directory(dir) => dir.display().to_string(),
        }
    }

    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The blueprint to use when the user names none.
    pub fn default_id(&self) -> Result<String> {
        if self.ids.iter().any(|id| id == DEFAULT_BLUEPRINT) {
            return Ok(DEFAULT_BLUEPRINT.to_string());
        }
        match self.ids.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(BlueprintError::NotFound {
                id: DEFAULT_BLUEPRINT.to_string(),
                catalog: self.describe(),
                available: Vec::new(),
            }),
            _ => Err(BlueprintError::Ambiguous {
                catalog: self.describe(),
                available: self.ids.clone(),
            }),
        }
    }

    /// Like [`Catalog::load`], but loads each blueprint once per catalog and shares it.
    /// Failures are not remembered, so each caller gets the full error.
    pub fn load_shared(&self, id: &str) -> Result<Arc<Blueprint>> {
        // Held while loading: compiling a large blueprint takes long enough that
        // threads racing past an unlocked check would each compile it again.
        let mut loaded = self
            .loaded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(bp) = loaded.get(id) {
            return Ok(Arc::clone(bp));
        }
        let bp = Arc::new(self.load(id)?);
        loaded.insert(id.to_string(), Arc::clone(&bp));
        Ok(bp)
    }

    /// Reads, parses and checks one blueprint.
    pub fn load(&self, id: &str) -> Result<Blueprint> {
        if !self.ids.iter().any(|i| i == id) {
            return Err(BlueprintError::NotFound {
                id: id.to_string(),
                catalog: self.describe(),
                available: self.ids.clone(),
            });
        }
        let (files, origin, layers) = self.raw_files(id)?;
        let composed = compose::compose(files, &origin, &layers)?;
        Blueprint::from_files_with_origins(id, composed.files, &origin, composed.origins)
    }

    /// The files of blueprint `id` as stored (before composition), how errors name
    /// its folder, and where its layers come from.
    pub(crate) fn raw_files(&self, id: &str) -> Result<(Vec<SourceFile>, String, LayerSource)> {
        if !self.ids.iter().any(|i| i == id) {
            return Err(BlueprintError::NotFound {
                id: id.to_string(),
                catalog: self.describe(),
                available: self.ids.clone(),
            });
        }
        Ok(match &self.origin {
            Origin::Embedded => (
                embedded_files(&format!("{id}/")),
                format!("<built-in>/{id}"),
                LayerSource::Embedded,
            ),
            Origin::Directory(dir) => {
                let folder = dir.join(id);
                (
                    read_tree(&folder)?,
                    folder.display().to_string(),
                    LayerSource::Directory(dir.clone()),
                )
            }
        })
    }
}

/// Loads the blueprint in `dir` (a folder holding `blueprint.toml`), for
/// `paved blueprint check` and for directory catalogs.
pub fn load_dir(dir: &Path) -> Result<Blueprint> {
    let id = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .unwrap_or_default();
    load_dir_as(dir, &id)
}

fn load_dir_as(dir: &Path, id: &str) -> Result<Blueprint> {
    compose::load_dir_composed(dir, id)
}

/// Reads every file below `dir` into memory without following symbolic links:
/// a link anywhere in a blueprint is refused, so nothing outside it can be read
/// into a generated repository.
pub(crate) fn read_tree(dir: &Path) -> Result<Vec<SourceFile>> {
    let meta = fs::metadata(dir)
        .map_err(|e| BlueprintError::io(dir, "cannot open the blueprint directory", e))?;
    if !meta.is_dir() {
        return Err(BlueprintError::invalid(
            dir.display().to_string(),
            None,
            "is not a directory; a blueprint is a folder holding blueprint.toml and template/",
        ));
    }
    let mut files = Vec::new();
    let mut total = 0u64;
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || e.file_name() != ".git");
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            let io = e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("walk failed"));
            BlueprintError::io(path, "cannot read blueprint file", io)
        })?;
        let path = entry.path();
        let rel = path.strip_prefix(dir).unwrap_or(path);
        let rel_str = rel
            .to_str()
            .ok_or_else(|| {
                BlueprintError::invalid(
                    path.display().to_string(),
                    None,
                    "file names in a blueprint must be UTF-8",
                )
            })?
            .replace(std::path::MAIN_SEPARATOR, "/");
        let file_type = entry.file_type();
        if file_type.is_symlink() {
            return Err(BlueprintError::Symlink {
                file: path.display().to_string(),
            });
        }
        if file_type.is_dir() {
            continue;
        }
        if !file_type.is_file() {
            return Err(BlueprintError::invalid(
                path.display().to_string(),
                None,
                "is not a regular file (device, socket or pipe); blueprints hold regular files only",
            ));
        }
        let mut file = fs::File::open(path)
            .map_err(|e| BlueprintError::io(path, "cannot read blueprint file", e))?;
        let meta = file
            .metadata()
            .map_err(|e| BlueprintError::io(path, "cannot stat blueprint file", e))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(BlueprintError::invalid(
                path.display().to_string(),
                None,
                format!(
                    "is {} bytes; blueprint files are limited to {MAX_FILE_BYTES}",
                    meta.len()
                ),
            ));
        }
        total += meta.len();
        if total > MAX_TOTAL_BYTES || files.len() >= MAX_FILES {
            return Err(BlueprintError::invalid(
                dir.display().to_string(),
                None,
                format!("the blueprint is too large (limits: {MAX_FILES} files, {MAX_TOTAL_BYTES} bytes)"),
            ));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes)
            .map_err(|e| BlueprintError::io(path, "cannot read blueprint file", e))?;
        files.push(SourceFile {
            path: rel_str,
            bytes,
            executable: is_executable(&meta),
        });
    }
    Ok(files)
}

#[cfg(unix)]
pub(crate) fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
pub(crate) fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

/// Summary line per blueprint for `paved list`; a broken blueprint is reported, not fatal.
pub fn summaries(catalog: &Catalog) -> BTreeMap<String, Result<(String, String)>> {
    catalog
        .ids()
        .iter()
        .map(|id| {
            let summary = catalog.load(id).map(|bp| {
                (
                    bp.manifest.version.to_string(),
                    bp.manifest.description.clone(),
                )
            });
            (id.clone(), summary)
        })
        .collect()
}
