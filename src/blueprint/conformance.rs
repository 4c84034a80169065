//! Blueprint conformance: render the blueprint version a repository was generated
//! from, with the answers it recorded, and compare every *managed* file. Read-only:
//! the repository is only ever read, never followed through symbolic links.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::answers::{self, AnswersFile, Inputs};
use super::composition::ComposedLayer;
use super::manifest::Ownership;
use super::model::Blueprint;
use super::provenance::{self, Provenance};
use super::render::Placed;
use super::source::{is_executable, Catalog};
use super::versions::{self, ChangelogEntry};
use super::BlueprintError;

/// Files larger than this are compared by size only.
const MAX_COMPARE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deviation {
    /// A managed file is gone.
    Missing { path: String },
    /// A managed file differs from what the blueprint renders.
    Changed {
        path: String,
        /// 1-based line of the first difference in the repository's file, when it is text.
        line: Option<usize>,
        /// Unified diff, blueprint (`a/`) against repository (`b/`); empty for binary files.
        diff: String,
    },
    /// The executable bit differs.
    Mode {
        path: String,
        expected_executable: bool,
    },
    /// The path exists but is not a regular file (a directory or a link).
    NotAFile { path: String, what: &'static str },
}

impl Deviation {
    pub fn path(&self) -> &str {
        match self {
            Deviation::Missing { path }
            | Deviation::Changed { path, .. }
            | Deviation::Mode { path, .. }
            | Deviation::NotAFile { path, .. } => path,
        }
    }
}

/// How one layer of a composed blueprint differs from what `.paved/answers.toml`
/// recorded when the repository was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerChange {
    /// Same layer, different content.
    Changed(String),
    /// The blueprint is now composed from a layer it was not generated with.
    Added(String),
    /// A recorded layer the blueprint no longer uses.
    Removed(String),
}

impl std::fmt::Display for LayerChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayerChange::Changed(id) => write!(f, "layer {id} changed"),
            LayerChange::Added(id) => write!(f, "layer {id} added"),
            LayerChange::Removed(id) => write!(f, "layer {id} no longer used"),
        }
    }
}

