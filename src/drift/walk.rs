//! Reading a repository: every regular file once, nothing else.
//!
//! - `.gitignore` (and `.ignore`, `.git/info/exclude`) are respected, without looking
//!   above the repository root or at the user's global excludes, so an audit gives the
//!   same answer on every machine.
//! - Symbolic links are never followed: each becomes a warning, so a link out of the
//!   repository or a link loop is never read.
//! - Build output, dependency and VCS trees (`target/`, `node_modules/`, `vendor/`,
//!   `.git/` …) are skipped, as are nested repositories the caller audits separately.
//! - Key and environment files (`*.pem`, `*.key`, `id_rsa`, `.env*` …) are read even
//!   when `.gitignore` covers them: `.gitignore` does not stop a file from being
//!   committed (`git add -f`, or added before the ignore line), and a key lying in the
//!   tree still ends up in build contexts and backups.
//! - Each file is read at most once, up to [`MAX_TEXT_BYTES`]; larger, binary and
//!   non-UTF-8 files are listed with their size and no text.

mod ignores;
#[cfg(test)]
mod reference;

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use paved_parse::files::{SourceFile, Warning};

use ignores::Level;

/// Text files larger than this are listed but not read.
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;
/// A repository with more files than this is audited on the first ones only.
pub const MAX_FILES: usize = 200_000;
/// Bytes inspected to decide whether a file is binary.
const SNIFF_BYTES: usize = 8 * 1024;

/// Directory names never descended into.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "target",
    "node_modules",
    "vendor",
    "third_party",
    "third-party",
    ".terraform",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".gradle",
    ".idea",
];

/// What the walker found in one repository.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<SourceFile>,
    pub warnings: Vec<Warning>,
}

/// Reads every regular file below `root`. `exclude` holds absolute directories (nested
/// repositories audited on their own) that are not descended into.
///
/// One depth-first walk, each directory listed once, its entries in name order: the
/// files `.gitignore` and `.ignore` leave are read as they come; key and environment
/// files they cover (see the module documentation) are noted and read after all
/// others, as a second pass would find them. The answer is what the `ignore` crate's
/// walker (`ignore::WalkBuilder` with the options in [`reference`]) followed by a
/// second, ignore-free pass for key files gave, file for file and warning for
/// warning (a test compares them); the ignore files are compiled by `ignore` itself
/// ([`ignores`]), once per process for each distinct content.
pub fn walk(root: &Path, exclude: &[PathBuf]) -> Walked {
    let mut out = Walked {
        files: Vec::new(),
        warnings: above_root_warnings(root),
    };
    let mut walker = Walker {
        exclude,
        out: &mut out,
        levels: Vec::new(),
        key_files: Vec::new(),
    };
    walker.run(root);
    let key_files = std::mem::take(&mut walker.key_files);
    for (path, rel) in key_files {
        if out.files.len() >= MAX_FILES {
            break;
        }
        read_into(&path, rel, &mut out);
    }
    out
}

/// One entry of a directory listing, or why it could not be listed.
enum Listed {
    Entry(OsString, fs::FileType),
    /// An entry whose type could not be read (with its name), or a failed listing step.
    Error(Option<OsString>, std::io::Error),
}

/// A directory being walked: its entries still to visit.
struct Frame {
    dir: PathBuf,
    rel: PathBuf,
    entries: std::vec::IntoIter<Listed>,
    /// Whether `.gitignore` and `.ignore` leave this directory to the main pass
    /// (otherwise only its key and environment files are looked for).
    main: bool,
    /// The ignore levels that apply in it.
    levels: usize,
}

struct Walker<'a> {
    exclude: &'a [PathBuf],
    out: &'a mut Walked,
    /// Ignore files of the directories on the current path, root first.
    levels: Vec<Level>,
    /// Key and environment files the main pass left, in walk order.
    key_files: Vec<(PathBuf, PathBuf)>,
}

