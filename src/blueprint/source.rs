//! Where blueprints come from: the set embedded in the binary, or a platform team's
//! directory laid out the same way. Both produce the same in-memory files, so the
//! rest of the engine never touches the file system while rendering.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::compose::{self, LayerSource};
use super::error::{BlueprintError, Result};
use super::limits;
use super::manifest::{Manifest, MANIFEST_FILE};
use super::model::{check_folder_name, Blueprint, DeferredSites, Origins, SourceFile};
use super::shared::Shared;
use super::versions::{BlueprintRef, RELEASES_DIR};

/// The blueprint `paved new` uses when none is named and several are available.
pub const DEFAULT_BLUEPRINT: &str = "rust-axum";
/// Refuse blueprints large enough to suggest a mistake (a vendored tree, a build dir).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
const MAX_FILES: usize = 20_000;

mod embedded {
    pub struct EmbeddedFile {
        pub path: &'static str,
        offset: usize,
        len: usize,
        pub executable: bool,
    }
    impl EmbeddedFile {
        /// Identical contents (a release repeating the latest) share one copy.
        pub fn bytes(&self) -> &'static [u8] {
            &BLOB[self.offset..self.offset + self.len]
        }
    }
    /// A file of a composed built-in blueprint, as `build.rs` picked it.
    pub struct ComposedFile {
        /// Path in the composed blueprint (`template/…`, `partials/…`).
        pub path: &'static str,
        /// Index into `FILES`.
        pub file: usize,
        /// The layer it comes from; empty for the blueprint's own.
        pub layer: &'static str,
    }
    include!(concat!(env!("OUT_DIR"), "/embedded_blueprints.rs"));
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
    loaded: Arc<Shared<Blueprint>>,
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
            .filter(|id| !id.contains('/') && !id.starts_with('_'))
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

    /// `NotFound`, naming what is available, unless `id` is in this catalog.
    fn require(&self, id: &str) -> Result<()> {
        if self.ids.iter().any(|i| i == id) {
            return Ok(());
        }
        Err(BlueprintError::NotFound {
            id: id.to_string(),
            catalog: self.describe(),
            available: self.ids.clone(),
        })
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
        self.loaded.get_or_load(id, || self.load(id))
    }

    /// Reads, parses and checks one blueprint.
    pub fn load(&self, id: &str) -> Result<Blueprint> {
        if let Origin::Embedded = self.origin {
            self.require(id)?;
            if let Some(loaded) = load_built_in(id) {
                return loaded;
            }
        }
        let (files, origin, layers) = self.raw_files(id)?;
        let (known_flat, known_hash) = match self.origin {
            Origin::Embedded => (build_flat(id), build_hash(id)),
            Origin::Directory(_) => (None, None),
        };
        let composed = compose::compose_with(files, &origin, &layers, known_flat)?;
        Blueprint::from_files_hashed(id, composed.files, &origin, composed.origins, known_hash)
    }

    /// The files of blueprint `id` as stored (before composition), how errors name
    /// its folder, and where its layers come from.
    pub(crate) fn raw_files(&self, id: &str) -> Result<(Vec<SourceFile>, String, LayerSource)> {
        self.require(id)?;
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
    compose::load_dir_composed(dir, &id)
}

/// Loads a folder as it is, without layers: a frozen release, which is flattened.
pub(crate) fn load_dir_as(dir: &Path, id: &str) -> Result<Blueprint> {
    let files = read_tree(dir)?;
    Blueprint::from_files(id, files, &dir.display().to_string())
}

