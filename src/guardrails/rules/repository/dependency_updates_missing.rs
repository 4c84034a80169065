use std::path::Path;

use paved_model::repo::dependabot_config;
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// No automated dependency updates
    ///
    /// ## Why it matters
    /// Without Dependabot or Renovate, vulnerable dependencies, base images and
    /// actions stay in place until someone notices; known CVEs remain exploitable
    /// long after fixes are published.
    ///
    /// ## How to fix it
    /// Add .github/dependabot.yml with an `updates:` entry per ecosystem (cargo,
    /// github-actions, docker, terraform, …) or a Renovate config (renovate.json,
    /// .github/renovate.json5, .renovaterc).
    ///
    /// ## Example
    /// ```text
    /// # flagged: neither .github/dependabot.yml nor a Renovate config
    /// Cargo.toml
    /// ```
    /// ```yaml
    /// # .github/dependabot.yml
    /// version: 2
    /// updates:
    ///   - package-ecosystem: cargo
    ///     directory: /
    ///     schedule: {interval: weekly}
    /// ```
    pub struct DependencyUpdatesMissing {
        id: "PVD-REPO-006",
        severity: Medium,
        references: ["scorecard:Dependency-Update-Tool"],
    }
}

fn is_renovate_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let dir = &path[..path.len() - name.len()];
    let renovate_name = name == "renovate.json"
        || name == "renovate.json5"
        || name == ".renovaterc"
        || name.starts_with(".renovaterc.");
    renovate_name && matches!(dir, "" | ".github/" | ".gitlab/")
}

impl Check for DependencyUpdatesMissing {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let has_dependabot = dependabot_config(cx.repo.model()).is_some();
        let has_renovate = cx.repo.any_file(|f| is_renovate_config(&f.path_str()));
        if !has_dependabot && !has_renovate {
            out.at(Location::file(Path::new(".github/dependabot.yml")))
                .say("no .github/dependabot.yml and no Renovate configuration");
        }
    }
}