/// Compares the layers recorded in provenance with those of the blueprint now.
/// Nothing is compared when provenance records no layers and the blueprint has none.
pub fn layer_changes(recorded: &[ComposedLayer], now: &[ComposedLayer]) -> Vec<LayerChange> {
    let mut out = Vec::new();
    for layer in now {
        match recorded.iter().find(|r| r.id == layer.id) {
            Some(r) if r.hash != layer.hash => out.push(LayerChange::Changed(layer.id.clone())),
            Some(_) => {}
            None => out.push(LayerChange::Added(layer.id.clone())),
        }
    }
    for r in recorded {
        if !now.iter().any(|l| l.id == r.id) {
            out.push(LayerChange::Removed(r.id.clone()));
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub enum Conformance {
    /// The recorded blueprint version was rendered and compared.
    Checked {
        provenance: Box<Provenance>,
        deviations: Vec<Deviation>,
        /// Managed files compared.
        compared: usize,
        /// The blueprint's content changed although its version did not.
        hash_changed: bool,
        /// For a composed blueprint: the layers that differ from those recorded
        /// (content changed, added or no longer used), which says where a
        /// `hash_changed` came from.
        layer_changes: Vec<LayerChange>,
        /// The newest version in the catalog.
        latest: semver::Version,
        /// Release notes of the versions after the recorded one, oldest first.
        newer: Vec<ChangelogEntry>,
    },
    /// The blueprint is available, but only in another version.
    VersionUnavailable {
        provenance: Box<Provenance>,
        available: semver::Version,
    },
    /// No blueprint with the recorded id in the catalog.
    BlueprintUnavailable {
        provenance: Box<Provenance>,
        catalog: String,
    },
    /// `.paved/answers.toml` cannot be read or parsed, or its answers are no longer valid.
    Broken { file: String, message: String },
}

/// Checks one repository, reading it from disk. `None` when it has no
/// `.paved/answers.toml`.
pub fn check_repo(repo: &Path, catalog: &Catalog) -> Option<Conformance> {
    check_walked(repo, &|_| None, catalog)
}

/// Checks one repository whose files were already read: `walked` gives the walker's
/// copy of a file by its relative path. Only what the walker did not read as text
/// (binary, oversized, ignored or linked paths) is looked at on disk, so an audit
/// reads each file once.
pub fn check_walked<'a>(
    repo: &Path,
    walked: &dyn Fn(&str) -> Option<Walked<'a>>,
    catalog: &Catalog,
) -> Option<Conformance> {
    check_walked_parsed(repo, walked, catalog, None)
}

/// [`check_walked`] with `parsed`, the provenance the caller already parsed from the
/// walker's `.paved/answers.toml` (the same text `walked` gives), so it is not parsed
/// twice per audit. `None` parses it here (also when it did not parse: the error is
/// the finding's message).
fn check_walked_parsed<'a>(
    repo: &Path,
    walked: &dyn Fn(&str) -> Option<Walked<'a>>,
    catalog: &Catalog,
    parsed: Option<&Provenance>,
) -> Option<Conformance> {
    let rel = provenance::answers_path();
    if let Some(file) = walked(&rel) {
        let prov = match parsed {
            Some(prov) => Ok(prov.clone()),
            None => provenance::parse(file.text, &rel),
        };
        return Some(match prov {
            Ok(prov) => check_with(repo, walked, catalog, prov),
            Err(e) => Conformance::Broken {
                file: rel.clone(),
                message: e.to_string(),
            },
        });
    }
    let path = repo.join(&rel);
    let meta = fs::symlink_metadata(&path).ok()?;
    let broken = |message: String| Conformance::Broken {
        file: rel.clone(),
        message,
    };
    if !meta.is_file() {
        return Some(broken("is not a regular file".to_string()));
    }
    let text = match read_limited(&path) {
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => return Some(broken("is not valid UTF-8".to_string())),
        },
        Ok(None) => return Some(broken("is too large to be a provenance file".to_string())),
        Err(e) => return Some(broken(format!("cannot be read: {e}"))),
    };
    let prov = match provenance::parse(&text, &rel) {
        Ok(p) => p,
        Err(e) => return Some(broken(e.to_string())),
    };
    Some(check_with(repo, walked, catalog, prov))
}

/// A regular file as the walker read it: its text and executable bit.
#[derive(Clone, Copy, Debug)]
pub struct Walked<'a> {
    pub text: &'a str,
    pub executable: bool,
}

fn check_with<'a>(
    repo: &Path,
    walked: &dyn Fn(&str) -> Option<Walked<'a>>,
    catalog: &Catalog,
    prov: Provenance,
) -> Conformance {
    finish(repo, walked, prepare(catalog, prov))
}

/// The blueprint's side of a check: everything that depends on the recorded
/// provenance and the catalog, and nothing on the repository's other files.
enum Prepared {
    /// Decided without comparing files (the blueprint or version is missing, or the
    /// recorded answers no longer render).
    Decided(Conformance),
    Rendered(Box<Rendered>),
}

/// The recorded blueprint version rendered with the recorded answers.
struct Rendered {
    provenance: Provenance,
    /// The managed files, whose contents a copied template keeps in `bp`.
    managed: Vec<Placed>,
    bp: Arc<Blueprint>,
    latest: semver::Version,
    newer: Vec<ChangelogEntry>,
    hash_changed: bool,
    layer_changes: Vec<LayerChange>,
}

