use std::collections::BTreeSet;

use paved_model::repo::dependabot_config;
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter, RepoModel};

rule! {
    /// Dependabot does not cover an ecosystem the repository uses
    ///
    /// ## Why it matters
    /// Dependabot only updates the ecosystems listed in dependabot.yml: an unlisted
    /// ecosystem (often github-actions or docker) keeps outdated, vulnerable
    /// actions, images or packages indefinitely.
    ///
    /// ## How to fix it
    /// Add an `updates:` entry with the missing `package-ecosystem` (and its
    /// `directory`) to .github/dependabot.yml.
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: the repository has .github/workflows/ but no github-actions entry
    /// version: 2
    /// updates:
    ///   - package-ecosystem: cargo
    ///     directory: /
    /// ```
    /// ```yaml
    /// version: 2
    /// updates:
    ///   - package-ecosystem: cargo
    ///     directory: /
    ///   - package-ecosystem: github-actions
    ///     directory: /
    /// ```
    pub struct DependabotEcosystemUncovered {
        id: "PVD-REPO-007",
        severity: Medium,
        references: ["scorecard:Dependency-Update-Tool"],
    }
}

/// Dependabot ecosystems the repository evidently uses, with the file that shows it.
fn ecosystems_in_use(repo: &RepoModel) -> Vec<(&'static str, String)> {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    for f in repo.files() {
        let path = f.path_str();
        if path.starts_with(".paved/") {
            continue;
        }
        let name = f.file_name();
        let lower = name.to_ascii_lowercase();
        let eco = if name == "Cargo.toml" {
            Some("cargo")
        } else if (path.starts_with(".github/workflows/")
            && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
            || (lower == "action.yml" || lower == "action.yaml")
        {
            Some("github-actions")
        } else if lower == "dockerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
            || lower == "containerfile"
        {
            Some("docker")
        } else if lower.ends_with(".tf") {
            Some("terraform")
        } else if name == "package.json" {
            Some("npm")
        } else if name == "go.mod" {
            Some("gomod")
        } else if name == "pyproject.toml"
            || name == "Pipfile"
            || name == "setup.py"
            || (lower.starts_with("requirements") && lower.ends_with(".txt"))
        {
            Some("pip")
        } else {
            None
        };
        if let Some(eco) = eco {
            if !found.iter().any(|(e, _)| *e == eco) {
                found.push((eco, path));
            }
        }
    }
    found
}

/// Other `package-ecosystem` values that also cover an ecosystem.
fn covered_by(eco: &str, listed: &BTreeSet<String>) -> bool {
    let alternatives: &[&str] = match eco {
        "pip" => &["pip", "uv", "pipenv", "poetry"],
        "npm" => &["npm", "bun", "yarn", "pnpm"],
        "docker" => &["docker", "docker-compose"],
        other => return listed.contains(other),
    };
    alternatives.iter().any(|a| listed.contains(*a))
}

/// At most this many YAML events are read from dependabot.yml.
const MAX_YAML_EVENTS: usize = 100_000;

/// A container being read: a mapping (with the key whose value comes next) or a sequence.
enum Frame {
    Map { key: Option<String>, at_key: bool },
    Seq,
}

/// The `package-ecosystem` values of `updates[*]` in a dependabot.yml, read from the
/// parser's event stream: no alias is ever expanded and the work is bounded, so a
/// hostile file cannot blow up. An error carries the line and the parser's message.
fn dependabot_ecosystems(text: &str) -> Result<BTreeSet<String>, (Option<u32>, String)> {
    use yaml_rust2::parser::Parser;
    use yaml_rust2::Event;

    let mut found = BTreeSet::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Key under which each open container sits in its parent mapping.
    let mut keys: Vec<Option<String>> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    for _ in 0..MAX_YAML_EVENTS {
        let (event, _) = parser.next_token().map_err(|e| {
            (
                u32::try_from(e.marker().line()).ok().filter(|l| *l > 0),
                e.info().to_owned(),
            )
        })?;
        // The key the next value sits under, when the innermost container is a mapping
        // in value position.
        let parent_key = match stack.last() {
            Some(Frame::Map { key, at_key: false }) => key.clone(),
            _ => None,
        };
        let in_update_item = keys.len() == 3
            && matches!(keys.as_slice(), [None, Some(k), None] if k == "updates")
            && matches!(
                stack.as_slice(),
                [Frame::Map { .. }, Frame::Seq, Frame::Map { .. }]
            );
        match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                keys.push(parent_key);
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map {
                        key: None,
                        at_key: true,
                    }
                } else {
                    Frame::Seq
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                keys.pop();
                value_done(&mut stack);
            }
            Event::Scalar(value, ..) => match stack.last_mut() {
                Some(Frame::Map { key, at_key }) if *at_key => {
                    *key = Some(value);
                    *at_key = false;
                }
                _ => {
                    if in_update_item && parent_key.as_deref() == Some("package-ecosystem") {
                        found.insert(value.to_ascii_lowercase());
                    }
                    value_done(&mut stack);
                }
            },
            Event::Alias(_) => value_done(&mut stack),
            _ => {}
        }
    }
    Ok(found)
}

/// After a value in a mapping, the next scalar is a key again.
fn value_done(stack: &mut [Frame]) {
    if let Some(Frame::Map { at_key, .. }) = stack.last_mut() {
        *at_key = true;
    }
}

impl Check for DependabotEcosystemUncovered {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        // No dependabot at all is PVD-REPO-006's business.
        let Some(file) = dependabot_config(cx.repo.model()) else {
            return;
        };
        let at = Location::file(&file.path);
        let Some(text) = &file.text else {
            out.at(at).say("dependabot configuration is not readable text");
            return;
        };
        let listed = match dependabot_ecosystems(text) {
            Ok(listed) => listed,
            Err((line, why)) => {
                out.at(Location {
                    file: &file.path,
                    line,
                })
                .say(format!(
                    "dependabot configuration is not valid YAML ({why}), so it updates nothing"
                ));
                return;
            }
        };
        for (eco, evidence) in ecosystems_in_use(cx.repo) {
            if !covered_by(eco, &listed) {
                out.at(at).say(format!(
                    "no `package-ecosystem: {eco}` entry, but the repository has {evidence}"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependabot_reader() {
        let text = "version: 2\nx: &d {package-ecosystem: npm}\nupdates:\n  - {package-ecosystem: \"cargo\", directory: /}\n  - package-ecosystem: Docker\n    registries: [a, {package-ecosystem: pip}]\n    allow:\n      - dependency-name: package-ecosystem\n  - *d\n  - directory: /\n    package-ecosystem: 'gomod'\nother:\n  - package-ecosystem: terraform\n";
        let got: Vec<_> = dependabot_ecosystems(text).unwrap().into_iter().collect();
        assert_eq!(got, ["cargo", "docker", "gomod"]);
        let err = dependabot_ecosystems("updates:\n  - a: [\n").unwrap_err();
        assert!(err.0.is_some(), "{err:?}");
        // Aliases are never expanded: a billion-laughs file is read in bounded time.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = if i == 1 { String::new() } else { (i - 1).to_string() }));
        }
        assert!(dependabot_ecosystems(&bomb).unwrap().is_empty());
        let deep = format!("updates: {}", "[".repeat(100_000));
        assert!(dependabot_ecosystems(&deep).is_err());
    }
}
