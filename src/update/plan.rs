//! What happens to each file: the rules of `paved update` and `paved update
//! --restore`, decided from three trees (base, theirs, the repository) without
//! writing anything.
//!
//! - managed or shared in the target version: three-way merge (base, ours, theirs);
//! - seeded in the target version: an existing file is the service's and is never
//!   touched; a file new in the target version is created when absent;
//! - dropped by the target version: removed only when unchanged from base;
//! - ownership is the target version's, and a change of ownership is reported.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::blueprint::source::is_executable;
use crate::blueprint::{Ownership, RenderedFile, RenderedTree};

use super::merge::{self, Merged};
use super::transaction::Change;

/// Files larger than this are not merged (nor are they blueprint output).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A file the target version adds.
    Created,
    /// The blueprint's change applied; local edits (if any) kept.
    Merged,
    /// Both sides changed the same lines: conflict markers written.
    Conflict,
    /// Deleted here but changed by the blueprint: its new version was written.
    Recreated,
    /// Dropped by the target version and unchanged here.
    Removed,
    /// Put back as the recorded version renders it (`--restore`).
    Restored,
    /// Reported, not touched.
    Kept,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Merged => "merged",
            Outcome::Conflict => "conflict",
            Outcome::Recreated => "recreated",
            Outcome::Removed => "removed",
            Outcome::Restored => "restored",
            Outcome::Kept => "kept",
        }
    }

    /// Needs a person: listed as a conflict and makes the command exit 1.
    pub fn needs_attention(self) -> bool {
        matches!(self, Outcome::Conflict | Outcome::Recreated)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStep {
    pub path: String,
    pub outcome: Outcome,
    /// What to do on disk; `None` for a report-only step.
    pub change: Option<Change>,
    /// The repository's content before, for `--dry-run` diffs.
    pub before: Option<Vec<u8>>,
    /// Why, in a few words: ownership changes, kept files, conflicts in binary files.
    pub note: Option<String>,
    /// Conflicting regions written into the file.
    pub regions: usize,
}

impl FileStep {
    fn new(path: &str, outcome: Outcome) -> FileStep {
        FileStep {
            path: path.to_string(),
            outcome,
            change: None,
            before: None,
            note: None,
            regions: 0,
        }
    }

    fn write(mut self, contents: Vec<u8>, executable: bool) -> FileStep {
        self.change = Some(Change::Write {
            path: self.path.clone(),
            contents,
            executable,
        });
        self
    }

    fn note(mut self, note: impl Into<String>) -> FileStep {
        self.note = Some(note.into());
        self
    }

    fn before(mut self, before: Option<&RepoFile>) -> FileStep {
        if let Some(RepoFile::File { bytes, .. }) = before {
            self.before = Some(bytes.clone());
        }
        self
    }

    /// A report line's worth of detail.
    pub fn describe(&self) -> String {
        match (&self.note, self.regions) {
            (Some(n), _) => n.clone(),
            (None, r) if r > 0 => format!("{r} conflicting region(s)"),
            _ => String::new(),
        }
    }
}

/// A path in the repository, read without following links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoFile {
    Missing,
    File {
        bytes: Vec<u8>,
        executable: bool,
    },
    /// A link, directory or special file (or one on the way), or too large.
    Other(&'static str),
}

pub fn read_repo_file(repo: &Path, rel: &str) -> std::io::Result<RepoFile> {
    let mut current = repo.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        current.push(part);
        let meta = match fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RepoFile::Missing),
            Err(e) => return Err(e),
        };
        let last = i + 1 == parts.len();
        if meta.file_type().is_symlink() {
            return Ok(RepoFile::Other("a symbolic link"));
        }
        if !last && !meta.is_dir() {
            return Ok(RepoFile::Other("below a file that is not a directory"));
        }
        if last {
            if !meta.is_file() {
                return Ok(RepoFile::Other("a directory or special file"));
            }
            if meta.len() > MAX_FILE_BYTES {
                return Ok(RepoFile::Other("larger than 16 MiB"));
            }
            let mut bytes = Vec::with_capacity(meta.len() as usize);
            fs::File::open(&current)?.read_to_end(&mut bytes)?;
            return Ok(RepoFile::File {
                bytes,
                executable: is_executable(&meta),
            });
        }
    }
    Ok(RepoFile::Missing)
}

