//! Blueprint conformance as findings: `blueprint::conformance` renders the recorded
//! blueprint version with the recorded answers and lists deviations; this maps them
//! to PVD-BLUEPRINT-00x hits.

use std::path::{Path, PathBuf};

use crate::blueprint::conformance::{
    check_walked_ahead, Conformance, Deviation, ReadAhead, Walked,
};
use crate::blueprint::provenance::{answers_path, Provenance};
use crate::blueprint::versions::ChangelogEntry;
use crate::blueprint::Catalog;
use crate::guardrails::model::Model;
use crate::guardrails::{Hit, Warning};

use super::rules::blueprint::{
    BlueprintChanged, BlueprintMissing, BlueprintNewer, BlueprintSecurityFix, BlueprintUnavailable,
};
use crate::guardrails::declare::Declared;

/// Hits and warnings for one repository; nothing when it records no blueprint.
/// `model` holds the files the walker read, so conformance does not read them again;
/// `ahead` is the check prepared while the walk ran, if one was
/// ([`crate::blueprint::conformance::read_ahead`]); `provenance` is what the audit
/// parsed from the walker's `.paved/answers.toml` (`None` when it is missing or does
/// not parse), so it is not parsed again.
pub fn check(
    root: &Path,
    model: &Model,
    catalog: &Catalog,
    ahead: Option<ReadAhead>,
    provenance: Option<&Provenance>,
) -> (Vec<Hit>, Vec<Warning>) {
    let mut hits = Vec::new();
    let mut warnings = Vec::new();
    let walked = |rel: &str| {
        let file = model.file(rel)?;
        Some(Walked {
            text: file.text.as_deref()?,
            executable: file.executable,
        })
    };
    let Some(result) = check_walked_ahead(root, &walked, catalog, ahead, provenance) else {
        return (hits, warnings);
    };
    let answers = PathBuf::from(answers_path());
    let hit =
        |rule, file: PathBuf, line: Option<u32>, message: String, detail: Option<String>| Hit {
            rule,
            file,
            line,
            message,
            detail,
            severity: None,
            span: None,
        };
    match result {
        Conformance::Checked {
            provenance,
            deviations,
            hash_changed,
            layer_changes,
            latest,
            newer,
            ..
        } => {
            let what = format!(
                "{} {}",
                provenance.blueprint_id, provenance.blueprint_version
            );
            if latest > provenance.blueprint_version {
                hits.push(behind(
                    &provenance.blueprint_id,
                    &provenance.blueprint_version,
                    &latest,
                    &newer,
                ));
            }
            if hash_changed {
                // For a composed blueprint, say which layers moved: the usual cause
                // is a shared layer edited without a version bump of its blueprints.
                let layers = if layer_changes.is_empty() {
                    String::new()
                } else {
                    let list: Vec<String> = layer_changes.iter().map(ToString::to_string).collect();
                    format!(" ({})", list.join(", "))
                };
                warnings.push(Warning {
                    file: answers.clone(),
                    message: format!(
                        "blueprint {what} in {} differs from the one this repository was generated from{layers}, although its version is the same; conformance was checked against the current content",
                        catalog.describe()
                    ),
                });
            }
            for d in deviations {
                let path = PathBuf::from(d.path());
                hits.push(match d {
                    Deviation::Changed { line, diff, .. } => hit(
                        BlueprintChanged::ID,
                        path,
                        line.and_then(|l| u32::try_from(l).ok()),
                        format!("differs from what blueprint {what} renders with the recorded answers"),
                        (!diff.is_empty()).then_some(diff),
                    ),
                    Deviation::Mode {
                        expected_executable,
                        ..
                    } => hit(
                        BlueprintChanged::ID,
                        path,
                        None,
                        format!(
                            "executable bit differs from blueprint {what}: it should {}be executable",
                            if expected_executable { "" } else { "not " }
                        ),
                        None,
                    ),
                    Deviation::NotAFile { what: kind, .. } => hit(
                        BlueprintChanged::ID,
                        path,
                        None,
                        format!("is {kind}, but blueprint {what} manages it as a regular file"),
                        None,
                    ),
                    Deviation::Missing { .. } => hit(
                        BlueprintMissing::ID,
                        path,
                        None,
                        format!("is managed by blueprint {what} but missing from the repository"),
                        None,
                    ),
                });
            }
        }
        Conformance::VersionUnavailable {
            provenance,
            available,
        } => {
            let id = &provenance.blueprint_id;
            let recorded = &provenance.blueprint_version;
            hits.push(hit(
                BlueprintUnavailable::ID,
                answers.clone(),
                None,
                format!(
                    "generated from blueprint {id} {recorded}, but {} has {id} {available} only: conformance was not checked",
                    catalog.describe()
                ),
                None,
            ));
            if &available > recorded {
                hits.push(hit(
                    BlueprintNewer::ID,
                    answers,
                    None,
                    format!(
                        "blueprint {id} {available} is available; this repository uses {recorded}"
                    ),
                    None,
                ));
            }
        }
        Conformance::BlueprintUnavailable {
            provenance,
            catalog: described,
        } => {
            let available = catalog.ids().join(", ");
            hits.push(hit(
                BlueprintUnavailable::ID,
                answers,
                None,
                format!(
                    "generated from blueprint {} {}, which is not in {described} (available: {}): conformance was not checked",
                    provenance.blueprint_id,
                    provenance.blueprint_version,
                    if available.is_empty() { "none" } else { &available }
                ),
                None,
            ));
        }
        Conformance::Broken { file, message } => hits.push(hit(
            BlueprintUnavailable::ID,
            PathBuf::from(&file),
            None,
            if message.starts_with(&file) {
                format!("{message}; conformance was not checked")
            } else {
                format!("{file} {message}; conformance was not checked")
            },
            None,
        )),
    }
    (hits, warnings)
}

/// The "behind" finding: a real one naming each security fix when any newer
/// version carries one, otherwise the informational one.
fn behind(
    id: &str,
    recorded: &semver::Version,
    latest: &semver::Version,
    newer: &[ChangelogEntry],
) -> Hit {
    let security: Vec<&ChangelogEntry> = newer.iter().filter(|e| e.security).collect();
    let file = PathBuf::from(answers_path());
    if security.is_empty() {
        let notes = newer
            .iter()
            .map(|e| format!("{}: {}", e.version, e.summary))
            .collect::<Vec<_>>()
            .join("; ");
        return Hit {
            rule: BlueprintNewer::ID,
            file,
            line: None,
            message: format!(
                "blueprint {id} {latest} is available; this repository uses {recorded}{}. Run `paved update` to move to it",
                if notes.is_empty() { String::new() } else { format!(" ({notes})") }
            ),
            detail: None,
            severity: None,
            span: None,
        };
    }
    // The first fixes of each version; the release notes hold the rest.
    const SHOWN: usize = 3;
    let fixes = security
        .iter()
        .map(|e| {
            let more = e.fixes.len().saturating_sub(SHOWN);
            format!(
                "{} fixes {}{}",
                e.version,
                e.fixes[..e.fixes.len().min(SHOWN)].join("; "),
                if more > 0 {
                    format!(" (and {more} more in its release notes)")
                } else {
                    String::new()
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let first = &security[0].version;
    Hit {
        rule: BlueprintSecurityFix::ID,
        file,
        line: None,
        message: format!(
            "this repository uses blueprint {id} {recorded}, which is behind a security fix: {fixes}. Run `paved update --to {first}` (or `paved update` for {latest})"
        ),
        detail: None,
        severity: None,
        span: None,
    }
}
