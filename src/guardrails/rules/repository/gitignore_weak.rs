use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// .gitignore does not exclude environment files and private keys
    ///
    /// ## Why it matters
    /// A local .env file, a private key or Terraform state is one `git add .` away
    /// from being committed; once pushed, the secret is in the history of every clone.
    ///
    /// ## How to fix it
    /// Add `.env`, `.env.*` (with `!.env.example`), `*.pem` and `*.key` to the root
    /// .gitignore, and `*.tfstate*` and `.terraform/` when the repository has Terraform.
    ///
    /// ## Example
    /// ```text
    /// # flagged: .env, *.pem and *.key are not ignored
    /// /target
    /// ```
    /// ```text
    /// /target
    /// .env*
    /// !.env.example
    /// *.pem
    /// *.key
    /// ```
    pub struct GitignoreWeak {
        id: "PVD-REPO-009",
        severity: Low,
        references: [],
    }
}

impl Check for GitignoreWeak {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let path = Path::new(".gitignore");
    let Some(file) = cx.repo.file(".gitignore") else {
        out.at(Location::file(path)).say("no .gitignore at the repository root");
        return;
    };
    let Some(text) = &file.text else {
        out.at(Location::file(path)).say(".gitignore is not readable text");
        return;
    };
    let Some(matcher) = matcher(text) else {
        out.at(Location::file(path)).say(".gitignore could not be read as ignore patterns",
        );
        return;
    };
    let mut wanted: Vec<(&str, bool, &str)> = vec![
        (".env", false, ".env"),
        ("server.pem", false, "*.pem"),
        ("server.key", false, "*.key"),
    ];
    if cx
        .repo
        .any_file(|f| f.file_name().to_ascii_lowercase().ends_with(".tf"))
    {
        wanted.push(("terraform.tfstate", false, "*.tfstate"));
        wanted.push((".terraform", true, ".terraform/"));
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(probe, is_dir, _)| {
            !matcher
                .matched_path_or_any_parents(probe, *is_dir)
                .is_ignore()
        })
        .map(|(_, _, shown)| *shown)
        .collect();
    if !missing.is_empty() {
        out.at(Location::file(path)).say(format!(".gitignore does not ignore {}", missing.join(", ")),
        );
    }
}
}

/// The matcher of a `.gitignore` text (`None` when it cannot be built), built once per
/// distinct text in a process: the services of one blueprint share their `.gitignore`,
/// and building its matcher (a regex per line) was most of what this rule cost in each
/// repository of a fleet audit. A matcher depends on the text alone. At most 256 texts
/// are kept; past that each repository builds its own.
fn matcher(text: &str) -> Option<Arc<Gitignore>> {
    type Built = HashMap<String, Option<Arc<Gitignore>>>;
    static BUILT: LazyLock<Mutex<Built>> = LazyLock::new(Default::default);
    let cache = || BUILT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(built) = cache().get(text) {
        return built.clone();
    }
    let mut builder = GitignoreBuilder::new("");
    for line in text.lines() {
        // A line the matcher cannot read is ignored by git too.
        let _ = builder.add_line(None, line);
    }
    let built = builder.build().ok().map(Arc::new);
    let mut cache = cache();
    if cache.len() < 256 {
        cache.insert(text.to_owned(), built.clone());
    }
    built
}
