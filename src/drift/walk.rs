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

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use paved_parse::files::{SourceFile, Warning};

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
    let rel = path.strip_prefix(root).unwrap_or(path);
    PathBuf::from(rel.to_string_lossy().replace('\\', "/"))
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
