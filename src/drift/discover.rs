//! `--recursive`: find every repository below the given paths. A repository is a
//! directory holding `.git` (a directory, or the file a submodule or worktree has)
//! or `.paved/`. Links are never followed; vendored and build trees are skipped.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::walk::SKIPPED_DIRS;

/// A directory below which nothing is searched, to keep a mistaken `/` bounded.
const MAX_DEPTH: usize = 32;

/// Whether `dir` is the root of a repository.
pub fn is_repository(dir: &Path) -> bool {
    let marker = |name: &str| fs::symlink_metadata(dir.join(name)).ok();
    marker(".git").is_some_and(|m| m.is_dir() || m.is_file())
        || marker(".paved").is_some_and(|m| m.is_dir())
}

/// Every repository at or below `path`, sorted, nested ones included.
///
/// A directory's markers are recognised in its own listing (the walk already reads
/// every entry's type), so no directory costs a `stat` of its own; only those whose
/// entries were not listed (at the depth limit, or unreadable) are asked
/// [`is_repository`].
pub fn repositories(path: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut marked: HashSet<PathBuf> = HashSet::new();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(false)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_str();
            let kind = e.file_type();
            // The same markers as `is_repository`, read from the listing: `.git` as
            // a directory or a file, `.paved` as a directory; links are neither.
            let marker = match name {
                Some(".git") => kind.is_dir() || kind.is_file(),
                Some(".paved") => kind.is_dir(),
                _ => false,
            };
            if marker {
                if let Some(parent) = e.path().parent() {
                    marked.insert(parent.to_path_buf());
                }
            }
            kind.is_dir() && !name.is_some_and(|n| SKIPPED_DIRS.contains(&n) || n == ".paved")
        });
    // Directories whose entries were not listed: at the depth limit, or unreadable.
    let mut unlisted: HashSet<PathBuf> = HashSet::new();
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {
                if entry.depth() == MAX_DEPTH {
                    unlisted.insert(entry.path().to_path_buf());
                }
                dirs.push(entry.into_path());
            }
            Ok(_) => {}
            Err(e) => {
                if let Some(p) = e.path() {
                    unlisted.insert(p.to_path_buf());
                }
            }
        }
    }
    dirs.into_iter()
        .filter(|dir| marked.contains(dir) || (unlisted.contains(dir) && is_repository(dir)))
        .collect()
}

/// The repositories nested inside `repo` (which its own walk skips). `all` is sorted
/// by path, as [`repositories`] returns it, so they are the run right after `repo`.
pub fn nested_in(repo: &Path, all: &[PathBuf]) -> Vec<PathBuf> {
    debug_assert!(all.windows(2).all(|w| w[0] <= w[1]), "not sorted");
    let start = all.partition_point(|p| p.as_path() <= repo);
    all[start..]
        .iter()
        .take_while(|other| other.starts_with(repo))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_git_and_paved_repositories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in [
            "a/.git",
            "b/.paved",
            "b/sub/.git",
            "c/node_modules/x/.git",
            "d",
        ] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::write(root.join("e-submodule.git"), "").unwrap();
        fs::create_dir_all(root.join("e")).unwrap();
        fs::write(root.join("e/.git"), "gitdir: ../x").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("link")).unwrap();
        // A `.git` that is a link marks nothing.
        fs::create_dir_all(root.join("f")).unwrap();
        std::os::unix::fs::symlink(root.join("a/.git"), root.join("f/.git")).unwrap();
        let found: Vec<String> = repositories(root)
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(found, ["a", "b", "b/sub", "e"]);
        let all = repositories(root);
        assert_eq!(nested_in(&root.join("b"), &all), [root.join("b/sub")]);
        assert!(nested_in(&root.join("a"), &all).is_empty());
        assert!(nested_in(&root.join("b/sub"), &all).is_empty());
    }
}
