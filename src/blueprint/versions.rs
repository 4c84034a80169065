//! Blueprint versions: the `[[changelog]]` release notes and the `[[migrations]]`
//! (declarative renames and drops of variables) a manifest carries, the `ID@VERSION`
//! syntax, and where frozen releases live (`releases/<version>/` beside the latest).

use std::collections::BTreeMap;
use std::fmt;

use semver::Version;
use serde::Deserialize;

use super::error::{BlueprintError, Result};

/// Folder, beside `blueprint.toml`, holding one frozen folder per older release.
pub const RELEASES_DIR: &str = "releases";
/// File in [`RELEASES_DIR`] recording the content hash of each frozen release.
pub const HASHES_FILE: &str = "hashes.toml";

/// One `[[changelog]]` entry: what a version changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangelogEntry {
    pub version: Version,
    pub summary: String,
    /// The version fixes a security problem: services behind it get a real finding.
    pub security: bool,
    pub fixes: Vec<String>,
    pub line: usize,
}

/// One `[[migrations]]` entry: how answers recorded by an older version map onto
/// the variables of `version` and later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Applies when a repository moves from below this version to it or beyond.
    pub version: Version,
    /// old variable name → new variable name.
    pub rename: BTreeMap<String, String>,
    /// Variables whose recorded answers are discarded.
    pub drop: Vec<String>,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChangelog {
    version: String,
    summary: String,
    #[serde(default)]
    security: bool,
    #[serde(default)]
    fixes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMigration {
    version: String,
    #[serde(default)]
    rename: BTreeMap<String, String>,
    #[serde(default)]
    drop: Vec<String>,
}

fn parse_version(text: &str, what: &str) -> std::result::Result<Version, String> {
    Version::parse(text)
        .map_err(|e| format!("{what} {text:?} is not a semantic version (e.g. 1.2.0): {e}"))
}

/// Checks the changelog of a manifest whose own version is `current`.
pub(crate) fn check_changelog(
    raw: Vec<(RawChangelog, usize)>,
    current: &Version,
) -> std::result::Result<Vec<ChangelogEntry>, (usize, String)> {
    let mut out: Vec<ChangelogEntry> = Vec::new();
    for (entry, line) in raw {
        let version =
            parse_version(&entry.version, "[[changelog]] version").map_err(|m| (line, m))?;
        if &version > current {
            return Err((
                line,
                format!(
                    "[[changelog]] version {version} is newer than blueprint.version {current}"
                ),
            ));
        }
        if out.iter().any(|e| e.version == version) {
            return Err((
                line,
                format!("[[changelog]] version {version} is listed twice"),
            ));
        }
        let summary = entry.summary.trim().to_string();
        if summary.is_empty() || summary.contains('\n') {
            return Err((
                line,
                format!("[[changelog]] {version}: `summary` must be one non-empty line"),
            ));
        }
        if entry.security && entry.fixes.iter().all(|f| f.trim().is_empty()) {
            return Err((
                line,
                format!(
                    "[[changelog]] {version}: security = true needs `fixes` naming what was fixed (drift quotes them)"
                ),
            ));
        }
        out.push(ChangelogEntry {
            version,
            summary,
            security: entry.security,
            fixes: entry.fixes.iter().map(|f| f.trim().to_string()).collect(),
            line,
        });
    }
    out.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(out)
}

/// Checks migrations against the variables the manifest declares.
pub(crate) fn check_migrations(
    raw: Vec<(RawMigration, usize)>,
    current: &Version,
) -> std::result::Result<Vec<Migration>, (usize, String)> {
    let mut out: Vec<Migration> = Vec::new();
    for (m, line) in raw {
        let version = parse_version(&m.version, "[[migrations]] version").map_err(|e| (line, e))?;
        if &version > current {
            return Err((
                line,
                format!(
                    "[[migrations]] version {version} is newer than blueprint.version {current}"
                ),
            ));
        }
        if m.rename.is_empty() && m.drop.is_empty() {
            return Err((
                line,
                format!("[[migrations]] {version} has neither `rename` nor `drop`"),
            ));
        }
        for (old, new) in &m.rename {
            if old == "name" || new == "name" {
                return Err((
                    line,
                    "[[migrations]]: the service name cannot be renamed".into(),
                ));
            }
            if old == new {
                return Err((
                    line,
                    format!("[[migrations]]: {old:?} is renamed to itself"),
                ));
            }
            if m.drop.contains(old) {
                return Err((
                    line,
                    format!("[[migrations]]: {old:?} is both renamed and dropped"),
                ));
            }
        }
        out.push(Migration {
            version,
            rename: m.rename,
            drop: m.drop,
            line,
        });
    }
    out.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(out)
}

/// Applies the migrations of a move from `from` to `to` to recorded answers, in
/// version order. Returns what it did, one line per change, for the update report.
pub fn migrate_answers(
    migrations: &[Migration],
    from: &Version,
    to: &Version,
    answers: &mut toml::Table,
) -> Vec<String> {
    let mut notes = Vec::new();
    for m in migrations
        .iter()
        .filter(|m| &m.version > from && &m.version <= to)
    {
        for (old, new) in &m.rename {
            if let Some(value) = answers.remove(old) {
                notes.push(format!("answer {old} renamed to {new} ({})", m.version));
                answers.insert(new.clone(), value);
            }
        }
        for dropped in &m.drop {
            if answers.remove(dropped).is_some() {
                notes.push(format!("answer {dropped} dropped ({})", m.version));
            }
        }
    }
    notes
}

/// `ID` or `ID@VERSION`, as `--blueprint` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlueprintRef {
    pub id: String,
    pub version: Option<Version>,
}