/// Reads the repository's files at the given paths, once each.
pub fn read_all<'a>(
    repo: &Path,
    paths: impl Iterator<Item = &'a str>,
) -> std::io::Result<std::collections::BTreeMap<String, RepoFile>> {
    paths
        .map(|p| Ok((p.to_string(), read_repo_file(repo, p)?)))
        .collect()
}

fn managed(f: &RenderedFile) -> bool {
    f.ownership == Some(Ownership::Managed)
}

/// Managed and shared files take the blueprint's changes by three-way merge.
fn merged(f: &RenderedFile) -> bool {
    matches!(f.ownership, Some(Ownership::Managed | Ownership::Shared))
}

/// The steps of an update from `base` to `theirs`; `ours` holds the repository's
/// file for every path of either tree. `version` labels conflict markers.
pub fn plan_update(
    base: &RenderedTree,
    theirs: &RenderedTree,
    ours: &std::collections::BTreeMap<String, RepoFile>,
    version: &str,
    from: &str,
) -> Vec<FileStep> {
    let mut paths: Vec<&str> = base
        .files
        .iter()
        .chain(&theirs.files)
        .filter(|f| f.ownership.is_some())
        .map(|f| f.path.as_str())
        .collect();
    paths.sort();
    paths.dedup();
    let mut steps = Vec::new();
    for path in paths {
        let b = base.get(path).filter(|f| f.ownership.is_some());
        let t = theirs.get(path).filter(|f| f.ownership.is_some());
        let o = ours.get(path).unwrap_or(&RepoFile::Missing);
        let step = match t {
            Some(t) if merged(t) => managed_step(path, b, t, o, version, from),
            Some(t) => seeded_step(path, b, t, o, version, from),
            None => b.and_then(|b| dropped_step(path, b, o, version)),
        };
        steps.extend(step);
    }
    steps
}

fn ownership_note(
    b: Option<&RenderedFile>,
    t: &RenderedFile,
    from: &str,
    version: &str,
) -> Option<String> {
    let (was, now) = (b?.ownership?, t.ownership?);
    (was != now).then(|| {
        format!(
            "{} in {from}, {} from {version}{}",
            was.as_str(),
            now.as_str(),
            match now {
                Ownership::Managed => ": merged with the blueprint from now on",
                Ownership::Shared => {
                    ": merged with the blueprint from now on, not compared by drift"
                }
                Ownership::Seeded => ": the service's own from now on, never touched",
            }
        )
    })
}

fn managed_step(
    path: &str,
    b: Option<&RenderedFile>,
    t: &RenderedFile,
    o: &RepoFile,
    version: &str,
    from: &str,
) -> Option<FileStep> {
    let owner_note = ownership_note(b, t, from, version);
    let with_owner = |step: FileStep| match &owner_note {
        Some(n) if step.note.is_none() => step.note(n.clone()),
        Some(n) => {
            let joined = format!("{}; {n}", step.note.clone().unwrap_or_default());
            step.note(joined)
        }
        None => step,
    };
    match o {
        RepoFile::Other(what) => Some(with_owner(FileStep::new(path, Outcome::Kept).note(format!(
            "is {what}; the blueprint manages a regular file here: not touched"
        )))),
        RepoFile::Missing => match b {
            None => Some(with_owner(
                FileStep::new(path, Outcome::Created).write(t.contents.clone(), t.executable),
            )),
            Some(b) if b.contents == t.contents => {
                // Deleted here and unchanged by the blueprint: the deletion stands
                // (drift keeps reporting it), and the update says so.
                owner_note.map(|n| FileStep::new(path, Outcome::Kept).note(format!("deleted here; {n}")))
            }
            Some(_) => Some(with_owner(
                FileStep::new(path, Outcome::Recreated)
                    .write(t.contents.clone(), t.executable)
                    .note(format!(
                        "deleted here, but changed in {version}: the new version was written; delete it again if it is not wanted"
                    )),
            )),
        },
        RepoFile::File { bytes, executable } => {
            let base_bytes: &[u8] = b.map(|b| b.contents.as_slice()).unwrap_or_default();
            let base_exe = b.map(|b| b.executable);
            // The executable bit merges like content: a local change wins over an
            // unchanged blueprint.
            let exe = if base_exe.is_some_and(|e| e != *executable) && base_exe == Some(t.executable)
            {
                *executable
            } else {
                t.executable
            };
            match merge::merge3(base_bytes, bytes, &t.contents, version) {
                Merged::Clean(merged) => {
                    if &merged == bytes && exe == *executable {
                        return owner_note.map(|n| FileStep::new(path, Outcome::Kept).note(n));
                    }
                    Some(with_owner(
                        FileStep::new(path, Outcome::Merged)
                            .write(merged, exe)
                            .before(Some(o)),
                    ))
                }
                Merged::Conflicts { text, regions } => {
                    let mut step = FileStep::new(path, Outcome::Conflict)
                        .write(text, exe)
                        .before(Some(o));
                    step.regions = regions;
                    if b.is_none() {
                        step = step.note(format!(
                            "{version} adds this file, and a different one is here already: {regions} conflicting region(s)"
                        ));
                    }
                    Some(with_owner(step))
                }
                Merged::Binary => Some(with_owner(
                    FileStep::new(path, Outcome::Conflict).note(format!(
                        "binary file changed both here and in {version}: yours is kept and the blueprint's is not applied; resolve by hand"
                    )),
                )),
            }
        }
    }
}