fn prepare(catalog: &Catalog, prov: Provenance) -> Prepared {
    if !catalog.ids().contains(&prov.blueprint_id) {
        return Prepared::Decided(Conformance::BlueprintUnavailable {
            provenance: Box::new(prov),
            catalog: catalog.describe(),
        });
    }
    let cannot_load = |e: BlueprintError| {
        Prepared::Decided(Conformance::Broken {
            file: provenance::answers_path(),
            message: format!("blueprint {:?} cannot be loaded: {e}", prov.blueprint_id),
        })
    };
    let latest = match catalog.load_shared(&prov.blueprint_id) {
        Ok(bp) => bp,
        Err(e) => return cannot_load(e),
    };
    // The recorded version, not the latest: a service is checked against what it
    // was generated from, so a new release never leaves it unchecked.
    let bp = match catalog.load_version_shared(&prov.blueprint_id, &prov.blueprint_version) {
        Ok(bp) => bp,
        Err(BlueprintError::VersionNotFound { .. }) => {
            return Prepared::Decided(Conformance::VersionUnavailable {
                available: latest.manifest.version.clone(),
                provenance: Box::new(prov),
            })
        }
        Err(e) => return cannot_load(e),
    };
    let newer: Vec<ChangelogEntry> = versions::entries_between(
        &latest.manifest.changelog,
        &prov.blueprint_version,
        &latest.manifest.version,
    )
    .into_iter()
    .cloned()
    .collect();
    let name = prov
        .answers
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_string();
    let inputs = Inputs {
        sets: Vec::new(),
        file: Some(AnswersFile {
            path: PathBuf::from(provenance::answers_path()),
            values: prov.answers.clone(),
        }),
    };
    let managed = match answers::resolve(&bp, &name, &inputs, None)
        .and_then(|a| super::render::render_owned(&bp, &a, Ownership::Managed))
    {
        Ok(managed) => managed,
        Err(e) => {
            return Prepared::Decided(Conformance::Broken {
                file: provenance::answers_path(),
                message: format!("the recorded answers no longer render: {e}"),
            })
        }
    };
    Prepared::Rendered(Box::new(Rendered {
        latest: latest.manifest.version.clone(),
        newer,
        hash_changed: !prov.blueprint_hash.is_empty() && prov.blueprint_hash != bp.hash,
        layer_changes: layer_changes(&prov.layers, &bp.manifest.composed),
        provenance: prov,
        managed,
        bp,
    }))
}

/// Compares the prepared rendering with the repository's managed files.
fn finish<'a>(
    repo: &Path,
    walked: &dyn Fn(&str) -> Option<Walked<'a>>,
    prepared: Prepared,
) -> Conformance {
    let rendered = match prepared {
        Prepared::Decided(outcome) => return outcome,
        Prepared::Rendered(rendered) => *rendered,
    };
    let mut deviations = Vec::new();
    let mut compared = 0;
    for file in &rendered.managed {
        compared += 1;
        let contents = file.contents(&rendered.bp);
        let deviation = match walked(&file.path) {
            Some(seen) => compare_walked(&file.path, contents, file.executable, seen),
            None => compare(repo, &file.path, contents, file.executable),
        };
        if let Some(d) = deviation {
            deviations.push(d);
        }
    }
    Conformance::Checked {
        latest: rendered.latest,
        newer: rendered.newer,
        hash_changed: rendered.hash_changed,
        layer_changes: rendered.layer_changes,
        provenance: Box::new(rendered.provenance),
        deviations,
        compared,
    }
}

/// A check started before the repository is walked: `.paved/answers.toml` read from
/// disk and the blueprint's side of the check done from it, so that an audit of one
/// repository renders the blueprint on the core the walk leaves idle.
pub struct ReadAhead {
    answers: String,
    prepared: Prepared,
}

/// Reads `.paved/answers.toml` below `repo` as the walker would (never through a
/// link, a regular file of valid UTF-8) and prepares its check. `None` when there is
/// no such file or it does not parse: the check then runs as without a read-ahead.
pub fn read_ahead(repo: &Path, catalog: &Catalog) -> Option<ReadAhead> {
    let rel = provenance::answers_path();
    let mut path = repo.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let meta = fs::symlink_metadata(&path).ok()?;
        let last = i + 1 == parts.len();
        if (last && !meta.is_file()) || (!last && !meta.is_dir()) {
            return None;
        }
    }
    let answers = String::from_utf8(read_limited(&path).ok()??).ok()?;
    let prov = provenance::parse(&answers, &rel).ok()?;
    Some(ReadAhead {
        prepared: prepare(catalog, prov),
        answers,
    })
}