/// The files of the blueprint version in `dir` as `paved blueprint release` freezes
/// them: every file but `releases/` and `.git/`, byte for byte; a blueprint composed
/// from layers is frozen flattened, so the release never depends on layers that
/// change later.
pub(crate) fn read_blueprint_files(dir: &Path) -> Result<Vec<SourceFile>> {
    compose::flattened_dir(dir)
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
        // Frozen releases beside the latest version are loaded on their own.
        .filter_entry(|e| {
            e.depth() != 1 || (e.file_name() != ".git" && e.file_name() != RELEASES_DIR)
        });
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
            bytes: bytes.into(),
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

/// Summary line per blueprint for `paved list`; a broken manifest is reported, not
/// fatal. Only the manifests are read: compiling every template of every blueprint
/// costs far more than listing them, and `paved blueprint check` is the command that
/// finds broken templates.
pub fn summaries(catalog: &Catalog) -> BTreeMap<String, Result<(String, String)>> {
    catalog
        .ids()
        .iter()
        .map(|id| {
            let summary = catalog
                .manifest(id)
                .map(|m| (m.version.to_string(), m.description));
            (id.clone(), summary)
        })
        .collect()
}

impl Catalog {
    /// The manifest of blueprint `id` alone, parsed and checked, without loading its
    /// templates or layers.
    pub fn manifest(&self, id: &str) -> Result<Manifest> {
        self.require(id)?;
        let (bytes, label): (Vec<u8>, String) = match &self.origin {
            Origin::Embedded => {
                let wanted = format!("{id}/{MANIFEST_FILE}");
                let file = embedded::FILES
                    .iter()
                    .find(|f| f.path == wanted)
                    .ok_or_else(|| {
                        BlueprintError::invalid(
                            format!("<built-in>/{id}"),
                            None,
                            format!("has no {MANIFEST_FILE}"),
                        )
                    })?;
                (file.bytes().to_vec(), format!("<built-in>/{wanted}"))
            }
            Origin::Directory(dir) => {
                let path = dir.join(id).join(MANIFEST_FILE);
                let meta = fs::symlink_metadata(&path).map_err(|e| {
                    BlueprintError::io(&path, "cannot read the blueprint manifest", e)
                })?;
                if !meta.is_file() {
                    return Err(BlueprintError::invalid(
                        path.display().to_string(),
                        None,
                        "is not a regular file (links are not followed); make it a plain file",
                    ));
                }
                if meta.len() > limits::MAX_TEMPLATE_BYTES as u64 {
                    return Err(BlueprintError::invalid(
                        path.display().to_string(),
                        None,
                        format!(
                            "is {} bytes; a manifest may be at most {} bytes",
                            meta.len(),
                            limits::MAX_TEMPLATE_BYTES
                        ),
                    ));
                }
                let bytes = fs::read(&path).map_err(|e| {
                    BlueprintError::io(&path, "cannot read the blueprint manifest", e)
                })?;
                (bytes, path.display().to_string())
            }
        };
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| BlueprintError::invalid(&label, None, "is not valid UTF-8"))?;
        let manifest = Manifest::parse(text, &label)?;
        check_folder_name(&manifest, id, &label)?;
        Ok(manifest)
    }
}

/// The content hash `build.rs` computed for an embedded blueprint (`ID`), frozen
/// release (`ID/releases/VERSION`) or layer (`_layers/ID`), the same digest the
/// engine computes from the same files; `None` for what it could not compose, which
/// is then hashed at run time.
pub(crate) fn build_hash(key: &str) -> Option<&'static str> {
    embedded::HASHES
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .map(|i| embedded::HASHES[i].1)
}

/// The flattened manifest `build.rs` composed for embedded blueprint `id` from its
/// layers (what `compose` builds from the same files); `None` for one without layers
/// or one it could not compose.
pub(crate) fn build_flat(id: &str) -> Option<&'static str> {
    embedded::FLAT_MANIFESTS
        .binary_search_by(|(k, _)| (*k).cmp(id))
        .ok()
        .map(|i| embedded::FLAT_MANIFESTS[i].1)
}

