use std::collections::BTreeSet;

use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// .dockerignore does not exclude .git or .env files
    ///
    /// ## Why it matters
    /// When the whole context is copied, whatever .dockerignore lets through ships in the
    /// image: the .git directory carries history (and past secrets), .env files carry
    /// current ones.
    ///
    /// ## How to fix it
    /// Add `.git` and `.env*` (and keys such as `*.pem`, `*.key`) to .dockerignore, or copy
    /// only the paths the image needs.
    ///
    /// ## Example
    /// ```text
    /// # .dockerignore, beside a Dockerfile that runs `COPY . .`
    /// # flagged: .git and .env files still reach the image
    /// target/
    /// ```
    /// ```text
    /// # .dockerignore
    /// .git
    /// .env*
    /// *.pem
    /// *.key
    /// target/
    /// ```
    pub struct DockerignoreIncomplete {
        id: "PVD-DOCKER-024",
        severity: Medium,
        references: ["cis-docker:4.10"],
    }
}

/// Whether .dockerignore `patterns` exclude `name` at the context root: an explicit
/// pattern, or an ignore-everything `*` / `**` that is not re-included.
fn ignores(patterns: &[&str], name: &str, globs: &[&str]) -> bool {
    let mut ignored = false;
    for p in patterns {
        let (negated, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, *p),
        };
        let p = p
            .trim_start_matches('/')
            .trim_start_matches("**/")
            .trim_end_matches('/');
        if p == "*" || p == "**" || p == name || globs.contains(&p) {
            ignored = !negated;
        }
    }
    ignored
}

impl Check for DockerignoreIncomplete {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let mut seen = BTreeSet::new();
        for df in cx.docker().files() {
            if df.whole_context_copy().is_none() {
                continue;
            }
            for file in df.contexts().iter().filter_map(|c| c.dockerignore) {
            if !seen.insert(file.path_str()) {
                continue;
            }
            let text = file.text.as_deref().unwrap_or("");
            let patterns: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect();
            let mut missing = Vec::new();
            if !ignores(&patterns, ".git", &[".git*", ".*"]) {
                missing.push(".git");
            }
            if !ignores(&patterns, ".env", &[".env*", "*.env", ".*", "*.env*"]) {
                missing.push(".env*");
            }
            if !missing.is_empty() {
                out.at(Location::file(&file.path)).say(format!(
                    "{} copies the whole context but .dockerignore does not exclude {}",
                    df.path().display(),
                    missing.join(" or ")
                ));
            }
            }
        }
    }
}