/// [`check_walked`], using `ahead` when the walker read the same `.paved/answers.toml`
/// it was prepared from (the same text gives the same provenance, so the same check);
/// otherwise the check runs from the walked files alone. `parsed` is the provenance
/// the caller parsed from the walker's `.paved/answers.toml`, if it parsed: it must
/// be that text's, and spares parsing it again.
pub fn check_walked_ahead<'a>(
    repo: &Path,
    walked: &dyn Fn(&str) -> Option<Walked<'a>>,
    catalog: &Catalog,
    ahead: Option<ReadAhead>,
    parsed: Option<&Provenance>,
) -> Option<Conformance> {
    if let Some(ahead) = ahead {
        if walked(&provenance::answers_path()).is_some_and(|file| file.text == ahead.answers) {
            return Some(finish(repo, walked, ahead.prepared));
        }
    }
    check_walked_parsed(repo, walked, catalog, parsed)
}

/// [`compare`] for a file the walker read: a regular file reached without links.
fn compare_walked(
    rel: &str,
    expected: &[u8],
    executable: bool,
    seen: Walked<'_>,
) -> Option<Deviation> {
    let actual = seen.text.as_bytes();
    if actual == expected {
        return (seen.executable != executable).then(|| Deviation::Mode {
            path: rel.to_string(),
            expected_executable: executable,
        });
    }
    let (line, diff) = match std::str::from_utf8(expected) {
        Ok(want) => unified_diff(rel, want, seen.text),
        Err(_) => (None, String::new()),
    };
    Some(Deviation::Changed {
        path: rel.to_string(),
        line,
        diff,
    })
}

fn compare(repo: &Path, rel: &str, expected: &[u8], executable: bool) -> Option<Deviation> {
    // Never read through a link: an ancestor that is a link could lead out of the repo.
    let mut current = repo.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        current.push(part);
        let meta = match fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(_) => {
                return Some(Deviation::Missing {
                    path: rel.to_string(),
                })
            }
        };
        let last = i + 1 == parts.len();
        if meta.file_type().is_symlink() {
            return Some(Deviation::NotAFile {
                path: rel.to_string(),
                what: "a symbolic link",
            });
        }
        if last && !meta.is_file() {
            return Some(Deviation::NotAFile {
                path: rel.to_string(),
                what: "a directory or special file",
            });
        }
        if !last && !meta.is_dir() {
            return Some(Deviation::Missing {
                path: rel.to_string(),
            });
        }
        if last && is_executable(&meta) != executable {
            if let Ok(Some(actual)) = read_limited(&current) {
                if actual == expected {
                    return Some(Deviation::Mode {
                        path: rel.to_string(),
                        expected_executable: executable,
                    });
                }
            }
        }
    }
    let actual = match read_limited(&current) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Some(Deviation::Changed {
                path: rel.to_string(),
                line: None,
                diff: String::new(),
            })
        }
        Err(_) => {
            return Some(Deviation::Missing {
                path: rel.to_string(),
            })
        }
    };
    if actual == expected {
        return None;
    }
    let (line, diff) = match (std::str::from_utf8(expected), std::str::from_utf8(&actual)) {
        (Ok(want), Ok(have)) => unified_diff(rel, want, have),
        _ => (None, String::new()),
    };
    Some(Deviation::Changed {
        path: rel.to_string(),
        line,
        diff,
    })
}

/// Unified diff and the first changed line on the repository side.
pub fn unified_diff(rel: &str, expected: &str, actual: &str) -> (Option<usize>, String) {
    let diff = similar::TextDiff::from_lines(expected, actual);
    let first = diff
        .ops()
        .iter()
        .find(|op| op.tag() != similar::DiffTag::Equal)
        .map(|op| op.new_range().start + 1);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{rel} (blueprint)"),
            &format!("b/{rel} (repository)"),
        )
        .to_string();
    (first, text)
}

fn read_limited(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let file = fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_COMPARE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(if bytes.len() as u64 > MAX_COMPARE_BYTES {
        None
    } else {
        Some(bytes)
    })
}