/// A built-in blueprint composed as `build.rs` composed it: its flattened manifest,
/// the template and partial files it picked from each layer, and its hash, so no
/// layer is read or parsed. `None` for one `build.rs` could not compose, which is
/// composed at run time. `source::tests::embedded_hashes_match_runtime` proves the
/// files and where each came from equal to what `compose` picks from `blueprints/`
/// on disk, with every check that composing runs.
fn load_built_in(id: &str) -> Option<Result<Blueprint>> {
    let (flat, hash) = (build_flat(id)?, build_hash(id)?);
    let picked = embedded::COMPOSED
        .binary_search_by(|(k, _)| (*k).cmp(id))
        .ok()
        .map(|i| embedded::COMPOSED[i].1)?;
    let origin = format!("<built-in>/{id}");
    let mut origins = Origins::default();
    let mut files = Vec::with_capacity(picked.len() + 1);
    files.push(SourceFile {
        path: MANIFEST_FILE.to_string(),
        bytes: flat.as_bytes().into(),
        executable: false,
    });
    for &embedded::ComposedFile { path, file, layer } in picked {
        let file = &embedded::FILES[file];
        if !layer.is_empty() {
            origins.files.insert(
                path.to_string(),
                compose::LayerSource::Embedded.describe(layer),
            );
        }
        files.push(SourceFile {
            path: path.to_string(),
            bytes: file.bytes().into(),
            executable: file.executable,
        });
    }
    // Only error messages and `paved blueprint check` name the manifest line of a
    // variable or file rule: composing again finds them when one asks.
    let again = id.to_string();
    origins.deferred = Some(DeferredSites::new(move || {
        let origin = format!("<built-in>/{again}");
        compose::compose(
            embedded_files(&format!("{again}/")),
            &origin,
            &LayerSource::Embedded,
        )
        .map(|c| (c.origins.variables, c.origins.rules))
        .unwrap_or_default()
    }));
    Some(Blueprint::from_files_hashed(
        id,
        files,
        &origin,
        origins,
        Some(hash),
    ))
}

/// The embedded files below `prefix` (`ID/` or `ID/releases/VERSION/`), paths relative
/// to it, without the releases folder of that blueprint.
pub(crate) fn embedded_files(prefix: &str) -> Vec<SourceFile> {
    let releases = format!("{RELEASES_DIR}/");
    embedded::FILES
        .iter()
        .filter_map(|f| {
            let rel = f.path.strip_prefix(prefix)?;
            (!rel.starts_with(&releases)).then(|| SourceFile {
                path: rel.to_string(),
                bytes: f.bytes().into(),
                executable: f.executable,
            })
        })
        .collect()
}

/// Older released versions, each frozen in `releases/<version>/` beside the latest.
impl Catalog {
    /// Every version of `id` this catalog can render, oldest first: each frozen
    /// release and the latest.
    pub fn versions(&self, id: &str) -> Result<Vec<semver::Version>> {
        let latest = self.load_shared(id)?.manifest.version.clone();
        let mut versions = self.release_versions(id)?;
        versions.retain(|v| v != &latest);
        versions.push(latest);
        versions.sort();
        Ok(versions)
    }

