//! Shared helpers for the CLI tests: run the real binary with a clean environment
//! and take snapshots of directory trees to prove nothing changed.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture_blueprints() -> PathBuf {
    fixtures().join("blueprints")
}

/// `paved` with no inherited configuration.
pub fn paved() -> Command {
    let mut cmd = Command::cargo_bin("paved").expect("paved binary");
    cmd.env_remove("PAVED_BLUEPRINTS")
        .env_remove("PAVED_GUARDRAILS")
        .env_remove("PAVED_PROFILE")
        .env_remove("PAVED_FORBID_INLINE_WAIVERS");
    cmd
}

/// `paved --blueprints tests/fixtures/blueprints ...`
pub fn paved_fixtures() -> Command {
    let mut cmd = paved();
    cmd.arg("--blueprints").arg(fixture_blueprints());
    cmd
}

#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File { bytes: Vec<u8>, executable: bool },
    Link(PathBuf),
}

/// Every entry below `root` (not following links), keyed by relative path.
pub fn tree(root: &Path) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(root).min_depth(1).follow_links(false) {
        let e = e.unwrap();
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let t = e.file_type();
        let entry = if t.is_symlink() {
            Entry::Link(std::fs::read_link(e.path()).unwrap())
        } else if t.is_dir() {
            Entry::Dir
        } else {
            use std::os::unix::fs::PermissionsExt;
            Entry::File {
                bytes: std::fs::read(e.path()).unwrap(),
                executable: e.metadata().unwrap().permissions().mode() & 0o111 != 0,
            }
        };
        out.insert(rel, entry);
    }
    out
}

pub fn file_names(root: &Path) -> Vec<String> {
    tree(root)
        .into_iter()
        .filter(|(_, e)| matches!(e, Entry::File { .. }))
        .map(|(p, _)| p)
        .collect()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Copies a fixture blueprint folder into `dest/<id>` so a test can break it.
pub fn copy_fixture(id: &str, dest: &Path) -> PathBuf {
    let src = fixture_blueprints().join(id);
    let target = dest.join(id);
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(&src).unwrap();
        let to = target.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    target
}

/// Gives a repository generated from the `full` fixture blueprint (with `use_db=true`)
/// one changed, one missing and one mode-changed managed file.
pub fn deviate_full_fixture(repo: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let deploy = repo.join("deploy/k8s/deployment.yaml");
    let text = std::fs::read_to_string(&deploy)
        .unwrap()
        .replace("replicas: 1", "replicas: 1\n  paused: true");
    std::fs::write(&deploy, text).unwrap();
    std::fs::remove_file(repo.join("db/schema.sql")).unwrap();
    std::fs::set_permissions(
        repo.join("scripts/run.sh"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
}