impl Walker<'_> {
    fn run(&mut self, root: &Path) {
        let mut stack = Vec::new();
        if let Some(frame) = self.enter(root.to_path_buf(), PathBuf::new(), true) {
            stack.push(frame);
        }
        while let Some(frame) = stack.last_mut() {
            let Some(listed) = frame.entries.next() else {
                stack.pop();
                if let Some(parent) = stack.last() {
                    self.levels.truncate(parent.levels);
                }
                continue;
            };
            let main = frame.main;
            let (name, kind) = match listed {
                Listed::Entry(name, kind) => (name, kind),
                Listed::Error(name, err) => {
                    if main {
                        let (dir, rel) = (frame.dir.clone(), frame.rel.clone());
                        self.listing_error(name.as_ref(), &dir, &rel, err);
                    }
                    continue;
                }
            };
            let path = frame.dir.join(&name);
            let rel = frame.rel.join(&name);
            let is_dir = kind.is_dir();
            let skipped_dir = is_dir
                && (name.to_str().is_some_and(|n| SKIPPED_DIRS.contains(&n))
                    || self.exclude.contains(&path));
            if !main || ignores::ignored(&self.levels, &rel, is_dir) {
                // Left by the main pass; the key-file pass goes everywhere but into
                // skipped directories, and reads only regular key files.
                if is_dir {
                    if !skipped_dir {
                        if let Some(frame) = self.enter(path, rel, false) {
                            stack.push(frame);
                        }
                    }
                } else if kind.is_file() && is_key_or_env_file(&name.to_string_lossy()) {
                    self.key_files.push((path, rel));
                }
                continue;
            }
            if is_dir {
                if !skipped_dir {
                    if let Some(frame) = self.enter(path, rel, true) {
                        stack.push(frame);
                    }
                }
                continue;
            }
            let shown = shown(&rel);
            if kind.is_symlink() {
                let target = fs::read_link(&path)
                    .map(|t| format!(" (to {})", t.display()))
                    .unwrap_or_default();
                self.out.warnings.push(Warning {
                    file: shown,
                    message: format!("symbolic link{target} not followed"),
                });
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            if self.out.files.len() >= MAX_FILES {
                self.out.warnings.push(Warning {
                    file: PathBuf::new(),
                    message: format!(
                        "more than {MAX_FILES} files: the rest of the repository was not audited"
                    ),
                });
                return;
            }
            let before = self.out.files.len();
            read_into(&path, shown, self.out);
            // A key file the main pass could not read is tried again by the key pass.
            if self.out.files.len() == before && is_key_or_env_file(&name.to_string_lossy()) {
                self.key_files.push((path, rel));
            }
        }
    }

    /// Lists `dir` (sorted by name, as `ignore`'s walker does) and, for the main
    /// pass, adds its ignore files. `None` when it cannot be listed: the main pass
    /// warns, the key pass passes it over.
    fn enter(&mut self, dir: PathBuf, rel: PathBuf, main: bool) -> Option<Frame> {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) => {
                if main {
                    let shown = shown(&rel);
                    self.out.warnings.push(Warning {
                        message: format!("cannot be read: {}", walkdir_message(&dir, &err)),
                        file: shown,
                    });
                }
                return None;
            }
        };
        let mut listed: Vec<Listed> = entries
            .map(|entry| match entry {
                Ok(entry) => match entry.file_type() {
                    Ok(kind) => Listed::Entry(entry.file_name(), kind),
                    Err(err) => Listed::Error(Some(entry.file_name()), err),
                },
                Err(err) => Listed::Error(None, err),
            })
            .collect();
        // Errors first, then by name (walkdir's order when sorting).
        listed.sort_by(|a, b| match (a, b) {
            (Listed::Entry(a, _), Listed::Entry(b, _)) => a.cmp(b),
            (Listed::Error(..), Listed::Error(..)) => std::cmp::Ordering::Equal,
            (Listed::Entry(..), Listed::Error(..)) => std::cmp::Ordering::Greater,
            (Listed::Error(..), Listed::Entry(..)) => std::cmp::Ordering::Less,
        });
        if main {
            let has = |name: &str| {
                listed
                    .iter()
                    .any(|l| matches!(l, Listed::Entry(n, _) if n == name))
            };
            if let Some(level) = Level::of(&dir, &rel, has) {
                self.levels.push(level);
            }
        }
        Some(Frame {
            dir,
            rel,
            entries: listed.into_iter(),
            main,
            levels: self.levels.len(),
        })
    }

    /// The warning for an entry of `frame` whose type could not be read (`name`), or a
    /// failed step of its listing, worded as `ignore` words walkdir's errors.
    fn listing_error(
        &mut self,
        name: Option<&OsString>,
        frame_dir: &Path,
        frame_rel: &Path,
        err: std::io::Error,
    ) {
        let (file, message) = match name {
            Some(name) => (
                shown(&frame_rel.join(name)),
                walkdir_message(&frame_dir.join(name), &err),
            ),
            None => (PathBuf::new(), strip_path(&err.to_string())),
        };
        self.out.warnings.push(Warning {
            file,
            message: format!("cannot be read: {message}"),
        });
    }
}

