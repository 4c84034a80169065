//! `--recursive`: find every repository below the given paths. A repository is a
//! directory holding `.git` (a directory, or the file a submodule or worktree has)
//! or `.paved/`. Links are never followed; vendored and build trees are skipped.

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
pub fn repositories(path: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(false)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || (e.file_type().is_dir()
                    && !e
                        .file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_DIRS.contains(&n) || n == ".paved"))
        });
    for entry in walker.filter_map(Result::ok) {
        if entry.file_type().is_dir() && is_repository(entry.path()) {
            found.push(entry.into_path());
        }
    }
    found
}

/// For each repository, the repositories nested inside it (which its own walk skips).
pub fn nested_in(repo: &Path, all: &[PathBuf]) -> Vec<PathBuf> {
    all.iter()
        .filter(|other| other.as_path() != repo && other.starts_with(repo))
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
        let found: Vec<String> = repositories(root)
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(found, ["a", "b", "b/sub", "e"]);
        let all = repositories(root);
        assert_eq!(nested_in(&root.join("b"), &all), [root.join("b/sub")]);
    }
}
