use paved_model::repo::is_env_file;
use paved_model::secrets::{env_entries, is_sensitive_env_entry};
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Environment file committed
    ///
    /// ## Why it matters
    /// .env files hold local credentials and connection strings; committed, they
    /// are readable by everyone with access to the repository and its history,
    /// and are easily copied into container images.
    ///
    /// ## How to fix it
    /// Remove the file from the repository (and rotate what it contained, since
    /// history keeps it), add `.env*` to .gitignore, and commit a
    /// `.env.example` with placeholder values instead.
    ///
    /// ## Example
    /// ```sh
    /// # flagged: .env with real values
    /// DATABASE_URL=postgres://app@db.internal/app
    /// ```
    /// ```sh
    /// # .env.example (and .env in .gitignore)
    /// DATABASE_URL=<postgres URL>
    /// ```
    pub struct EnvFileCommitted {
        id: "PVD-REPO-010",
        severity: Medium,
        references: ["gitleaks:generic-api-key"],
    }
}

impl Check for EnvFileCommitted {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for f in cx.repo.files() {
            if !is_env_file(f.file_name()) || f.path_str().starts_with(".paved/") {
                continue;
            }
            // A file of comments, empty values and stand-ins is a template under
            // another name, and one that only sets ports, log levels and user names
            // holds nothing to rotate: only a real value under a credential or
            // connection-string name makes it the environment file this rule is
            // about. An unreadable (binary) one is reported, since nothing shows it
            // is harmless.
            let harmless = f.text.as_deref().is_some_and(|t| {
                !env_entries(t)
                    .iter()
                    .any(|(_, key, value)| is_sensitive_env_entry(key, value))
            });
            if harmless {
                continue;
            }
            out.at(Location::file(&f.path))
                .say("environment file committed; keep only a .env.example with placeholders");
        }
    }
}