/// How a walkdir error on `path` reads once `ignore` has wrapped it and [`strip_path`]
/// has taken the path off again.
fn walkdir_message(path: &Path, err: &std::io::Error) -> String {
    strip_path(&format!(
        "{0}: IO error for operation on {0}: {err}",
        path.display()
    ))
}

/// Warnings `ignore` gave for the ignore files in the directories above `root`, which
/// it compiles (to report what does not parse) although `parents(false)` keeps them
/// from applying. The same directories lie above every repository of a fleet, so the
/// answer is kept per parent directory (when `root`'s last component is a plain name
/// that is not a link, the parents of its canonical path are those of its parent's).
fn above_root_warnings(root: &Path) -> Vec<Warning> {
    static SEEN: LazyLock<Mutex<HashMap<PathBuf, Vec<Warning>>>> = LazyLock::new(Default::default);
    let key = match (root.parent(), root.components().next_back()) {
        (Some(parent), Some(std::path::Component::Normal(_)))
            if fs::symlink_metadata(root).is_ok_and(|m| !m.file_type().is_symlink()) =>
        {
            Some(parent.to_path_buf())
        }
        _ => None,
    };
    if let Some(key) = &key {
        if let Some(seen) = SEEN.lock().ok().and_then(|s| s.get(key).cloned()) {
            return seen;
        }
    }
    let warnings = ancestor_errors(root);
    if let (Some(key), Ok(mut seen)) = (key, SEEN.lock()) {
        seen.insert(key, warnings.clone());
    }
    warnings
}

/// What `ignore`'s walker reports before the root's own entry: the errors of the
/// ignore files above it (it is asked for the root alone, so nothing below is read).
fn ancestor_errors(root: &Path) -> Vec<Warning> {
    let walker = builder(root).max_depth(Some(0)).build();
    walker
        .filter_map(Result::err)
        .map(|err| Warning {
            file: error_path(&err, root),
            message: format!("cannot be read: {}", strip_path(&err.to_string())),
        })
        .collect()
}