fn seeded_step(
    path: &str,
    b: Option<&RenderedFile>,
    t: &RenderedFile,
    o: &RepoFile,
    version: &str,
    from: &str,
) -> Option<FileStep> {
    let owner_note = ownership_note(b, t, from, version);
    match (o, b) {
        (RepoFile::Missing, None) => {
            Some(FileStep::new(path, Outcome::Created).write(t.contents.clone(), t.executable))
        }
        (RepoFile::File { bytes, .. }, None) if bytes != &t.contents => {
            Some(FileStep::new(path, Outcome::Kept).note(format!(
                "{version} adds this seeded file, but one is here already: yours is kept"
            )))
        }
        _ => owner_note.map(|n| FileStep::new(path, Outcome::Kept).note(n)),
    }
}

fn dropped_step(path: &str, b: &RenderedFile, o: &RepoFile, version: &str) -> Option<FileStep> {
    match o {
        RepoFile::Missing => None,
        RepoFile::File { bytes, .. } if bytes == &b.contents => {
            let mut step = FileStep::new(path, Outcome::Removed)
                .note(format!("no longer in {version}, and unchanged here"));
            step.change = Some(Change::Remove {
                path: path.to_string(),
            });
            step.before = Some(bytes.clone());
            Some(step)
        }
        RepoFile::File { .. } => Some(FileStep::new(path, Outcome::Kept).note(format!(
            "no longer in {version}, but changed here: kept; delete it if it is not needed"
        ))),
        RepoFile::Other(what) => Some(
            FileStep::new(path, Outcome::Kept)
                .note(format!("no longer in {version}; is {what}: not touched")),
        ),
    }
}

