//! The ignore files of a walk (`.ignore`, `.gitignore`, `.git/info/exclude`), matched
//! as the `ignore` crate's walker matches them with the options the walker used
//! (`parents(false)`, `require_git(false)`, no global excludes, case-sensitive).
//!
//! Each file is compiled with `ignore`'s own `GitignoreBuilder`, line by line as its
//! `GitignoreBuilder::add` reads a file, so the globs are the same; what changes is
//! that a compiled file is kept by its content for the whole process: the services of
//! a fleet carry the same `.gitignore`, which was compiled anew in every repository
//! (26 M instructions over 60 services). A matcher is built with root `.` and asked
//! about paths relative to its directory, which is what `Gitignore::matched` makes of
//! a full path below the directory it was built for.

use std::collections::HashMap;
use std::fs;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

/// Ignore files larger than this are compiled but not kept.
const MAX_CACHED_BYTES: usize = 64 * 1024;
/// Distinct ignore files kept at most (a fleet has a handful).
const MAX_CACHED_FILES: usize = 1024;

/// Compiled ignore files by content (`None`: no glob, matches nothing).
type Cache = HashMap<Vec<u8>, Option<Arc<Gitignore>>>;

static COMPILED: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// The ignore files of one directory that apply below it.
#[derive(Clone, Debug)]
pub(super) struct Level {
    /// The directory, relative to the walk's root (empty for the root).
    rel: PathBuf,
    ignore: Option<Arc<Gitignore>>,
    gitignore: Option<Arc<Gitignore>>,
    exclude: Option<Arc<Gitignore>>,
}

impl Level {
    /// The ignore files of `dir` (at `rel` below the root), from its listing: what
    /// `ignore` reads with `add_child`. `None` when none holds a glob.
    pub(super) fn of(dir: &Path, rel: &Path, has: impl Fn(&str) -> bool) -> Option<Level> {
        let read = |path: &Path| fs::read(path).ok().and_then(|bytes| compiled(&bytes));
        let ignore = if has(".ignore") {
            read(&dir.join(".ignore"))
        } else {
            None
        };
        let gitignore = if has(".gitignore") {
            read(&dir.join(".gitignore"))
        } else {
            None
        };
        let exclude = if has(".git") {
            let git_type = dir.join(".git").metadata().ok().map(|m| m.file_type());
            git_commondir(dir, git_type).and_then(|git| read(&git.join("info/exclude")))
        } else {
            None
        };
        if ignore.is_none() && gitignore.is_none() && exclude.is_none() {
            return None;
        }
        Some(Level {
            rel: rel.to_path_buf(),
            ignore,
            gitignore,
            exclude,
        })
    }
}

/// Whether `ignore` skips the entry at `rel` (relative to the root) given the levels
/// of its ancestors, root first: the nearest `.ignore` that has a say decides, else
/// the nearest `.gitignore`, else the nearest `.git/info/exclude`; a whitelist
/// (`!pattern`) keeps the entry.
pub(super) fn ignored(levels: &[Level], rel: &Path, is_dir: bool) -> bool {
    let (mut m_ignore, mut m_git, mut m_exclude) = (Match::None, Match::None, Match::None);
    for level in levels.iter().rev() {
        let path = if level.rel.as_os_str().is_empty() {
            rel
        } else {
            match rel.strip_prefix(&level.rel) {
                Ok(p) => p,
                Err(_) => continue,
            }
        };
        let matched = |m: &Option<Arc<Gitignore>>| match m {
            Some(gi) => gi.matched(path, is_dir).map(|_| ()),
            None => Match::None,
        };
        if m_ignore.is_none() {
            m_ignore = matched(&level.ignore);
        }
        if m_git.is_none() {
            m_git = matched(&level.gitignore);
        }
        if m_exclude.is_none() {
            m_exclude = matched(&level.exclude);
        }
    }
    m_ignore.or(m_git).or(m_exclude).is_ignore()
}

/// The compiled ignore file with this content, from the process's cache.
fn compiled(bytes: &[u8]) -> Option<Arc<Gitignore>> {
    if bytes.len() > MAX_CACHED_BYTES {
        return compile(bytes);
    }
    if let Some(hit) = COMPILED.lock().ok().and_then(|c| c.get(bytes).cloned()) {
        return hit;
    }
    let gi = compile(bytes);
    if let Ok(mut cache) = COMPILED.lock() {
        if cache.len() < MAX_CACHED_FILES {
            cache.insert(bytes.to_vec(), gi.clone());
        }
    }
    gi
}

/// `GitignoreBuilder::add` on these bytes: the lines `BufRead::lines` gives (a line
/// that is not UTF-8 is passed over, a leading byte-order mark dropped from the first
/// line), each given to `add_line` (a bad glob is passed over); a set that does not
/// build matches nothing, as in `ignore`.
fn compile(bytes: &[u8]) -> Option<Arc<Gitignore>> {
    let mut builder = GitignoreBuilder::new(".");
    for (i, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        let line = match line.strip_suffix(b"\n") {
            Some(l) => l.strip_suffix(b"\r").unwrap_or(l),
            None => line,
        };
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let line = if i == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let _ = builder.add_line(None, line);
    }
    let gi = builder.build().ok()?;
    (!gi.is_empty()).then(|| Arc::new(gi))
}

/// Where `dir`'s `.git/info/exclude` lives: `ignore`'s `resolve_git_commondir` (a
/// `.git` file names the real git directory, whose `commondir` may point further).
/// `None` where `ignore` reads no exclude file.
fn git_commondir(dir: &Path, git_type: Option<fs::FileType>) -> Option<PathBuf> {
    let git_dir = dir.join(".git");
    if !git_type.is_some_and(|t| t.is_file()) {
        return Some(git_dir);
    }
    let first_line = |path: &Path| -> Option<String> {
        let file = fs::File::open(path).ok()?;
        std::io::BufReader::new(file).lines().next()?.ok()
    };
    let dot_git_line = first_line(&git_dir)?;
    let real_git_dir = PathBuf::from(dot_git_line.strip_prefix("gitdir: ")?);
    let commondir_line = first_line(&real_git_dir.join("commondir"))?;
    Some(if commondir_line.starts_with('.') {
        real_git_dir.join(commondir_line)
    } else {
        PathBuf::from(commondir_line)
    })
}