/// The `ignore` walker's options this walker keeps to: every ignore file in the
/// repository, nothing from above it or from the user's global excludes, links not
/// followed, hidden files walked, entries in name order.
fn builder(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .follow_links(false)
        .hidden(false)
        .parents(false)
        .ignore(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .sort_by_file_name(std::ffi::OsStr::cmp);
    builder
}

/// Names of files that hold keys or environment secrets.
pub fn is_key_or_env_file(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == ".env"
        || name.starts_with(".env.")
        || name.starts_with("id_rsa")
        || name.starts_with("id_dsa")
        || name.starts_with("id_ecdsa")
        || name.starts_with("id_ed25519")
        || [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// The path relative to the root, `/`-separated, as warnings and files show it.
fn shown(rel: &Path) -> PathBuf {
    let rel = rel.to_string_lossy();
    if rel.contains('\\') {
        PathBuf::from(rel.replace('\\', "/"))
    } else {
        PathBuf::from(rel.into_owned())
    }
}

/// Reads one file into `out`: the file, or a warning saying why it could not be read.
fn read_into(path: &Path, rel: PathBuf, out: &mut Walked) {
    match read_file(path, rel.clone()) {
        Ok((file, warning)) => {
            if let Some(message) = warning {
                out.warnings.push(Warning { file: rel, message });
            }
            out.files.push(file);
        }
        Err(e) => out.warnings.push(Warning {
            file: rel,
            message: format!("cannot be read: {e}"),
        }),
    }
}

/// The path relative to `root`, `/`-separated.
fn relative(root: &Path, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy();
    if rel.contains('\\') {
        PathBuf::from(rel.replace('\\', "/"))
    } else {
        PathBuf::from(rel.into_owned())
    }
}

fn error_path(err: &ignore::Error, root: &Path) -> PathBuf {
    match err {
        ignore::Error::WithPath { path, .. } => relative(root, path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root)
        }
        _ => PathBuf::new(),
    }
}

/// `ignore` prefixes messages with the absolute path, which the warning already names.
fn strip_path(message: &str) -> String {
    match message.rsplit_once(": ") {
        Some((_, tail)) if message.starts_with('/') => tail.to_string(),
        _ => message.to_string(),
    }
}

/// Reads one regular file, refusing to read through a link that replaced it after the
/// walk saw it. Returns the file and, when its text is unavailable, why.
fn read_file(path: &Path, rel: PathBuf) -> std::io::Result<(SourceFile, Option<String>)> {
    let (file, meta) = open_regular(path)?;
    let size = meta.len();
    let executable = is_executable(&meta);
    let mut bytes = Vec::with_capacity(size.min(MAX_TEXT_BYTES) as usize);
    file.take(MAX_TEXT_BYTES + 1).read_to_end(&mut bytes)?;
    let mut source = SourceFile {
        path: rel,
        size: size.max(bytes.len() as u64),
        executable,
        text: None,
    };
    let relevant = is_config_like(&source);
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        let message = format!(
            "{} bytes, larger than the {} MiB read limit: not audited",
            source.size,
            MAX_TEXT_BYTES / (1024 * 1024)
        );
        return Ok((source, Some(message)));
    }
    if memchr::memchr(0, &bytes[..bytes.len().min(SNIFF_BYTES)]).is_some() {
        let message = relevant.then(|| "binary content: not audited".to_string());
        return Ok((source, message));
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            source.text = Some(text);
            Ok((source, None))
        }
        Err(_) => Ok((
            source,
            Some("not valid UTF-8: not audited (re-encode it as UTF-8)".to_string()),
        )),
    }
}

fn no_longer_a_file() -> std::io::Error {
    std::io::Error::other("no longer a regular file")
}

/// Opens `path` only if it is still a regular file. One `open` and one `fstat` per
/// file: `O_NOFOLLOW` refuses a link put in the file's place (`ELOOP`), and
/// `O_NONBLOCK` keeps a FIFO put there from blocking the open (it changes nothing
/// for reading a regular file); what was opened is then checked on the descriptor.
#[cfg(unix)]
fn open_regular(path: &Path) -> std::io::Result<(fs::File, fs::Metadata)> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                no_longer_a_file()
            } else {
                e
            }
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(no_longer_a_file());
    }
    Ok((file, meta))
}

#[cfg(not(unix))]
fn open_regular(path: &Path) -> std::io::Result<(fs::File, fs::Metadata)> {
    if !fs::symlink_metadata(path)?.is_file() {
        return Err(no_longer_a_file());
    }
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(no_longer_a_file());
    }
    Ok((file, meta))
}