/// The steps of `--restore`: each managed file of `base` (or only `only`) that
/// differs from what the recorded version renders is put back.
pub fn plan_restore(
    base: &RenderedTree,
    ours: &std::collections::BTreeMap<String, RepoFile>,
    only: &[String],
) -> Vec<FileStep> {
    let mut steps = Vec::new();
    for f in base.files.iter().filter(|f| managed(f)) {
        if !only.is_empty() && !only.contains(&f.path) {
            continue;
        }
        match ours.get(&f.path).unwrap_or(&RepoFile::Missing) {
            RepoFile::File { bytes, executable }
                if bytes == &f.contents && *executable == f.executable => {}
            RepoFile::Other(what) => steps.push(
                FileStep::new(&f.path, Outcome::Conflict)
                    .note(format!("is {what}: remove it, then restore again")),
            ),
            other => steps.push(
                FileStep::new(&f.path, Outcome::Restored)
                    .write(f.contents.clone(), f.executable)
                    .before(Some(other)),
            ),
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn file(path: &str, text: &str, ownership: Ownership) -> RenderedFile {
        RenderedFile {
            path: path.into(),
            contents: text.as_bytes().to_vec(),
            executable: false,
            ownership: Some(ownership),
            source: None,
        }
    }

    fn tree(files: Vec<RenderedFile>) -> RenderedTree {
        RenderedTree { files }
    }

    fn ours(files: &[(&str, &str)]) -> BTreeMap<String, RepoFile> {
        files
            .iter()
            .map(|(p, t)| {
                (
                    p.to_string(),
                    RepoFile::File {
                        bytes: t.as_bytes().to_vec(),
                        executable: false,
                    },
                )
            })
            .collect()
    }

    use Ownership::{Managed as M, Seeded as S};

    #[test]
    fn each_rule() {
        let base = tree(vec![
            file("m", "a\nb\nc\n", M),
            file("s", "seed\n", S),
            file("drop-same", "x\n", M),
            file("drop-edited", "x\n", M),
            file("to-managed", "o\n", S),
            file("deleted", "d\n", M),
        ]);
        let theirs = tree(vec![
            file("m", "a\nb\nC\n", M),
            file("s", "seed 2\n", S),
            file("new-seeded", "n\n", S),
            file("new-managed", "n\n", M),
            file("to-managed", "o\nmore\n", M),
            file("deleted", "d2\n", M),
        ]);
        let repo = ours(&[
            ("m", "A\nb\nc\n"),
            ("s", "mine\n"),
            ("drop-same", "x\n"),
            ("drop-edited", "y\n"),
            ("to-managed", "o\n"),
        ]);
        let steps = plan_update(&base, &theirs, &repo, "2.0.0", "1.0.0");
        let by: BTreeMap<&str, &FileStep> = steps.iter().map(|s| (s.path.as_str(), s)).collect();
        let written = |p: &str| match &by[p].change {
            Some(Change::Write { contents, .. }) => String::from_utf8(contents.clone()).unwrap(),
            other => panic!("{p}: {other:?}"),
        };
        assert_eq!(by["m"].outcome, Outcome::Merged);
        assert_eq!(written("m"), "A\nb\nC\n");
        assert!(
            !by.contains_key("s"),
            "an existing seeded file is never touched"
        );
        assert_eq!(by["new-seeded"].outcome, Outcome::Created);
        assert_eq!(by["new-managed"].outcome, Outcome::Created);
        assert_eq!(by["drop-same"].outcome, Outcome::Removed);
        assert_eq!(by["drop-edited"].outcome, Outcome::Kept);
        assert!(by["drop-edited"].change.is_none());
        assert_eq!(by["to-managed"].outcome, Outcome::Merged);
        assert!(by["to-managed"]
            .describe()
            .contains("seeded in 1.0.0, managed from 2.0.0"));
        assert_eq!(by["deleted"].outcome, Outcome::Recreated);
        assert!(by["deleted"].outcome.needs_attention());
    }

    #[test]
    fn managed_to_seeded_is_reported_and_left_alone() {
        let base = tree(vec![file("f", "1\n", M)]);
        let theirs = tree(vec![file("f", "2\n", S)]);
        let steps = plan_update(&base, &theirs, &ours(&[("f", "1\n")]), "2.0.0", "1.0.0");
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].outcome, Outcome::Kept);
        assert!(steps[0].change.is_none());
        assert!(steps[0]
            .describe()
            .contains("managed in 1.0.0, seeded from 2.0.0"));
    }

    #[test]
    fn shared_files_are_merged() {
        let base = tree(vec![file(
            "Cargo.toml",
            "[deps]\na = 1\n",
            Ownership::Shared,
        )]);
        let theirs = tree(vec![file(
            "Cargo.toml",
            "[deps]\na = 1\nb = 2\n",
            Ownership::Shared,
        )]);
        let repo = ours(&[("Cargo.toml", "[x]\n\n[deps]\na = 1\n")]);
        let steps = plan_update(&base, &theirs, &repo, "2.0.0", "1.0.0");
        assert_eq!(steps[0].outcome, Outcome::Merged);
        assert_eq!(
            steps[0].change,
            Some(Change::Write {
                path: "Cargo.toml".into(),
                contents: b"[x]\n\n[deps]\na = 1\nb = 2\n".to_vec(),
                executable: false
            })
        );
        // Seeded in the base, shared now: merged, and reported.
        let base = tree(vec![file("lib.rs", "mod a;\n", S)]);
        let theirs = tree(vec![file("lib.rs", "mod a;\nmod b;\n", Ownership::Shared)]);
        let steps = plan_update(
            &base,
            &theirs,
            &ours(&[("lib.rs", "mod a;\n")]),
            "2.0.0",
            "1.0.0",
        );
        assert_eq!(steps[0].outcome, Outcome::Merged);
        assert!(steps[0]
            .describe()
            .contains("seeded in 1.0.0, shared from 2.0.0"));
    }

    #[test]
    fn restore_puts_back_only_what_differs() {
        let base = tree(vec![
            file("a", "a\n", M),
            file("b", "b\n", M),
            file("s", "s\n", S),
        ]);
        let repo = ours(&[("a", "edited\n"), ("b", "b\n"), ("s", "mine\n")]);
        let steps = plan_restore(&base, &repo, &[]);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].path, "a");
        assert_eq!(steps[0].outcome, Outcome::Restored);
    }
}
