//! Is the repository's work tree clean? Asked of the `git` binary (`git status
//! --porcelain`): it is present wherever a repository is checked out, and it knows
//! every ignore rule, attribute and index extension, which a reimplementation (or a
//! large library such as gix) would have to match.
//!
//! Nothing configured in the repository may run: the fsmonitor hook is switched off
//! and no optional locks are taken, so the check neither runs nor writes anything.

use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeState {
    /// Not inside a git work tree: there is nothing to protect (and nothing to compare).
    NotARepository,
    Clean,
    /// `git status --porcelain` lines (changed, staged or untracked paths).
    Dirty(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GitError(pub String);

pub fn state(dir: &Path) -> Result<TreeState, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "--no-optional-locks",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.untrackedCache=false",
            "status",
            "--porcelain=v1",
            "--untracked-files=all",
            "--",
            ".",
        ])
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            GitError(format!(
                "cannot run git to check that the work tree is clean ({e}); install git or pass --allow-dirty"
            ))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            return Ok(TreeState::NotARepository);
        }
        return Err(GitError(format!(
            "git status failed: {}; pass --allow-dirty to update anyway",
            stderr.trim()
        )));
    }
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    Ok(if lines.is_empty() {
        TreeState::Clean
    } else {
        TreeState::Dirty(lines)
    })
}
