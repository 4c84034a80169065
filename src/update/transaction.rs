//! Applies an update to a repository all or nothing: every new content is staged
//! first, then files are moved into place one by one while what they replace is set
//! aside, so a failure at any point puts every file back as it was (same bytes,
//! same inode).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::blueprint::BlueprintError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Write {
        path: String,
        contents: Vec<u8>,
        executable: bool,
    },
    Remove {
        path: String,
    },
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Write { path, .. } | Change::Remove { path } => path,
        }
    }
}

type Result<T> = std::result::Result<T, BlueprintError>;

/// Checks that no change goes through a symbolic link or collides with a directory,
/// before anything is touched.
pub fn precheck(repo: &Path, changes: &[Change]) -> Result<()> {
    for change in changes {
        let parts: Vec<&str> = change.path().split('/').collect();
        let mut current = repo.to_path_buf();
        for (i, part) in parts.iter().enumerate() {
            current.push(part);
            let last = i + 1 == parts.len();
            let meta = match fs::symlink_metadata(&current) {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if matches!(change, Change::Remove { .. }) {
                        return Err(refuse(&current, "disappeared while updating"));
                    }
                    break;
                }
                Err(e) => return Err(BlueprintError::io(&current, "cannot inspect", e)),
            };
            if meta.file_type().is_symlink() {
                return Err(refuse(
                    &current,
                    "is a symbolic link; paved never writes through links (replace it with a real file or directory)",
                ));
            }
            if last && !meta.is_file() {
                return Err(refuse(
                    &current,
                    "is a directory or special file, but the blueprint has a file there",
                ));
            }
            if !last && !meta.is_dir() {
                return Err(refuse(
                    &current,
                    "is a file, but the blueprint needs a directory there",
                ));
            }
        }
    }
    Ok(())
}

