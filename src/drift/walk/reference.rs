//! The walker as it was, on the `ignore` crate's `WalkBuilder` plus a second
//! ignore-free pass for key and environment files: what [`super::walk`] must give,
//! file for file and warning for warning (the tests compare them).

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use paved_parse::files::Warning;

use super::{
    error_path, is_key_or_env_file, read_into, relative, strip_path, Walked, MAX_FILES,
    SKIPPED_DIRS,
};

/// Reads every regular file below `root`. `exclude` holds absolute directories (nested
/// repositories audited on their own) that are not descended into.
pub fn walk(root: &Path, exclude: &[PathBuf]) -> Walked {
    let mut out = Walked::default();
    let exclude: Vec<PathBuf> = exclude.to_vec();
    let walker = ignore::WalkBuilder::new(root)
        .follow_links(false)
        .hidden(false)
        .parents(false)
        .ignore(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .sort_by_file_name(OsStr::cmp)
        .filter_entry({
            let exclude = exclude.clone();
            move |entry| descend(entry, &exclude)
        })
        .build();

    for result in walker {
        let entry = match result {
            Ok(entry) => entry,
            Err(err) => {
                out.warnings.push(Warning {
                    file: error_path(&err, root),
                    message: format!("cannot be read: {}", strip_path(&err.to_string())),
                });
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let rel = relative(root, entry.path());
        if file_type.is_symlink() {
            let target = fs::read_link(entry.path())
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            out.warnings.push(Warning {
                file: rel,
                message: format!("symbolic link{target} not followed"),
            });
            continue;
        }
        if !file_type.is_file() {
            continue;
        }
        if out.files.len() >= MAX_FILES {
            out.warnings.push(Warning {
                file: PathBuf::new(),
                message: format!(
                    "more than {MAX_FILES} files: the rest of the repository was not audited"
                ),
            });
            break;
        }
        read_into(entry.path(), rel, &mut out);
    }
    add_ignored_key_files(root, &exclude, &mut out);
    out
}

/// Whether the walk goes into this entry: not into build output, dependency or VCS
/// trees, nor into nested repositories audited on their own.
fn descend(entry: &ignore::DirEntry, exclude: &[PathBuf]) -> bool {
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    if !is_dir || entry.depth() == 0 {
        return true;
    }
    let skipped = entry
        .file_name()
        .to_str()
        .is_some_and(|n| SKIPPED_DIRS.contains(&n));
    !skipped && !exclude.iter().any(|e| e == entry.path())
}

/// Second pass without ignore files, for key and environment files only (see the
/// module documentation). Directory entries are listed again, files are not re-read.
///
/// A plain `read_dir` walk: with every ignore source off, the `ignore` walker would
/// only add per-directory matcher set-up to the same listing. The order is the first
/// pass's (depth first, entries sorted by name), and so are the rules: links are not
/// followed, [`descend`]'s directories are skipped, unreadable directories are passed
/// over.
fn add_ignored_key_files(root: &Path, exclude: &[PathBuf], out: &mut Walked) {
    let seen: std::collections::HashSet<PathBuf> = out
        .files
        .iter()
        .filter(|f| is_key_or_env_file(f.file_name()))
        .map(|f| f.path.clone())
        .collect();
    let mut found = Vec::new();
    list_key_files(root, exclude, &mut found);
    for path in found {
        if out.files.len() >= MAX_FILES {
            break;
        }
        let rel = relative(root, &path);
        if seen.contains(&rel) {
            continue;
        }
        read_into(&path, rel, out);
    }
}

/// Key and environment files at or below `root`, in walk order. Iterative, so a
/// deeply nested tree cannot exhaust the stack.
fn list_key_files(root: &Path, exclude: &[PathBuf], found: &mut Vec<PathBuf>) {
    enum Next {
        Dir(PathBuf),
        File(PathBuf),
    }
    let mut stack = vec![Next::Dir(root.to_path_buf())];
    while let Some(next) = stack.pop() {
        let dir = match next {
            Next::File(path) => {
                found.push(path);
                continue;
            }
            Next::Dir(dir) => dir,
        };
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<(std::ffi::OsString, fs::FileType)> = entries
            .flatten()
            .filter_map(|e| Some((e.file_name(), e.file_type().ok()?)))
            .collect();
        // Popped last-first: reversed, so they come out in name order.
        entries.sort_by(|a, b| b.0.cmp(&a.0));
        for (name, kind) in entries {
            if kind.is_dir() {
                let skipped = name.to_str().is_some_and(|n| SKIPPED_DIRS.contains(&n));
                let path = dir.join(&name);
                if !skipped && !exclude.contains(&path) {
                    stack.push(Next::Dir(path));
                }
            } else if kind.is_file() && is_key_or_env_file(&name.to_string_lossy()) {
                stack.push(Next::File(dir.join(&name)));
            }
        }
    }
}