impl BlueprintRef {
    pub fn parse(text: &str) -> Result<BlueprintRef> {
        match text.split_once('@') {
            None => Ok(BlueprintRef {
                id: text.to_string(),
                version: None,
            }),
            Some((id, version)) => {
                let version = Version::parse(version.trim()).map_err(|e| {
                    BlueprintError::invalid(
                        "--blueprint",
                        None,
                        format!(
                            "{text:?}: {version:?} is not a version (write ID@X.Y.Z, e.g. rust-axum@1.0.0): {e}"
                        ),
                    )
                })?;
                Ok(BlueprintRef {
                    id: id.to_string(),
                    version: Some(version),
                })
            }
        }
    }
}

impl fmt::Display for BlueprintRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{}@{v}", self.id),
            None => f.write_str(&self.id),
        }
    }
}

/// The changelog entries of versions after `from` up to `to`, oldest first.
pub fn entries_between<'a>(
    changelog: &'a [ChangelogEntry],
    from: &Version,
    to: &Version,
) -> Vec<&'a ChangelogEntry> {
    changelog
        .iter()
        .filter(|e| &e.version > from && &e.version <= to)
        .collect()
}

/// `releases/hashes.toml`: version → content hash of each frozen release.
pub fn parse_hashes(text: &str, file: &str) -> Result<BTreeMap<Version, String>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        #[serde(default)]
        releases: BTreeMap<String, String>,
    }
    let raw: Raw = toml::from_str(text)
        .map_err(|e| BlueprintError::invalid(file, None, e.message().trim().to_string()))?;
    raw.releases
        .into_iter()
        .map(|(v, h)| {
            let version = Version::parse(&v).map_err(|e| {
                BlueprintError::invalid(file, None, format!("releases.{v:?} is not a version: {e}"))
            })?;
            Ok((version, h))
        })
        .collect()
}