fn refuse(path: &Path, message: &str) -> BlueprintError {
    BlueprintError::Target {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

enum Undo {
    CreatedDir(PathBuf),
    Placed {
        dest: PathBuf,
        backup: Option<PathBuf>,
    },
    Removed {
        dest: PathBuf,
        backup: PathBuf,
    },
}

/// Applies `changes` to `repo`. See the module docs for the guarantee.
pub fn commit(repo: &Path, changes: &[Change]) -> Result<()> {
    precheck(repo, changes)?;
    let staging = staging_dir(repo)?;
    for (i, change) in changes.iter().enumerate() {
        if let Change::Write {
            contents,
            executable,
            ..
        } = change
        {
            write_new(&staging.path().join(i.to_string()), contents, *executable)?;
        }
    }
    let backups = staging.path().join("backup");
    fs::create_dir(&backups)
        .map_err(|e| BlueprintError::io(&backups, "cannot create a backup directory", e))?;

    let mut undo: Vec<Undo> = Vec::new();
    let result = place(repo, changes, staging.path(), &backups, &mut undo);
    if let Err(e) = result {
        rollback(undo);
        return Err(e);
    }
    // Directories emptied by removals are gone too (git cannot record them anyway).
    for change in changes {
        if let Change::Remove { path } = change {
            let mut dir = repo.join(path);
            while dir.pop() && dir != repo && fs::remove_dir(&dir).is_ok() {}
        }
    }
    Ok(())
}

fn place(
    repo: &Path,
    changes: &[Change],
    staging: &Path,
    backups: &Path,
    undo: &mut Vec<Undo>,
) -> Result<()> {
    for (i, change) in changes.iter().enumerate() {
        let dest = repo.join(change.path());
        match change {
            Change::Write { path, .. } => {
                let mut dir = repo.to_path_buf();
                let parts: Vec<&str> = path.split('/').collect();
                for part in &parts[..parts.len() - 1] {
                    dir.push(part);
                    match fs::create_dir(&dir) {
                        Ok(()) => undo.push(Undo::CreatedDir(dir.clone())),
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                        Err(e) => {
                            return Err(BlueprintError::io(&dir, "cannot create directory", e))
                        }
                    }
                }
                let backup = if fs::symlink_metadata(&dest).is_ok() {
                    let backup = backups.join(i.to_string());
                    fs::rename(&dest, &backup).map_err(|e| {
                        BlueprintError::io(&dest, "cannot set the existing file aside", e)
                    })?;
                    Some(backup)
                } else {
                    None
                };
                let placed = fs::rename(staging.join(i.to_string()), &dest);
                undo.push(Undo::Placed {
                    dest: dest.clone(),
                    backup,
                });
                placed.map_err(|e| {
                    BlueprintError::io(&dest, "cannot move the updated file into place", e)
                })?;
            }
            Change::Remove { .. } => {
                let backup = backups.join(i.to_string());
                fs::rename(&dest, &backup)
                    .map_err(|e| BlueprintError::io(&dest, "cannot remove", e))?;
                undo.push(Undo::Removed { dest, backup });
            }
        }
    }
    Ok(())
}

fn rollback(undo: Vec<Undo>) {
    for step in undo.into_iter().rev() {
        match step {
            Undo::Placed { dest, backup } => {
                let _ = fs::remove_file(&dest);
                if let Some(backup) = backup {
                    let _ = fs::rename(backup, &dest);
                }
            }
            Undo::Removed { dest, backup } => {
                let _ = fs::rename(backup, dest);
            }
            Undo::CreatedDir(dir) => {
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

/// Beside the repository (as `paved new` stages), so the renames stay on one file
/// system; inside `.paved/` when the parent directory is not writable.
fn staging_dir(repo: &Path) -> Result<tempfile::TempDir> {
    let name = repo
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("repo")
        .to_string();
    let prefix = format!(".{name}.paved-update-");
    let make = |dir: &Path| tempfile::Builder::new().prefix(&prefix).tempdir_in(dir);
    if let Some(parent) = repo.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = make(parent) {
            return Ok(dir);
        }
    }
    let inside = repo.join(crate::blueprint::model::PROVENANCE_DIR);
    make(&inside).map_err(|e| BlueprintError::io(&inside, "cannot create a staging directory", e))
}

fn write_new(path: &Path, contents: &[u8], executable: bool) -> Result<()> {
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
        .map_err(|e| BlueprintError::io(path, "cannot create a staged file", e))?;
    file.write_all(contents)
        .map_err(|e| BlueprintError::io(path, "cannot write a staged file", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &str, text: &str) -> Change {
        Change::Write {
            path: path.into(),
            contents: text.as_bytes().to_vec(),
            executable: false,
        }
    }

    fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                let bytes = if e.file_type().is_file() {
                    fs::read(e.path()).unwrap()
                } else {
                    b"<dir>".to_vec()
                };
                (rel, bytes)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn writes_removes_and_cleans_empty_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        fs::create_dir_all(repo.join("old/deep")).unwrap();
        fs::write(repo.join("old/deep/x"), "x").unwrap();
        fs::write(repo.join("a"), "before").unwrap();
        commit(
            &repo,
            &[
                write("a", "after"),
                write("new/b", "b"),
                Change::Remove {
                    path: "old/deep/x".into(),
                },
            ],
        )
        .unwrap();
        assert_eq!(
            snapshot(&repo),
            vec![
                ("a".into(), b"after".to_vec()),
                ("new".into(), b"<dir>".to_vec()),
                ("new/b".into(), b"b".to_vec()),
            ]
        );
        // No staging directory is left beside the repository.
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failure_part_way_puts_everything_back() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        fs::create_dir_all(repo.join("d")).unwrap();
        fs::write(repo.join("a"), "before").unwrap();
        fs::write(repo.join("gone"), "g").unwrap();
        fs::write(repo.join("d/f"), "f").unwrap();
        let before = snapshot(&repo);
        let changes = [
            write("a", "after"),
            Change::Remove {
                path: "gone".into(),
            },
            write("n/new", "n"),
            // Passes the precheck, then fails: the staged file for this index is
            // removed below, as a disk error would leave it.
            write("d/f", "changed"),
        ];
        let staging = staging_dir(&repo).unwrap();
        for (i, c) in changes.iter().enumerate() {
            if let Change::Write { contents, .. } = c {
                if i != 3 {
                    write_new(&staging.path().join(i.to_string()), contents, false).unwrap();
                }
            }
        }
        let backups = staging.path().join("backup");
        fs::create_dir(&backups).unwrap();
        let mut undo = Vec::new();
        assert!(place(&repo, &changes, staging.path(), &backups, &mut undo).is_err());
        rollback(undo);
        assert_eq!(snapshot(&repo), before);
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_links() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(&repo).unwrap();
        fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, repo.join("d")).unwrap();
        let err = commit(&repo, &[write("d/x", "x")]).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    }
}