    /// The versions frozen under `releases/`, oldest first. Folders whose name is not
    /// a version are ignored here and reported by `paved blueprint check`.
    pub fn release_versions(&self, id: &str) -> Result<Vec<semver::Version>> {
        let mut out = Vec::new();
        match &self.origin {
            Origin::Embedded => {
                let prefix = format!("{id}/{RELEASES_DIR}/");
                for f in embedded::FILES {
                    let Some(rest) = f.path.strip_prefix(&prefix) else {
                        continue;
                    };
                    if let Some(v) = rest
                        .strip_suffix(&format!("/{MANIFEST_FILE}"))
                        .and_then(|v| semver::Version::parse(v).ok())
                    {
                        out.push(v);
                    }
                }
            }
            Origin::Directory(dir) => out = release_dirs(&dir.join(id))?.into_keys().collect(),
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The latest version of `id` (its newest manifest).
    pub fn latest_version(&self, id: &str) -> Result<semver::Version> {
        Ok(self.load_shared(id)?.manifest.version.clone())
    }

    /// `ID` (the latest) or `ID@VERSION`.
    pub fn load_ref(&self, r: &BlueprintRef) -> Result<Arc<Blueprint>> {
        match &r.version {
            None => self.load_shared(&r.id),
            Some(v) => self.load_version_shared(&r.id, v),
        }
    }

    /// One version of `id`, loaded once per catalog and shared.
    pub fn load_version_shared(
        &self,
        id: &str,
        version: &semver::Version,
    ) -> Result<Arc<Blueprint>> {
        // A frozen release wins over a latest that claims the same version: the
        // release is what was shipped (the latest may be mid-edit before its bump).
        let frozen = self.release_versions(id)?.contains(version);
        let latest = self.load_shared(id)?;
        if &latest.manifest.version == version && !frozen {
            return Ok(latest);
        }
        if !frozen {
            let mut available: Vec<String> =
                self.versions(id)?.iter().map(ToString::to_string).collect();
            available.reverse();
            return Err(BlueprintError::VersionNotFound {
                id: id.to_string(),
                version: version.to_string(),
                catalog: self.describe(),
                available,
            });
        }
        let key = format!("{id}@{version}");
        self.loaded
            .get_or_load(&key, || self.load_release(id, version))
    }

    fn load_release(&self, id: &str, version: &semver::Version) -> Result<Blueprint> {
        let bp = match &self.origin {
            Origin::Embedded => {
                let origin = format!("<built-in>/{id}/{RELEASES_DIR}/{version}");
                let files = embedded_files(&format!("{id}/{RELEASES_DIR}/{version}/"));
                let known_hash = build_hash(&format!("{id}/{RELEASES_DIR}/{version}"));
                Blueprint::from_files_hashed(id, files, &origin, Default::default(), known_hash)?
            }
            Origin::Directory(dir) => {
                let found = release_dirs(&dir.join(id))?;
                let path = found.get(version).cloned().unwrap_or_default();
                load_dir_as(&path, id)?
            }
        };
        check_release_version(&bp, version)?;
        Ok(bp)
    }
}

/// A release folder must hold the version it is named after: a mismatch would
/// render a different version than the one a repository records.
pub(crate) fn check_release_version(bp: &Blueprint, folder: &semver::Version) -> Result<()> {
    if &bp.manifest.version != folder {
        return Err(BlueprintError::invalid(
            format!("{}/{MANIFEST_FILE}", bp.origin),
            None,
            format!(
                "blueprint.version is {} but the release folder is named {folder}; a frozen release must not be edited",
                bp.manifest.version
            ),
        ));
    }
    Ok(())
}

/// Release folders of the blueprint in `dir`, by version. A missing `releases/` is
/// no releases.
pub(crate) fn release_dirs(dir: &Path) -> Result<BTreeMap<semver::Version, PathBuf>> {
    let releases = dir.join(RELEASES_DIR);
    let entries = match fs::read_dir(&releases) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(BlueprintError::io(&releases, "cannot list the releases", e)),
    };
    let mut out = BTreeMap::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| BlueprintError::io(&releases, "cannot list the releases", e))?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if let (true, Some(v)) = (
            is_dir,
            entry
                .file_name()
                .to_str()
                .and_then(|n| semver::Version::parse(n).ok()),
        ) {
            out.insert(v, entry.path());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::check;

    /// What `load_built_in` takes from `build.rs` is what `compose` picks from the
    /// same embedded files: every file (path, bytes, executable bit), the folder
    /// each came from, and where each variable and file rule is declared.
    fn built_in_composes_as_at_run_time(id: &str, loaded: &Blueprint) {
        let composed = compose::compose(
            embedded_files(&format!("{id}/")),
            &format!("<built-in>/{id}"),
            &LayerSource::Embedded,
        )
        .unwrap();
        let Some(Ok(built)) = load_built_in(id) else {
            panic!("{id}: build.rs did not compose it");
        };
        let runtime = Blueprint::from_files_with_origins(
            id,
            composed.files.clone(),
            &format!("<built-in>/{id}"),
            composed.origins.clone(),
        )
        .unwrap();
        let files = |bp: &Blueprint| -> Vec<(String, Vec<u8>, bool)> {
            bp.templates
                .iter()
                .map(|t| (t.path.clone(), t.bytes.to_vec(), t.executable))
                .collect()
        };
        assert_eq!(files(&built), files(&runtime), "{id}");
        assert_eq!(built.partials, runtime.partials, "{id}");
        assert_eq!(built.origins.files, composed.origins.files, "{id}");
        assert!(built.origins.variables.is_empty() && built.origins.rules.is_empty());
        for (name, site) in &composed.origins.variables {
            assert_eq!(&built.variable_site(name, 0), site, "{id}: {name}");
            assert_eq!(&loaded.variable_site(name, 0), site, "{id}: {name}");
        }
        for (i, site) in composed.origins.rules.iter().enumerate() {
            assert_eq!(&built.rule_site(i, 0), site, "{id}: rule {i}");
        }
        assert_eq!(
            format!("{:?}", built.manifest),
            format!("{:?}", runtime.manifest),
            "{id}"
        );
    }

    /// `build.rs` hashes the embedded blueprints, layers and releases with its own
    /// copy of which file comes from where: every hash it recorded must be the one
    /// the engine computes from the same files read from disk. Loading them from
    /// disk also runs every limit check, which loading them embedded skips.
    #[test]
    fn embedded_hashes_match_runtime() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints");
        let embedded = Catalog::embedded();
        let disk = Catalog::from_dir(&dir).unwrap();
        assert!(!embedded.ids().is_empty());
        assert_eq!(embedded.ids(), disk.ids());
        for id in embedded.ids() {
            let built = build_hash(id).unwrap_or_else(|| panic!("{id}: no build-time hash"));
            let flat = compose::flattened(&disk, id).unwrap();
            let flat = flat.iter().find(|f| f.path == MANIFEST_FILE).unwrap();
            let runtime_flat = std::str::from_utf8(&flat.bytes).unwrap();
            match build_flat(id) {
                Some(text) => assert_eq!(text, runtime_flat, "{id}"),
                None => assert!(disk.load(id).unwrap().manifest.composed.is_empty(), "{id}"),
            }
            let runtime = disk.load(id).unwrap();
            assert_eq!(built, runtime.hash, "{id}");
            let loaded = embedded.load(id).unwrap();
            assert_eq!(loaded.hash, runtime.hash, "{id}");
            built_in_composes_as_at_run_time(id, &loaded);
            // `generate` skips this check for built-in blueprints.
            assert_eq!(check::undeclared(&loaded), Vec::new(), "{id}");
            for version in embedded.release_versions(id).unwrap() {
                let key = format!("{id}/{RELEASES_DIR}/{version}");
                let built = build_hash(&key).unwrap_or_else(|| panic!("{key}: no build-time hash"));
                let runtime = disk.load_version_shared(id, &version).unwrap();
                assert_eq!(built, runtime.hash, "{key}");
                let loaded = embedded.load_version_shared(id, &version).unwrap();
                assert_eq!(check::undeclared(&loaded), Vec::new(), "{key}");
            }
        }
        let layers = LayerSource::Embedded.ids();
        assert!(!layers.is_empty());
        for id in layers {
            let key = format!("{}/{id}", super::super::layer::LAYERS_DIR);
            let built = build_hash(&key).unwrap_or_else(|| panic!("{key}: no build-time hash"));
            let runtime = LayerSource::Directory(dir.clone())
                .load(&id)
                .unwrap()
                .unwrap();
            assert_eq!(built, runtime.hash, "{key}");
        }
    }
}