/// Renders `releases/hashes.toml`, keeping its comments when it already exists.
pub fn render_hashes(existing: Option<&str>, version: &Version, hash: &str) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = match existing {
        Some(text) => text.parse().map_err(|e: toml_edit::TomlError| {
            BlueprintError::invalid(HASHES_FILE, None, e.message().trim().to_string())
        })?,
        None => {
            let mut doc = toml_edit::DocumentMut::new();
            doc.decor_mut().set_prefix(
                "# Content hash of each frozen release, written by `paved blueprint release`.\n\
                 # `paved blueprint check` fails when a release no longer has its recorded hash:\n\
                 # a released version must never change, because services record it.\n\n",
            );
            doc
        }
    };
    let releases = doc
        .entry("releases")
        .or_insert(toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or_else(|| BlueprintError::invalid(HASHES_FILE, None, "`releases` must be a table"))?;
    releases.insert(&version.to_string(), toml_edit::value(hash));
    releases.sort_values_by(|a, _, b, _| {
        let parse = |k: &toml_edit::Key| Version::parse(k.get()).ok();
        parse(a).cmp(&parse(b))
    });
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn refs_parse() {
        assert_eq!(
            BlueprintRef::parse("rust-axum@1.0.0").unwrap(),
            BlueprintRef {
                id: "rust-axum".into(),
                version: Some(v("1.0.0"))
            }
        );
        assert_eq!(BlueprintRef::parse("x").unwrap().version, None);
        let err = BlueprintRef::parse("x@one").unwrap_err().to_string();
        assert!(err.contains("ID@X.Y.Z"), "{err}");
    }

    #[test]
    fn migrations_apply_in_order_and_only_in_range() {
        let migrations = vec![
            Migration {
                version: v("1.1.0"),
                rename: [("tls".to_string(), "tls_mode".to_string())].into(),
                drop: vec!["legacy".into()],
                line: 1,
            },
            Migration {
                version: v("2.0.0"),
                rename: [("tls_mode".to_string(), "transport".to_string())].into(),
                drop: vec![],
                line: 2,
            },
        ];
        let mut answers = toml::Table::new();
        answers.insert("tls".into(), toml::Value::Boolean(true));
        answers.insert("legacy".into(), toml::Value::Integer(1));
        let notes = migrate_answers(&migrations, &v("1.0.0"), &v("2.0.0"), &mut answers);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert_eq!(answers.get("transport"), Some(&toml::Value::Boolean(true)));
        assert!(answers.get("legacy").is_none());

        let mut answers = toml::Table::new();
        answers.insert("tls".into(), toml::Value::Boolean(true));
        migrate_answers(&migrations, &v("1.1.0"), &v("2.0.0"), &mut answers);
        assert!(
            answers.contains_key("tls"),
            "1.1.0 migration must not apply from 1.1.0"
        );
    }

    #[test]
    fn changelog_checks() {
        let raw = |ver: &str, security: bool, fixes: &[&str]| RawChangelog {
            version: ver.into(),
            summary: "s".into(),
            security,
            fixes: fixes.iter().map(|s| s.to_string()).collect(),
        };
        assert!(
            check_changelog(vec![(raw("1.1.0", false, &[]), 3)], &v("1.0.0"))
                .unwrap_err()
                .1
                .contains("newer")
        );
        assert!(
            check_changelog(vec![(raw("1.0.0", true, &[]), 3)], &v("1.0.0"))
                .unwrap_err()
                .1
                .contains("fixes")
        );
        let ok = check_changelog(
            vec![
                (raw("1.1.0", true, &["x"]), 5),
                (raw("1.0.1", false, &[]), 3),
            ],
            &v("1.1.0"),
        )
        .unwrap();
        assert_eq!(ok[0].version, v("1.0.1"));
    }

    #[test]
    fn hashes_round_trip_and_keep_comments() {
        let text = render_hashes(None, &v("1.0.0"), "sha256:a").unwrap();
        let text = format!("# mine\n{text}");
        let text = render_hashes(Some(&text), &v("0.9.0"), "sha256:b").unwrap();
        assert!(text.starts_with("# mine"), "{text}");
        let parsed = parse_hashes(&text, "h").unwrap();
        assert_eq!(parsed[&v("1.0.0")], "sha256:a");
        assert!(
            text.find("0.9.0").unwrap() < text.find("1.0.0").unwrap(),
            "{text}"
        );
    }
}
