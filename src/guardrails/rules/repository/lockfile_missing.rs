use std::collections::HashSet;
use std::path::PathBuf;

use paved_model::Location;
use paved_model::pattern::Gated;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Dependency manifest without a committed lockfile
    ///
    /// ## Why it matters
    /// Without a lockfile every build resolves dependency versions afresh, so a
    /// newly published (possibly malicious or compromised) version is picked up
    /// silently and builds are not reproducible or auditable.
    ///
    /// ## How to fix it
    /// Commit the lockfile your package manager writes (Cargo.lock,
    /// package-lock.json / yarn.lock / pnpm-lock.yaml, poetry.lock, go.sum) and
    /// build with it (`cargo build --locked`, `npm ci`, …).
    ///
    /// ## Example
    /// ```text
    /// # flagged: a binary crate without Cargo.lock
    /// Cargo.toml
    /// src/main.rs
    /// ```
    /// ```text
    /// Cargo.toml
    /// Cargo.lock
    /// src/main.rs
    /// ```
    pub struct LockfileMissing {
        id: "PVD-REPO-008",
        severity: Medium,
        references: ["scorecard:Pinned-Dependencies"],
    }
}

/// `dir/` prefix of a `/`-separated path ("" at the root).
fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    }
}

/// Whether any of `names` exists in `dir` or, when `upwards`, in one of its ancestors
/// (workspaces keep one lockfile at their root).
fn lockfile_near(paths: &HashSet<String>, dir: &str, names: &[&str], upwards: bool) -> bool {
    let mut dir = dir.to_owned();
    loop {
        if names.iter().any(|n| paths.contains(&format!("{dir}{n}"))) {
            return true;
        }
        if !upwards || dir.is_empty() {
            return false;
        }
        dir.pop();
        dir.truncate(dir.rfind('/').map_or(0, |i| i + 1));
    }
}

// Each compiled only for a manifest holding the literal every match contains.
static TOML_BIN: Gated = Gated::new(r"(?m)^\s*\[\[bin\]\]", &["[[bin]]"]);
static POETRY: Gated = Gated::new(r"(?m)^\s*\[tool\.poetry[\].]", &["[tool.poetry"]);
static GO_REQUIRE: Gated = Gated::new(r"(?m)^\s*require\b", &["require"]);

impl Check for LockfileMissing {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let repo = cx.repo;
    let paths: HashSet<String> = repo.files().iter().map(|f| f.path_str()).collect();
    for f in repo.files() {
        let path = f.path_str();
        if path.starts_with(".paved/") {
            continue;
        }
        let Some(text) = &f.text else { continue };
        let dir = dir_of(&path);
        let missing: Option<&str> = match f.file_name() {
            "Cargo.toml" => {
                let binary =
                    TOML_BIN.is_match(text) || paths.contains(&format!("{dir}src/main.rs"));
                (binary && !lockfile_near(&paths, dir, &["Cargo.lock"], true))
                    .then_some("Cargo.lock (this crate builds a binary)")
            }
            "package.json" => {
                let has_deps = text.contains("\"dependencies\"")
                    || text.contains("\"devDependencies\"")
                    || text.contains("\"optionalDependencies\"");
                let locks = [
                    "package-lock.json",
                    "npm-shrinkwrap.json",
                    "yarn.lock",
                    "pnpm-lock.yaml",
                    "bun.lock",
                    "bun.lockb",
                ];
                (has_deps && !lockfile_near(&paths, dir, &locks, true))
                    .then_some("package-lock.json, yarn.lock or pnpm-lock.yaml")
            }
            "pyproject.toml" => (POETRY.is_match(text)
                && !lockfile_near(&paths, dir, &["poetry.lock"], false))
            .then_some("poetry.lock"),
            "Pipfile" => {
                (!lockfile_near(&paths, dir, &["Pipfile.lock"], false)).then_some("Pipfile.lock")
            }
            "go.mod" => (GO_REQUIRE.is_match(text)
                && !lockfile_near(&paths, dir, &["go.sum"], false))
            .then_some("go.sum"),
            _ => None,
        };
        if let Some(lock) = missing {
            // Reported on the lockfile that should be there (its first alternative),
            // which is the file a reviewer will look for in the change that removed it.
            let expected = lock.split([' ', ',']).next().unwrap_or(lock);
            let expected = PathBuf::from(format!("{dir}{expected}"));
            out.at(Location::file(&expected))
                .say(format!("no {lock} committed beside {path}"));
        }
    }
}
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, texts};

    /// The needles of each pattern are literals all its matches contain.
    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&["[package]\n  [[bin]]\nname = \"x\"", "[tool.poetry]", " [tool.poetry.dependencies]", "module x\nrequire (\n)"]);
        let n: usize = [&TOML_BIN, &POETRY, &GO_REQUIRE]
            .iter()
            .map(|g| assert_same_matches(g, &texts))
            .sum();
        assert!(n >= 4, "{n}");
    }
}
