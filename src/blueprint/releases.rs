//! Frozen releases of a blueprint folder, for authors: `paved blueprint release DIR`
//! freezes the current version into `releases/<version>/` (byte for byte, and records
//! its content hash), and `paved blueprint check DIR` checks every frozen release.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use semver::Version;

use super::check::{self, Diagnostic};
use super::error::{BlueprintError, Result};
use super::manifest::MANIFEST_FILE;
use super::model::Blueprint;
use super::source;
use super::versions::{self, HASHES_FILE, RELEASES_DIR};

/// Problems with the releases of the blueprint in `dir`, whose latest version is
/// `latest`. Each release is also checked like a blueprint (it must still load and
/// render with this paved).
pub fn check_releases(dir: &Path, latest: &Blueprint) -> (Vec<Diagnostic>, usize) {
    let mut errors = Vec::new();
    let releases_dir = dir.join(RELEASES_DIR);
    let label = |p: &Path| p.display().to_string();
    let diag = |file: String, message: String| Diagnostic {
        file,
        line: None,
        message,
    };
    let manifest_label = format!("{}/{MANIFEST_FILE}", latest.origin);
    let latest_version = &latest.manifest.version;

    // Anything in releases/ that is not a version folder or the hash file is a mistake.
    if let Ok(entries) = fs::read_dir(&releases_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            let ok = (is_dir && Version::parse(&name).is_ok()) || (!is_dir && name == HASHES_FILE);
            if !ok {
                errors.push(diag(
                    label(&entry.path()),
                    format!("{RELEASES_DIR}/ holds only folders named after a version (e.g. 1.0.0) and {HASHES_FILE}"),
                ));
            }
        }
    }
    let found = match source::release_dirs(dir) {
        Ok(found) => found,
        Err(e) => return (vec![diag(String::new(), e.to_string())], 0),
    };
    let hashes_path = releases_dir.join(HASHES_FILE);
    let hashes = match fs::read_to_string(&hashes_path) {
        Ok(text) => match versions::parse_hashes(&text, &label(&hashes_path)) {
            Ok(h) => h,
            Err(e) => {
                errors.push(diag(String::new(), e.to_string()));
                Default::default()
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
        Err(e) => {
            errors.push(diag(label(&hashes_path), format!("cannot be read: {e}")));
            Default::default()
        }
    };

    let mut checked = 0;
    for (version, path) in &found {
        let where_ = label(path);
        let bp = match load_release(path, &latest.manifest.id, version) {
            Ok(bp) => bp,
            Err(e) => {
                errors.push(diag(String::new(), e.to_string()));
                continue;
            }
        };
        // Right after `paved blueprint release` the latest is still that version,
        // unchanged: fine until the author bumps it.
        let just_frozen = version == latest_version && bp.hash == latest.hash;
        if version >= latest_version && !just_frozen {
            errors.push(diag(
                where_.clone(),
                format!("release {version} is not older than the latest version {latest_version}, and differs from it; raise blueprint.version (releases freeze the versions before the latest)"),
            ));
        }
        checked += 1;
        match hashes.get(version) {
            Some(hash) if hash == &bp.hash => {}
            Some(hash) => errors.push(diag(
                where_.clone(),
                format!("release {version} was modified after it was frozen (content hash {} , recorded {hash} in {HASHES_FILE}); restore it from version control: services generated from {version} record the original", bp.hash),
            )),
            None => errors.push(diag(
                label(&hashes_path),
                format!("has no hash for release {version}; freeze releases with `paved blueprint release`, which records it"),
            )),
        }
        // A release must still render with this paved, exactly as when it was latest.
        let report = check::check(&bp);
        errors.extend(report.errors);
        // Answers recorded by a release must map onto the latest variables.
        for var in &bp.manifest.variables {
            if latest.manifest.variable(&var.name).is_some() {
                continue;
            }
            let covered = latest.manifest.migrations.iter().any(|m| {
                &m.version > version
                    && (m.rename.contains_key(&var.name) || m.drop.contains(&var.name))
            });
            if !covered {
                errors.push(diag(
                    manifest_label.clone(),
                    format!("variable {:?} of release {version} is gone from {latest_version}; add a [[migrations]] entry that renames or drops it so `paved update` knows what to do with recorded answers", var.name),
                ));
            }
        }
    }
    for version in hashes.keys() {
        if !found.contains_key(version) {
            errors.push(diag(
                label(&hashes_path),
                format!("records release {version}, but {RELEASES_DIR}/{version}/ is missing: services generated from it could no longer be checked or updated"),
            ));
        }
    }

    // Release notes: every version after the oldest release has an entry, and every
    // entry names a version this catalog can render.
    let mut all: BTreeSet<Version> = found.keys().cloned().collect();
    all.insert(latest_version.clone());
    let oldest = all.iter().next().cloned();
    for version in &all {
        if Some(version) == oldest.as_ref() {
            continue;
        }
        if !latest
            .manifest
            .changelog
            .iter()
            .any(|e| &e.version == version)
        {
            errors.push(diag(
                manifest_label.clone(),
                format!("has no [[changelog]] entry for {version}; every released version after the first needs one (summary, security, fixes)"),
            ));
        }
    }
    for entry in &latest.manifest.changelog {
        if !all.contains(&entry.version) {
            errors.push(Diagnostic {
                file: manifest_label.clone(),
                line: Some(entry.line),
                message: format!("[[changelog]] {} names a version that is neither the latest nor frozen in {RELEASES_DIR}/{}/", entry.version, entry.version),
            });
        }
    }
    (errors, checked)
}

fn load_release(path: &Path, id: &str, version: &Version) -> Result<Blueprint> {
    let bp = source::load_dir_as(path, id)?;
    source::check_release_version(&bp, version)?;
    Ok(bp)
}

/// What `paved blueprint release` did.
#[derive(Debug)]
pub struct Frozen {
    pub id: String,
    pub version: Version,
    pub hash: String,
    pub dir: PathBuf,
    pub files: usize,
}

/// Freezes the current version of the blueprint in `dir` into
/// `releases/<version>/`, byte for byte, and records its content hash. Refuses when
/// that release exists already. Atomic: the copy is staged and renamed into place.
pub fn freeze(dir: &Path) -> Result<Frozen> {
    let bp = source::load_dir(dir)?;
    let version = bp.manifest.version.clone();
    let releases = dir.join(RELEASES_DIR);
    let target = releases.join(version.to_string());
    if target.exists() {
        return Err(BlueprintError::Target {
            path: target,
            message: format!(
                "release {version} is frozen already; bump blueprint.version (and add a [[changelog]] entry) before releasing again"
            ),
        });
    }
    let files = source::read_blueprint_files(dir)?;
    fs::create_dir_all(&releases)
        .map_err(|e| BlueprintError::io(&releases, "cannot create the releases folder", e))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{version}.paved-staging-"))
        .tempdir_in(&releases)
        .map_err(|e| BlueprintError::io(&releases, "cannot create a staging directory", e))?;
    for f in &files {
        let dest = staging.path().join(&f.path);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| BlueprintError::io(parent, "cannot create directory", e))?;
        }
        fs::write(&dest, &f.bytes).map_err(|e| BlueprintError::io(&dest, "cannot write", e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = if f.executable { 0o755 } else { 0o644 };
            fs::set_permissions(&dest, fs::Permissions::from_mode(mode))
                .map_err(|e| BlueprintError::io(&dest, "cannot set permissions", e))?;
        }
    }
    // The copy must be the same blueprint, or services would record a hash that
    // its release does not have.
    let copy = load_release(staging.path(), &bp.manifest.id, &version)?;
    if copy.hash != bp.hash {
        return Err(BlueprintError::invalid(
            dir.display().to_string(),
            None,
            "the frozen copy hashes differently from the blueprint; nothing was frozen",
        ));
    }
    let hashes_path = releases.join(HASHES_FILE);
    let existing = match fs::read_to_string(&hashes_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(BlueprintError::io(&hashes_path, "cannot read", e)),
    };
    let hashes = versions::render_hashes(existing.as_deref(), &version, &bp.hash)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&releases)
        .map_err(|e| BlueprintError::io(&releases, "cannot create a temporary file", e))?;
    std::io::Write::write_all(&mut tmp, hashes.as_bytes())
        .map_err(|e| BlueprintError::io(&hashes_path, "cannot write", e))?;
    let staged = staging.keep();
    if let Err(e) = fs::rename(&staged, &target) {
        let _ = fs::remove_dir_all(&staged);
        return Err(BlueprintError::io(
            &target,
            "cannot move the release into place",
            e,
        ));
    }
    if let Err(e) = tmp.persist(&hashes_path) {
        let _ = fs::remove_dir_all(&target);
        return Err(BlueprintError::io(&hashes_path, "cannot write", e.error));
    }
    Ok(Frozen {
        id: bp.manifest.id.clone(),
        version,
        hash: bp.hash.clone(),
        dir: target,
        files: files.len(),
    })
}
