//! `--recursive`: find every repository below the given paths. A repository is a
//! directory holding `.git` (a directory, or the file a submodule or worktree has)
//! or `.paved/`. Links are never followed; vendored and build trees are skipped.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

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
/// [`is_repository`]. The directories right below `path` are searched on all cores
/// (this runs before any audit starts, so the pool is otherwise idle), each subtree
/// in name order, and their answers joined in that order.
pub fn repositories(path: &Path) -> Vec<PathBuf> {
    // The root is followed if it is a link, as `walkdir` follows its root.
    if !fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let (mut found, children) = scan(path.to_path_buf(), 0);
    let below: Vec<Vec<PathBuf>> = children
        .into_par_iter()
        .map(|child| below(child, 1))
        .collect();
    found.extend(below.into_iter().flatten());
    found
}

/// The repositories at or below `dir`, at `depth` below the searched path, in name
/// order (depth first).
fn below(dir: PathBuf, depth: usize) -> Vec<PathBuf> {
    let (mut found, children) = scan(dir, depth);
    for child in children {
        found.extend(below(child, depth + 1));
    }
    found
}

/// `dir` itself if it is a repository, and the directories below it to search, in
/// name order: not links, not skipped trees, not `.paved`.
fn scan(dir: PathBuf, depth: usize) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let listed = if depth < MAX_DEPTH {
        fs::read_dir(&dir).ok()
    } else {
        None
    };
    let Some(entries) = listed else {
        let found = if is_repository(&dir) {
            vec![dir]
        } else {
            Vec::new()
        };
        return (found, Vec::new());
    };
    let mut marked = false;
    let mut children: Vec<std::ffi::OsString> = Vec::new();
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let utf8 = name.to_str();
        // The same markers as `is_repository`, read from the listing: `.git` as a
        // directory or a file, `.paved` as a directory; links are neither.
        marked |= match utf8 {
            Some(".git") => kind.is_dir() || kind.is_file(),
            Some(".paved") => kind.is_dir(),
            _ => false,
        };
        if kind.is_dir() && !utf8.is_some_and(|n| SKIPPED_DIRS.contains(&n) || n == ".paved") {
            children.push(name);
        }
    }
    children.sort();
    let children = children.into_iter().map(|name| dir.join(name)).collect();
    (if marked { vec![dir] } else { Vec::new() }, children)
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

    /// The search as it was, on `walkdir`: what [`repositories`] must give.
    ///
    /// A directory's markers are recognised in its own listing (the walk already reads
    /// every entry's type), so no directory costs a `stat` of its own; only those whose
    /// entries were not listed (at the depth limit, or unreadable) are asked
    /// [`is_repository`].
    fn reference(path: &Path) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        let mut marked: std::collections::HashSet<PathBuf> = Default::default();
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
        let mut unlisted: std::collections::HashSet<PathBuf> = Default::default();
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

    #[test]
    fn finds_what_the_walkdir_search_found() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        assert_eq!(repositories(&fixtures), reference(&fixtures));
        assert_eq!(
            repositories(&fixtures.join("drift")),
            reference(&fixtures.join("drift"))
        );
        // Deeper than the depth limit, with markers above, at and below it; a root
        // that is a file or missing.
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().join("deep");
        for depth in 1..=40 {
            deep.push(format!("d{depth}"));
            fs::create_dir_all(&deep).unwrap();
            if depth % 3 == 0 || (30..=34).contains(&depth) {
                fs::create_dir_all(deep.join(".git")).unwrap();
            }
        }
        assert_eq!(repositories(dir.path()), reference(dir.path()));
        fs::write(dir.path().join("file"), "").unwrap();
        for root in [dir.path().join("file"), dir.path().join("missing")] {
            assert_eq!(repositories(&root), reference(&root));
        }
    }

    #[test]
    fn random_trees_give_what_the_walkdir_search_gave() {
        let mut next = paved_model::samples::below(0x2545_f491_4f6c_dd1d);
        const NAMES: &[&str] = &[
            "a",
            "b",
            "c",
            ".git",
            ".paved",
            "target",
            "node_modules",
            ".hidden",
            "x.git",
        ];
        for _ in 0..200 {
            let dir = tempfile::tempdir().unwrap();
            let mut dirs = vec![dir.path().to_path_buf()];
            for _ in 0..(5 + next(40)) {
                let path = dirs[next(dirs.len())].join(NAMES[next(NAMES.len())]);
                if path.symlink_metadata().is_ok() {
                    continue;
                }
                match next(6) {
                    0..=2 => {
                        fs::create_dir(&path).unwrap();
                        dirs.push(path);
                    }
                    3 => std::os::unix::fs::symlink(&dirs[next(dirs.len())], &path).unwrap(),
                    _ => fs::write(&path, "").unwrap(),
                }
            }
            assert_eq!(repositories(dir.path()), reference(dir.path()));
        }
    }

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