/// Whether a file is of a kind the guardrails read, so a binary one deserves a warning.
fn is_config_like(file: &SourceFile) -> bool {
    let name = file.file_name().to_ascii_lowercase();
    name.starts_with("dockerfile")
        || name.ends_with(".dockerfile")
        || [".yml", ".yaml", ".tf", ".tfvars", ".toml", ".json", ".hcl"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(w: &Walked) -> Vec<String> {
        w.files.iter().map(SourceFile::path_str).collect()
    }

    /// Both walkers' answers, as text: every file with its size, mode and text, and
    /// every warning, in order.
    fn compared(root: &Path, exclude: &[PathBuf]) -> (String, String) {
        let show = |w: &Walked| {
            let mut text = String::new();
            for f in &w.files {
                text += &format!("{:?} {} {} {:?}\n", f.path, f.size, f.executable, f.text);
            }
            for w in &w.warnings {
                text += &format!("warning {:?}: {}\n", w.file, w.message);
            }
            text
        };
        (
            show(&walk(root, exclude)),
            show(&reference::walk(root, exclude)),
        )
    }

    fn assert_same(root: &Path, exclude: &[PathBuf]) {
        let (now, before) = compared(root, exclude);
        assert_eq!(now, before, "{}", root.display());
    }

    #[test]
    fn every_fixture_is_walked_as_before() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut dirs = vec![fixtures];
        let mut walked = 0;
        while let Some(dir) = dirs.pop() {
            assert_same(&dir, &[]);
            walked += 1;
            for entry in fs::read_dir(&dir).unwrap().flatten() {
                if entry.file_type().unwrap().is_dir() {
                    dirs.push(entry.path());
                }
            }
        }
        assert!(walked > 1000, "{walked}");
    }

    /// A tree with what decides a walk: nested ignore files with negations, anchored,
    /// directory-only and `**` patterns, `.ignore` over `.gitignore`, a git exclude
    /// file, comments, trailing blanks, CRLF, a byte-order mark, a bad glob and a line
    /// that is not UTF-8, hidden files, key files in ignored places, skipped and
    /// excluded directories, links, a FIFO, binary and non-UTF-8 files.
    fn hand_made(root: &Path) {
        let write = |rel: &str, bytes: &[u8]| {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        };
        write(
            ".gitignore",
            b"\xef\xbb\xbf*.log\r\n!keep.log\n/build\nout/\n**/gen/**\n# c\n\\#hash\nsp\\ \n  \ntrail   \nbad[\n\xff\xfe\n.env*\n*.pem\ndocs/*.md\n!docs/README.md\nlinked\n",
        );
        write(".ignore", b"!important.log\nsecret-notes.txt\n");
        write(".git/info/exclude", b"excluded.txt\n");
        write(".git/HEAD", b"ref: refs/heads/main\n");
        for f in [
            "a.log",
            "keep.log",
            "important.log",
            "#hash",
            "sp ",
            "trail",
            "excluded.txt",
            "secret-notes.txt",
            ".env",
            ".env.example",
            "tls.pem",
            "plain.txt",
            ".hidden",
            "docs/a.md",
            "docs/README.md",
            "docs/sub/b.md",
            "build/x.txt",
            "sub/build/y.txt",
            "out/z.txt",
            "sub/out",
            "x/gen/y/z.txt",
            "gen/top.txt",
            "target/t.pem",
            "node_modules/m/.env",
            "nested/inner.txt",
            "nested/.env.prod",
        ] {
            write(f, b"x\n");
        }
        write("sub/.gitignore", b"!a.log\n*.txt\n!/keep.txt\n");
        write("sub/a.log", b"a\n");
        write("sub/keep.txt", b"k\n");
        write("sub/drop.txt", b"d\n");
        write("sub/deeper/keep.txt", b"k\n");
        write("sub/deeper/id_rsa", b"k\n");
        write("ignored-dir/.gitignore", b"!*\n");
        write("ignored-dir/server.key", b"k\n");
        write("ignored-dir/more/.env.local", b"k\n");
        write("ignored-dir/more/plain.txt", b"k\n");
        fs::write(
            root.join(".gitignore"),
            [
                fs::read(root.join(".gitignore")).unwrap(),
                b"ignored-dir/\n".to_vec(),
            ]
            .concat(),
        )
        .unwrap();
        write("blob.bin", &[0, 1, 2]);
        write("latin1.txt", &[0xe9, b'a']);
        write("big.yaml", &vec![b'a'; MAX_TEXT_BYTES as usize + 1]);
        std::os::unix::fs::symlink("/etc/passwd", root.join("out-link")).unwrap();
        std::os::unix::fs::symlink("sub", root.join("dir-link")).unwrap();
        std::os::unix::fs::symlink("missing", root.join("dangling")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("linked")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("sub/link.pem")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status()
            .unwrap();
        assert!(made.success());
    }

    #[test]
    fn a_hand_made_tree_is_walked_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        hand_made(&root);
        assert_same(&root, &[]);
        assert_same(&root, &[root.join("sub"), root.join("ignored-dir")]);
        // The same tree as a subdirectory, through `..`, and below a directory whose
        // own ignore files do not parse (`ignore` reports them, though they do not
        // apply).
        assert_same(&root.join("sub"), &[]);
        assert_same(&root.join("sub/../sub"), &[]);
        // (Another parent: the answer for the directories above a root is kept for
        // the process.)
        let outer = dir.path().join("outer");
        fs::create_dir_all(&outer).unwrap();
        fs::write(outer.join(".gitignore"), "ok\nbad[\n").unwrap();
        fs::write(outer.join(".ignore"), "{a\n").unwrap();
        let other = outer.join("other");
        hand_made(&other);
        assert_same(&other, &[]);
        let warned = walk(&other, &[]).warnings;
        assert!(warned[0].file.starts_with(&outer), "{warned:?}");
        // A `.git` file naming the git directory (a submodule or worktree).
        let sub = dir.path().join("submodule");
        hand_made(&sub);
        fs::remove_dir_all(sub.join(".git")).unwrap();
        let gitdir = dir.path().join("modules/sub");
        fs::create_dir_all(gitdir.join("info")).unwrap();
        fs::write(gitdir.join("info/exclude"), "plain.txt\n").unwrap();
        fs::write(sub.join(".git"), format!("gitdir: {}\n", gitdir.display())).unwrap();
        assert_same(&sub, &[]);
        fs::write(gitdir.join("commondir"), "../..\n").unwrap();
        assert_same(&sub, &[]);
    }

    /// Random trees: names, nesting, ignore files and links drawn from what matters
    /// to the walk (a fixed seed, so a failure repeats).
    #[test]
    fn random_trees_are_walked_as_before() {
        let mut next = paved_model::samples::below(0x9e37_79b9_7f4a_7c15);
        const NAMES: &[&str] = &[
            "a",
            "b",
            "a.log",
            "x.txt",
            ".env",
            ".env.dev",
            "id_rsa",
            "k.pem",
            "target",
            "node_modules",
            ".hidden",
            "gen",
            "docs",
            "c.md",
            ".git",
            "build",
        ];
        const PATTERNS: &[&str] = &[
            "a",
            "/a",
            "a/",
            "*.log",
            "!a.log",
            "*.txt",
            "!x.txt",
            "**/gen",
            "gen/**",
            "b/*",
            "!b/c.md",
            "*.pem",
            "!k.pem",
            ".env*",
            "!.env.dev",
            "docs/",
            "/docs/*.md",
            "!/docs/c.md",
            "build",
            "\\!x",
            "# x",
            "b[",
            "*",
            "!*",
            "**",
            "a/**/b",
            ".*",
            "!.hidden",
            "x.txt ",
            "id_*",
        ];
        for _ in 0..300 {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let mut dirs = vec![root.to_path_buf()];
            for _ in 0..(5 + next(30)) {
                let parent = dirs[next(dirs.len())].clone();
                let name = NAMES[next(NAMES.len())];
                let path = parent.join(name);
                if path.symlink_metadata().is_ok() {
                    continue;
                }
                match next(10) {
                    0..=2 if dirs.len() < 12 => {
                        fs::create_dir(&path).unwrap();
                        dirs.push(path);
                    }
                    3 => std::os::unix::fs::symlink(NAMES[next(NAMES.len())], &path).unwrap(),
                    _ => fs::write(&path, name).unwrap(),
                }
            }
            for _ in 0..(1 + next(4)) {
                let parent = &dirs[next(dirs.len())];
                let file = [".gitignore", ".ignore", ".git/info/exclude"][next(3)];
                let lines: Vec<&str> = (0..(1 + next(5)))
                    .map(|_| PATTERNS[next(PATTERNS.len())])
                    .collect();
                let path = parent.join(file);
                if fs::create_dir_all(path.parent().unwrap()).is_err() || path.is_dir() {
                    continue;
                }
                let _ = fs::write(&path, lines.join("\n"));
            }
            let exclude: Vec<PathBuf> = dirs.iter().skip(1).take(next(2)).cloned().collect();
            let (now, before) = compared(root, &exclude);
            assert_eq!(now, before, "{:?}", list(root));
        }
    }

    /// The tree and its ignore files, for a failure's message.
    fn list(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let kind = entry.file_type().unwrap();
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                if kind.is_dir() {
                    dirs.push(path);
                    out.push(format!("{rel}/"));
                } else if kind.is_symlink() {
                    out.push(format!("{rel} -> {:?}", fs::read_link(&path).unwrap()));
                } else if rel.ends_with("ignore") || rel.ends_with("exclude") {
                    out.push(format!("{rel}: {:?}", fs::read_to_string(&path).unwrap()));
                } else {
                    out.push(rel);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn ignored_key_and_env_files_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("deploy")).unwrap();
        fs::create_dir_all(root.join("target")).unwrap();
        fs::write(root.join(".env"), "A=1\n").unwrap();
        fs::write(root.join("deploy/tls.pem"), "x\n").unwrap();
        fs::write(root.join("notes.txt"), "x\n").unwrap();
        fs::write(root.join("target/leak.pem"), "x\n").unwrap();
        // An ignored directory is listed too; links are not followed.
        fs::write(
            root.join(".gitignore"),
            ".env\n*.pem\nnotes.txt\nsecrets/\n",
        )
        .unwrap();
        fs::create_dir_all(root.join("secrets/b")).unwrap();
        fs::write(root.join("secrets/z.key"), "x\n").unwrap();
        fs::write(root.join("secrets/b/.env.prod"), "x\n").unwrap();
        fs::write(root.join("secrets/notes.txt"), "x\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("secrets/link.pem")).unwrap();
        let w = walk(root, &[]);
        let names = names(&w);
        let tail: Vec<&str> = names[names.len() - 4..]
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                ".env",
                "deploy/tls.pem",
                "secrets/b/.env.prod",
                "secrets/z.key"
            ],
            "{names:?}"
        );
        assert!(names.contains(&".env".to_string()), "{names:?}");
        assert!(names.contains(&"deploy/tls.pem".to_string()), "{names:?}");
        assert!(!names.contains(&"notes.txt".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.starts_with("target/")), "{names:?}");
        assert_eq!(names.iter().filter(|n| *n == ".env").count(), 1);
    }

    #[test]
    fn skips_ignored_vendored_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".github/workflows")).unwrap();
        fs::create_dir_all(root.join("node_modules/x")).unwrap();
        fs::create_dir_all(root.join("build")).unwrap();
        fs::write(root.join(".github/workflows/ci.yml"), "on: push\n").unwrap();
        fs::write(root.join("node_modules/x/index.js"), "x").unwrap();
        fs::write(root.join("build/out.txt"), "x").unwrap();
        fs::write(root.join(".gitignore"), "build/\n").unwrap();
        fs::write(root.join("blob.bin"), [0u8, 1, 2]).unwrap();
        fs::write(root.join("latin1.txt"), [0xe9u8, b'a']).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("out")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        let w = walk(root, &[]);
        assert_eq!(
            names(&w),
            [
                ".github/workflows/ci.yml",
                ".gitignore",
                "blob.bin",
                "latin1.txt"
            ]
        );
        assert!(w.files[2].text.is_none() && w.files[2].size == 3);
        let messages: Vec<String> = w
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.file.display(), w.message))
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("latin1.txt: not valid UTF-8"));
        assert!(messages[1].starts_with("loop: symbolic link"));
        assert!(messages[2].contains("out: symbolic link (to /etc/passwd) not followed"));
    }

    #[test]
    fn a_link_or_fifo_in_a_files_place_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status()
            .unwrap();
        assert!(made.success());
        for name in ["link", "fifo"] {
            let err = read_file(&root.join(name), PathBuf::from(name)).unwrap_err();
            assert_eq!(err.to_string(), "no longer a regular file", "{name}");
        }
    }

    #[test]
    fn large_files_are_listed_without_text() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("big.yaml"),
            vec![b'a'; MAX_TEXT_BYTES as usize + 10],
        )
        .unwrap();
        let w = walk(dir.path(), &[]);
        assert_eq!(w.files[0].size, MAX_TEXT_BYTES + 10);
        assert!(w.files[0].text.is_none());
        assert!(w.warnings[0].message.contains("read limit"));
    }

    #[test]
    fn excluded_nested_repositories_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("inner")).unwrap();
        fs::write(dir.path().join("inner/a.txt"), "a").unwrap();
        fs::write(dir.path().join("b.txt"), "b").unwrap();
        let w = walk(dir.path(), &[dir.path().join("inner")]);
        assert_eq!(names(&w), ["b.txt"]);
    }
}
