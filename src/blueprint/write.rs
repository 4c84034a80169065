//! Writes a rendered tree to disk atomically: everything goes into a staging
//! directory beside the target first and is then renamed into place, so a failure
//! at any point leaves the file system as it was.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{BlueprintError, Result};
use super::render::RenderedTree;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Nothing there yet.
    Missing,
    /// An empty directory, which is replaced.
    Empty,
    /// A non-empty directory; only with `--force`, and then files are written into it.
    NonEmpty,
}

/// Decides whether `target` may be written, without changing anything.
pub fn inspect_target(target: &Path, force: bool) -> Result<TargetState> {
    let refuse = |message: &str| BlueprintError::Target {
        path: target.to_path_buf(),
        message: message.to_string(),
    };
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TargetState::Missing),
        Err(e) => {
            return Err(BlueprintError::io(
                target,
                "cannot inspect the target directory",
                e,
            ))
        }
    };
    if meta.file_type().is_symlink() {
        return Err(refuse(
            "is a symbolic link; pass the real directory with --output",
        ));
    }
    if !meta.is_dir() {
        return Err(refuse(
            "exists and is not a directory; choose another --output",
        ));
    }
    let mut entries = fs::read_dir(target)
        .map_err(|e| BlueprintError::io(target, "cannot read the target directory", e))?;
    if entries.next().is_none() {
        return Ok(TargetState::Empty);
    }
    if force {
        Ok(TargetState::NonEmpty)
    } else {
        Err(refuse(
            "already exists and is not empty; pass --force to write into it (files the blueprint generates are overwritten, all others are kept)",
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub target: PathBuf,
    pub files: usize,
    pub overwritten: usize,
}

/// Writes `tree` to `target`. See the module docs for the guarantees.
pub fn write_tree(tree: &RenderedTree, target: &Path, force: bool) -> Result<WriteReport> {
    let target = std::path::absolute(target)
        .map_err(|e| BlueprintError::io(target, "cannot resolve the target path", e))?;
    let state = inspect_target(&target, force)?;
    let parent = target.parent().ok_or_else(|| BlueprintError::Target {
        path: target.clone(),
        message: "cannot generate into the root directory".to_string(),
    })?;
    if state == TargetState::NonEmpty {
        check_overlay(tree, &target)?;
    }

    let created_parents = create_parents(parent)?;
    let result = stage_and_commit(tree, &target, parent, state);
    if result.is_err() {
        for dir in created_parents.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    result
}

fn stage_and_commit(
    tree: &RenderedTree,
    target: &Path,
    parent: &Path,
    state: TargetState,
) -> Result<WriteReport> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("target");
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.paved-staging-"))
        .tempdir_in(parent)
        .map_err(|e| {
            BlueprintError::io(
                parent,
                "cannot create a staging directory beside the target",
                e,
            )
        })?;
    // Each directory is created once, not once per file inside it.
    let mut made: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for file in &tree.files {
        if let Some((dir, _)) = file.path.rsplit_once('/') {
            if made.insert(dir) {
                let dir = staging.path().join(dir);
                fs::create_dir_all(&dir)
                    .map_err(|e| BlueprintError::io(&dir, "cannot create directory", e))?;
            }
        }
        write_file(
            &staging.path().join(&file.path),
            &file.contents,
            file.executable,
        )?;
    }

    match state {
        TargetState::Missing | TargetState::Empty => {
            if state == TargetState::Empty {
                // rename(2) replaces an empty directory, but not on every platform.
                let _ = fs::remove_dir(target);
            }
            let staged = staging.keep();
            if let Err(e) = fs::rename(&staged, target) {
                let _ = fs::remove_dir_all(&staged);
                return Err(BlueprintError::io(
                    target,
                    "cannot move the generated tree into place",
                    e,
                ));
            }
            Ok(WriteReport {
                target: target.to_path_buf(),
                files: tree.files.len(),
                overwritten: 0,
            })
        }
        TargetState::NonEmpty => overlay(tree, target, staging.path()),
    }
}

/// Before touching an existing directory, make sure no path we write goes through
/// a symbolic link (which could lead outside the target) or collides with a directory.
fn check_overlay(tree: &RenderedTree, target: &Path) -> Result<()> {
    for file in &tree.files {
        let mut current = target.to_path_buf();
        let components: Vec<&str> = file.path.split('/').collect();
        for (i, component) in components.iter().enumerate() {
            current.push(component);
            let last = i + 1 == components.len();
            let meta = match fs::symlink_metadata(&current) {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(BlueprintError::io(&current, "cannot inspect", e)),
            };
            let refuse = |message: &str| BlueprintError::Target {
                path: current.clone(),
                message: message.to_string(),
            };
            if meta.file_type().is_symlink() {
                return Err(refuse(
                    "is a symbolic link; paved never writes through links (remove it, then retry)",
                ));
            }
            if last && meta.is_dir() {
                return Err(refuse(
                    "is a directory, but the blueprint generates a file there",
                ));
            }
            if !last && !meta.is_dir() {
                return Err(refuse(
                    "is a file, but the blueprint needs a directory there",
                ));
            }
        }
    }
    Ok(())
}

enum Step {
    CreatedDir(PathBuf),
    Placed {
        dest: PathBuf,
        backup: Option<PathBuf>,
    },
}

/// Moves staged files into an existing directory one by one, keeping what each
/// replaced so that a failure part-way can put everything back.
fn overlay(tree: &RenderedTree, target: &Path, staging: &Path) -> Result<WriteReport> {
    let backups = staging.join(".paved-backup");
    fs::create_dir(&backups)
        .map_err(|e| BlueprintError::io(&backups, "cannot create backup directory", e))?;
    let mut steps: Vec<Step> = Vec::new();
    let mut overwritten = 0;

    let mut run = || -> Result<()> {
        for (i, file) in tree.files.iter().enumerate() {
            let dest = target.join(&file.path);
            let mut dir = target.to_path_buf();
            let parts: Vec<&str> = file.path.split('/').collect();
            for part in &parts[..parts.len() - 1] {
                dir.push(part);
                match fs::create_dir(&dir) {
                    Ok(()) => steps.push(Step::CreatedDir(dir.clone())),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(BlueprintError::io(&dir, "cannot create directory", e)),
                }
            }
            let backup = if fs::symlink_metadata(&dest).is_ok() {
                let backup = backups.join(i.to_string());
                fs::rename(&dest, &backup).map_err(|e| {
                    BlueprintError::io(&dest, "cannot set the existing file aside", e)
                })?;
                overwritten += 1;
                Some(backup)
            } else {
                None
            };
            let placed = fs::rename(staging.join(&file.path), &dest);
            steps.push(Step::Placed {
                dest: dest.clone(),
                backup,
            });
            placed.map_err(|e| {
                BlueprintError::io(&dest, "cannot move the generated file into place", e)
            })?;
        }
        Ok(())
    };

    match run() {
        Ok(()) => Ok(WriteReport {
            target: target.to_path_buf(),
            files: tree.files.len(),
            overwritten,
        }),
        Err(e) => {
            for step in steps.into_iter().rev() {
                match step {
                    Step::Placed { dest, backup } => {
                        let _ = fs::remove_file(&dest);
                        if let Some(backup) = backup {
                            let _ = fs::rename(backup, &dest);
                        }
                    }
                    Step::CreatedDir(dir) => {
                        let _ = fs::remove_dir(dir);
                    }
                }
            }
            Err(e)
        }
    }
}

/// Creates the missing ancestors of the target, returning those it created so a
/// failure can remove them again.
fn create_parents(parent: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut cursor = Some(parent);
    while let Some(dir) = cursor {
        match fs::symlink_metadata(dir) {
            Ok(meta) if meta.is_dir() || (meta.file_type().is_symlink() && dir.is_dir()) => break,
            Ok(_) => {
                return Err(BlueprintError::Target {
                    path: dir.to_path_buf(),
                    message: "is not a directory, so the target cannot be created inside it"
                        .to_string(),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(dir.to_path_buf()),
            Err(e) => return Err(BlueprintError::io(dir, "cannot inspect", e)),
        }
        cursor = dir.parent();
    }
    let mut created = Vec::new();
    for dir in missing.into_iter().rev() {
        if let Err(e) = fs::create_dir(&dir) {
            for d in created.iter().rev() {
                let _ = fs::remove_dir(d);
            }
            return Err(BlueprintError::io(
                &dir,
                "cannot create the parent directory",
                e,
            ));
        }
        created.push(dir);
    }
    Ok(created)
}

/// Creates `path`, whose directory exists, with `contents`.
fn write_file(path: &Path, contents: &[u8], executable: bool) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if executable { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = executable;
    let mut file = options
        .open(path)
        .map_err(|e| BlueprintError::io(path, "cannot create file", e))?;
    file.write_all(contents)
        .map_err(|e| BlueprintError::io(path, "cannot write file", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::render::RenderedFile;

    fn tree(paths: &[&str]) -> RenderedTree {
        RenderedTree {
            files: paths
                .iter()
                .map(|p| RenderedFile {
                    path: p.to_string(),
                    contents: p.as_bytes().to_vec(),
                    executable: p.ends_with(".sh"),
                    ownership: None,
                    source: None,
                })
                .collect(),
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                e.unwrap()
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn creates_missing_target_and_parents() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a/b/svc");
        let report = write_tree(&tree(&["x/y.txt", "run.sh"]), &target, false).unwrap();
        assert_eq!(report.files, 2);
        assert_eq!(
            fs::read_to_string(target.join("x/y.txt")).unwrap(),
            "x/y.txt"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(target.join("run.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111);
        }
        assert_eq!(
            listing(&tmp.path().join("a/b")),
            vec!["svc", "svc/run.sh", "svc/x", "svc/x/y.txt"]
        );
    }

    #[test]
    fn refuses_non_empty_without_force_and_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
        let err = write_tree(&tree(&["a"]), tmp.path(), false).unwrap_err();
        assert!(err.to_string().contains("--force"));
        assert_eq!(listing(tmp.path()), vec!["keep.txt"]);
    }

    #[test]
    fn force_overlays_and_keeps_other_files() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("svc");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep.txt"), "mine").unwrap();
        fs::write(target.join("a"), "old").unwrap();
        let report = write_tree(&tree(&["a", "d/b"]), &target, true).unwrap();
        assert_eq!(report.overwritten, 1);
        assert_eq!(fs::read_to_string(target.join("a")).unwrap(), "a");
        assert_eq!(fs::read_to_string(target.join("keep.txt")).unwrap(), "mine");
        assert_eq!(
            listing(tmp.path()),
            vec!["svc", "svc/a", "svc/d", "svc/d/b", "svc/keep.txt"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn force_never_writes_through_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let target = tmp.path().join("svc");
        fs::create_dir(&target).unwrap();
        std::os::unix::fs::symlink(&outside, target.join("d")).unwrap();
        let err = write_tree(&tree(&["d/b"]), &target, true).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(listing(&outside).is_empty());
    }

    #[test]
    fn failure_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("new/svc");
        // A file and a directory at the same path cannot both be staged.
        let err = write_tree(&tree(&["a", "a/b"]), &target, false);
        assert!(err.is_err());
        assert!(listing(tmp.path()).is_empty(), "{:?}", listing(tmp.path()));
    }
}
