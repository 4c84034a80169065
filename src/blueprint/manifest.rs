//! `blueprint.toml`: parsed with spans so every error names a line, then checked
//! into a typed model that the rest of the engine can trust.

use serde::Deserialize;
use toml::Spanned;

use super::cidr::{CidrRules, DEFAULT_MIN_PREFIX_V4, DEFAULT_MIN_PREFIX_V6};
use super::composition::{
    check_composed, check_layer_uses, check_overrides, ComposedLayer, LayerUse, Override,
    RawComposed, RawLayerUse, RawOverride,
};
use super::error::{BlueprintError, Result};
use super::lazy::{AnswerRegex, FileRuleSet, LazyGlob};
use super::value::{check_plain_text, Value};
use super::versions::{self, ChangelogEntry, Migration};

pub const MANIFEST_FILE: &str = "blueprint.toml";
pub const DEFAULT_MAX_LENGTH: usize = 200;
/// Variables every blueprint gets without declaring them.
pub const BUILTIN_VARIABLES: &[&str] = &["name"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    /// The blueprint owns the file; drift compares it with a fresh render.
    Managed,
    /// The service owns the file once generated; drift leaves it alone.
    Seeded,
    /// Both: the service edits it and drift leaves it alone, but `paved update` merges
    /// the blueprint's changes into it like a managed file. For files a new version
    /// must be able to extend (dependency manifests, lockfiles, module lists).
    Shared,
}

impl Ownership {
    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Managed => "managed",
            Ownership::Seeded => "seeded",
            Ownership::Shared => "shared",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub id: String,
    pub version: semver::Version,
    pub description: String,
    pub default_ownership: Ownership,
    /// Service names this blueprint cannot generate (e.g. names that clash with a
    /// crate its lockfile pins, or with a language built-in).
    pub reserved_names: Vec<String>,
    pub variables: Vec<Variable>,
    pub files: Vec<FileRule>,
    /// Shared layers this blueprint is composed from (`[[layers]]`); empty once composed.
    pub layers: Vec<LayerUse>,
    /// Which source wins where several write the same path (`[[overrides]]`).
    pub overrides: Vec<Override>,
    /// What a composed (flattened) manifest was built from (`[[composed]]`).
    pub composed: Vec<ComposedLayer>,
    /// Release notes, oldest first (`[[changelog]]`).
    pub changelog: Vec<ChangelogEntry>,
    /// Declarative renames and drops of variables, oldest first (`[[migrations]]`).
    pub migrations: Vec<Migration>,
    /// `files` as one glob set, built the first time a path is matched.
    file_rule_set: FileRuleSet,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub prompt: String,
    pub help: Option<String>,
    pub kind: VarKind,
    /// For string and choice variables a string default is a template over earlier answers.
    pub default: Option<Value>,
    pub when: Option<String>,
    /// Line of the `[[variables]]` entry in the manifest.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub enum VarKind {
    String {
        regex: Option<AnswerRegex>,
        max_length: usize,
    },
    Bool,
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Choice {
        choices: Vec<String>,
    },
    Multi {
        choices: Vec<String>,
    },
    /// A list of IP network blocks (IPv4 or IPv6), each checked by `rules`.
    Cidrs {
        rules: CidrRules,
    },
}

impl VarKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            VarKind::String { .. } => "string",
            VarKind::Bool => "bool",
            VarKind::Integer { .. } => "integer",
            VarKind::Choice { .. } => "choice",
            VarKind::Multi { .. } => "multi",
            VarKind::Cidrs { .. } => "cidrs",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileRule {
    pub pattern: String,
    pub matcher: LazyGlob,
    pub when: Option<String>,
    pub ownership: Option<Ownership>,
    pub line: usize,
}

impl AsRef<LazyGlob> for FileRule {
    fn as_ref(&self) -> &LazyGlob {
        &self.matcher
    }
}

// ---- raw, as written -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    blueprint: RawHeader,
    #[serde(default)]
    variables: Vec<Spanned<RawVariable>>,
    #[serde(default)]
    files: Vec<Spanned<RawFileRule>>,
    #[serde(default)]
    layers: Vec<Spanned<RawLayerUse>>,
    #[serde(default)]
    overrides: Vec<Spanned<RawOverride>>,
    #[serde(default)]
    composed: Vec<Spanned<RawComposed>>,
    #[serde(default)]
    changelog: Vec<Spanned<versions::RawChangelog>>,
    #[serde(default)]
    migrations: Vec<Spanned<versions::RawMigration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    version: Spanned<String>,
    description: Spanned<String>,
    #[serde(default)]
    default_ownership: Option<Ownership>,
    #[serde(default)]
    reserved_names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum RawType {
    String,
    Bool,
    Integer,
    Choice,
    Multi,
    Cidrs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariable {
    name: String,
    #[serde(rename = "type")]
    kind: RawType,
    prompt: Option<String>,
    help: Option<String>,
    default: Option<toml::Value>,
    regex: Option<String>,
    max_length: Option<usize>,
    choices: Option<Vec<String>>,
    min: Option<i64>,
    max: Option<i64>,
    min_prefix_v4: Option<u8>,
    min_prefix_v6: Option<u8>,
    exclude: Option<Vec<String>>,
    when: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFileRule {
    path: String,
    when: Option<String>,
    ownership: Option<Ownership>,
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// [`line_of`] for many offsets into one text: the newlines are found once.
pub(crate) struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        LineIndex {
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
        }
    }

    /// 1-based line of a byte offset, as [`line_of`] gives it.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&n| n < offset) + 1
    }
}

pub(crate) fn column_of(text: &str, offset: usize) -> usize {
    let before = &text[..offset.min(text.len())];
    before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1
}

impl Manifest {
    /// Parses and checks a manifest. `file` is how errors name it.
    pub fn parse(text: &str, file: &str) -> Result<Manifest> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            BlueprintError::Syntax {
                file: file.to_string(),
                line: line_of(text, offset),
                column: column_of(text, offset),
                message: e.message().trim().to_string(),
            }
        })?;
        let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
        let bad = |line: Option<usize>, msg: String| BlueprintError::invalid(file, line, msg);

        let header = raw.blueprint;
        let id = header.id.get_ref();
        if !is_identifier(id, '-') {
            return Err(bad(
                at(header.id.span()),
                format!("blueprint.id {id:?} must be lowercase letters, digits and '-', starting with a letter"),
            ));
        }
        let version = semver::Version::parse(header.version.get_ref()).map_err(|e| {
            bad(
                at(header.version.span()),
                format!(
                    "blueprint.version {:?} is not a semantic version (e.g. 1.2.0): {e}",
                    header.version.get_ref()
                ),
            )
        })?;
        let description = header.description.get_ref().trim().to_string();
        if description.is_empty() || description.contains('\n') {
            return Err(bad(
                at(header.description.span()),
                "blueprint.description must be one non-empty line".to_string(),
            ));
        }

        let (variables, files) = parse_body(text, file, raw.variables, raw.files)?;
        let layers = check_layer_uses(text, file, raw.layers)?;
        let overrides = check_overrides(text, file, raw.overrides, &layers)?;
        let composed = check_composed(text, file, raw.composed, &layers)?;

        let lines = LineIndex::new(text);
        let spanned = |span: std::ops::Range<usize>| lines.line(span.start);
        let changelog = versions::check_changelog(
            raw.changelog
                .into_iter()
                .map(|s| {
                    let line = spanned(s.span());
                    (s.into_inner(), line)
                })
                .collect(),
            &version,
        )
        .map_err(|(line, msg)| bad(Some(line), msg))?;
        let migrations = versions::check_migrations(
            raw.migrations
                .into_iter()
                .map(|s| {
                    let line = spanned(s.span());
                    (s.into_inner(), line)
                })
                .collect(),
            &version,
        )
        .map_err(|(line, msg)| bad(Some(line), msg))?;

        Ok(Manifest {
            changelog,
            migrations,
            id: id.clone(),
            version,
            description,
            default_ownership: header.default_ownership.unwrap_or(Ownership::Managed),
            reserved_names: header.reserved_names.clone(),
            variables,
            files,
            layers,
            overrides,
            composed,
            file_rule_set: FileRuleSet::default(),
        })
    }

    /// Indices of the `[[files]]` rules whose glob matches `path`, in manifest
    /// order (so the last one that sets an ownership wins), into `into`.
    pub fn rules_matching(&self, path: &str, into: &mut Vec<usize>) {
        self.file_rule_set.matching(&self.files, path, into);
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// Names a template may refer to: the built-ins and every declared variable.
    pub fn known_names(&self) -> Vec<String> {
        BUILTIN_VARIABLES
            .iter()
            .map(|s| s.to_string())
            .chain(self.variables.iter().map(|v| v.name.clone()))
            .collect()
    }
}

/// Checks `[[variables]]` and `[[files]]`, which blueprints and layers write alike.
pub(crate) fn parse_body(
    text: &str,
    file: &str,
    raw_variables: Vec<Spanned<RawVariable>>,
    raw_files: Vec<Spanned<RawFileRule>>,
) -> Result<(Vec<Variable>, Vec<FileRule>)> {
    let bad = |line: Option<usize>, msg: String| BlueprintError::invalid(file, line, msg);
    let lines = LineIndex::new(text);
    let mut variables: Vec<Variable> = Vec::new();
    for spanned in raw_variables {
        let line = lines.line(spanned.span().start);
        let variable = check_variable(spanned.into_inner(), line, &variables)
            .map_err(|msg| bad(Some(line), msg))?;
        variables.push(variable);
    }

    let mut files = Vec::new();
    for spanned in raw_files {
        let line = lines.line(spanned.span().start);
        let rule = spanned.into_inner();
        check_rule_path(&rule.path).map_err(|msg| bad(Some(line), msg))?;
        if let Some(when) = &rule.when {
            check_condition(when).map_err(|msg| bad(Some(line), msg))?;
        }
        if rule.when.is_none() && rule.ownership.is_none() {
            return Err(bad(
                Some(line),
                format!(
                    "[[files]] rule for {:?} sets neither `when` nor `ownership`",
                    rule.path
                ),
            ));
        }
        let matcher = LazyGlob::new(&rule.path).map_err(|e| {
            bad(
                Some(line),
                format!("[[files]] path {:?} is not a valid glob: {e}", rule.path),
            )
        })?;
        files.push(FileRule {
            pattern: rule.path,
            matcher,
            when: rule.when,
            ownership: rule.ownership,
            line,
        });
    }

    Ok((variables, files))
}

pub(crate) fn is_identifier(s: &str, sep: char) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == sep)
        && s.len() <= 64
}

/// Conditions are spliced into `{{#if …}}`; braces would let one close that block
/// and smuggle in a different template.
pub(crate) fn check_condition(when: &str) -> std::result::Result<(), String> {
    if when.trim().is_empty() {
        return Err("`when` is empty".to_string());
    }
    if when.contains('{') || when.contains('}') || when.contains('\n') {
        return Err(format!(
            "`when` {when:?} must be a bare expression such as `use_db` or `(eq auth \"oidc-jwt\")`, without braces or line breaks"
        ));
    }
    Ok(())
}

pub(crate) fn check_rule_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() {
        return Err("[[files]] path is empty".to_string());
    }
    if path.starts_with('/') || path.contains('\\') || path.split('/').any(|c| c == "..") {
        return Err(format!(
            "[[files]] path {path:?} must be relative to template/, with '/' separators and no '..'"
        ));
    }
    Ok(())
}

fn check_choice_list(choices: Option<Vec<String>>) -> std::result::Result<Vec<String>, String> {
    let choices = choices.ok_or("needs `choices`")?;
    if choices.is_empty() {
        return Err("`choices` is empty".to_string());
    }
    for (i, c) in choices.iter().enumerate() {
        let plain = !c.is_empty()
            && c.len() <= 64
            && c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "-_.".contains(ch));
        if !plain {
            return Err(format!(
                "choice {c:?} must be lowercase letters, digits, '-', '_' or '.'"
            ));
        }
        if choices[..i].contains(c) {
            return Err(format!("choice {c:?} is listed twice"));
        }
    }
    Ok(choices)
}

fn check_variable(
    raw: RawVariable,
    _line: usize,
    earlier: &[Variable],
) -> std::result::Result<Variable, String> {
    let name = raw.name;
    let ctx = |msg: String| format!("variable {name:?}: {msg}");
    if !is_identifier(&name, '_') {
        return Err(ctx(
            "name must be lowercase letters, digits and '_', starting with a letter".into(),
        ));
    }
    if BUILTIN_VARIABLES.contains(&name.as_str()) {
        return Err(ctx(
            "is built in (the service name) and cannot be declared".into()
        ));
    }
    if earlier.iter().any(|v| v.name == name) {
        return Err(ctx("is declared twice".into()));
    }
    if let Some(when) = &raw.when {
        check_condition(when).map_err(ctx)?;
    }
    let only = |field: &str, present: bool, types: &str| -> std::result::Result<(), String> {
        if present {
            Err(format!(
                "variable {name:?}: `{field}` applies only to {types} variables"
            ))
        } else {
            Ok(())
        }
    };
    if !matches!(raw.kind, RawType::Cidrs) {
        for (field, present) in [
            ("min_prefix_v4", raw.min_prefix_v4.is_some()),
            ("min_prefix_v6", raw.min_prefix_v6.is_some()),
            ("exclude", raw.exclude.is_some()),
        ] {
            only(field, present, "cidrs")?;
        }
    }
    let kind = match raw.kind {
        RawType::String => {
            only("choices", raw.choices.is_some(), "choice and multi")?;
            only("min", raw.min.is_some(), "integer")?;
            only("max", raw.max.is_some(), "integer")?;
            let regex = match &raw.regex {
                Some(r) => Some(
                    AnswerRegex::new(r)
                        .map_err(|e| ctx(format!("`regex` does not compile: {e}")))?,
                ),
                None => None,
            };
            VarKind::String {
                regex,
                max_length: raw.max_length.unwrap_or(DEFAULT_MAX_LENGTH),
            }
        }
        RawType::Bool => {
            for (f, p) in [
                ("choices", raw.choices.is_some()),
                ("regex", raw.regex.is_some()),
                ("max_length", raw.max_length.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
            ] {
                only(
                    f,
                    p,
                    if f == "choices" {
                        "choice and multi"
                    } else if f == "min" || f == "max" {
                        "integer"
                    } else {
                        "string"
                    },
                )?;
            }
            VarKind::Bool
        }
        RawType::Integer => {
            only("choices", raw.choices.is_some(), "choice and multi")?;
            only("regex", raw.regex.is_some(), "string")?;
            only("max_length", raw.max_length.is_some(), "string")?;
            if let (Some(min), Some(max)) = (raw.min, raw.max) {
                if min > max {
                    return Err(ctx(format!("min {min} is greater than max {max}")));
                }
            }
            VarKind::Integer {
                min: raw.min,
                max: raw.max,
            }
        }
        RawType::Choice | RawType::Multi => {
            only("regex", raw.regex.is_some(), "string")?;
            only("max_length", raw.max_length.is_some(), "string")?;
            only("min", raw.min.is_some(), "integer")?;
            only("max", raw.max.is_some(), "integer")?;
            let choices = check_choice_list(raw.choices).map_err(ctx)?;
            if matches!(raw.kind, RawType::Choice) {
                VarKind::Choice { choices }
            } else {
                VarKind::Multi { choices }
            }
        }
        RawType::Cidrs => {
            for (f, p, types) in [
                ("choices", raw.choices.is_some(), "choice and multi"),
                ("regex", raw.regex.is_some(), "string"),
                ("max_length", raw.max_length.is_some(), "string"),
                ("min", raw.min.is_some(), "integer"),
                ("max", raw.max.is_some(), "integer"),
            ] {
                only(f, p, types)?;
            }
            let min_prefix_v4 = raw.min_prefix_v4.unwrap_or(DEFAULT_MIN_PREFIX_V4);
            let min_prefix_v6 = raw.min_prefix_v6.unwrap_or(DEFAULT_MIN_PREFIX_V6);
            if min_prefix_v4 == 0 || min_prefix_v4 > 32 {
                return Err(ctx(format!(
                    "`min_prefix_v4` {min_prefix_v4} must be between 1 and 32"
                )));
            }
            if min_prefix_v6 == 0 || min_prefix_v6 > 128 {
                return Err(ctx(format!(
                    "`min_prefix_v6` {min_prefix_v6} must be between 1 and 128"
                )));
            }
            let exclude = CidrRules::parse_exclude(raw.exclude.as_deref().unwrap_or_default())
                .map_err(ctx)?;
            VarKind::Cidrs {
                rules: CidrRules {
                    min_prefix_v4,
                    min_prefix_v6,
                    exclude,
                },
            }
        }
    };
    let default = match raw.default {
        None => None,
        Some(value) => Some(check_default(&kind, value).map_err(ctx)?),
    };
    let prompt = raw.prompt.unwrap_or_else(|| name.replace('_', " "));
    if prompt.contains('\n') {
        return Err(ctx("`prompt` must be one line".into()));
    }
    Ok(Variable {
        name,
        prompt,
        help: raw.help,
        kind,
        default,
        when: raw.when,
        line: _line,
    })
}

/// Checks a default's type now; string and choice defaults that are templates are
/// checked again once rendered with the answers they refer to.
pub(crate) fn check_default(
    kind: &VarKind,
    value: toml::Value,
) -> std::result::Result<Value, String> {
    let type_error = |want: &str| format!("`default` must be {want}, found {}", value.type_str());
    match (kind, &value) {
        (VarKind::String { max_length, .. }, toml::Value::String(s)) => {
            if !s.contains("{{") {
                check_plain_text(s, *max_length).map_err(|e| format!("`default` {s:?} {e}"))?;
            }
            Ok(Value::String(s.clone()))
        }
        (VarKind::Bool, toml::Value::Boolean(b)) => Ok(Value::Bool(*b)),
        (VarKind::Integer { min, max }, toml::Value::Integer(i)) => {
            if min.is_some_and(|m| *i < m) || max.is_some_and(|m| *i > m) {
                return Err(format!("`default` {i} is outside min/max"));
            }
            Ok(Value::Integer(*i))
        }
        (VarKind::Choice { choices }, toml::Value::String(s)) => {
            if !s.contains("{{") && !choices.contains(s) {
                return Err(format!("`default` {s:?} is not one of the choices"));
            }
            Ok(Value::String(s.clone()))
        }
        (VarKind::Multi { choices }, toml::Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                let s = item
                    .as_str()
                    .ok_or_else(|| type_error("a list of choices"))?;
                if !choices.iter().any(|c| c == s) {
                    return Err(format!("`default` item {s:?} is not one of the choices"));
                }
                out.push(s.to_string());
            }
            Ok(Value::List(out))
        }
        (VarKind::Cidrs { rules }, toml::Value::Array(items)) => {
            let out = items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| type_error("a list of CIDR blocks"))
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            rules.check(&out).map_err(|e| format!("`default`: {e}"))?;
            Ok(Value::List(out))
        }
        (VarKind::String { .. }, _) => Err(type_error("a string")),
        (VarKind::Bool, _) => Err(type_error("true or false")),
        (VarKind::Integer { .. }, _) => Err(type_error("an integer")),
        (VarKind::Choice { .. }, _) => Err(type_error("one of the choices (a string)")),
        (VarKind::Multi { .. }, _) => Err(type_error("a list of choices")),
        (VarKind::Cidrs { .. }, _) => Err(type_error("a list of CIDR blocks")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[blueprint]
id = "demo"
version = "1.0.0"
description = "A demo"

[[variables]]
name = "exposure"
type = "choice"
choices = ["internet", "internal"]
default = "internal"

[[variables]]
name = "iac"
type = "multi"
choices = ["kubernetes", "terraform"]
default = ["kubernetes"]

[[files]]
path = "deploy/**"
when = '(contains iac "kubernetes")'
"#;

    #[test]
    fn parses_a_good_manifest() {
        let m = Manifest::parse(GOOD, "blueprint.toml").unwrap();
        assert_eq!(m.id, "demo");
        assert_eq!(m.version, semver::Version::new(1, 0, 0));
        assert_eq!(m.variables.len(), 2);
        assert_eq!(m.variables[0].line, 7);
        assert_eq!(m.files[0].line, 19);
        assert!(m.files[0].matcher.is_match("deploy/k8s/a.yaml"));
    }

    fn error_of(text: &str) -> String {
        Manifest::parse(text, "bp.toml").unwrap_err().to_string()
    }

    #[test]
    fn line_index_agrees_with_line_of() {
        for text in ["", "a", "\n", "a\nb\n\nc", GOOD] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 1 {
                assert_eq!(
                    index.line(offset),
                    line_of(text, offset),
                    "{text:?} {offset}"
                );
            }
        }
    }

    #[test]
    fn unknown_field_names_the_line() {
        let text = GOOD.replace("default = \"internal\"", "defualt = \"internal\"");
        let err = error_of(&text);
        assert!(err.starts_with("bp.toml:11:"), "{err}");
        assert!(err.contains("defualt"), "{err}");
    }

    #[test]
    fn bad_version_and_id() {
        assert!(error_of(&GOOD.replace("1.0.0", "one")).contains("bp.toml:4: blueprint.version"));
        assert!(error_of(&GOOD.replace("\"demo\"", "\"Demo X\"")).contains("blueprint.id"));
    }

    #[test]
    fn default_must_be_a_choice() {
        let err = error_of(&GOOD.replace("default = \"internal\"", "default = \"public\""));
        assert!(err.contains("bp.toml:7: variable \"exposure\""), "{err}");
    }

    #[test]
    fn rule_paths_cannot_escape() {
        for p in ["../x", "/etc/**", "a/../../b", "a\\\\b"] {
            let err = error_of(&GOOD.replace("deploy/**", p));
            assert!(err.contains("relative to template/"), "{p}: {err}");
        }
    }

    #[test]
    fn conditions_cannot_carry_braces() {
        let err = error_of(&GOOD.replace(r#"'(contains iac "kubernetes")'"#, "'x}}{{y'"));
        assert!(err.contains("bare expression"), "{err}");
    }

    #[test]
    fn name_is_reserved_and_duplicates_refused() {
        let text = format!("{GOOD}\n[[variables]]\nname = \"name\"\ntype = \"string\"\n");
        assert!(error_of(&text).contains("built in"));
        let text = format!("{GOOD}\n[[variables]]\nname = \"iac\"\ntype = \"bool\"\n");
        assert!(error_of(&text).contains("declared twice"));
    }

    #[test]
    fn misplaced_keys_are_refused() {
        let text =
            format!("{GOOD}\n[[variables]]\nname = \"flag\"\ntype = \"bool\"\nregex = \"x\"\n");
        assert!(error_of(&text).contains("`regex` applies only to string"));
    }

    fn cidrs(extra: &str) -> String {
        format!("{GOOD}\n[[variables]]\nname = \"egress\"\ntype = \"cidrs\"\n{extra}\n")
    }

    #[test]
    fn cidrs_variables_are_checked_at_load_time() {
        let m = Manifest::parse(
            &cidrs(
                "min_prefix_v4 = 16\nexclude = [\"100.64.0.0/10\"]\ndefault = [\"192.0.2.0/24\"]",
            ),
            "bp.toml",
        )
        .unwrap();
        let var = m.variable("egress").unwrap();
        assert_eq!(var.kind.type_name(), "cidrs");
        assert_eq!(var.default, Some(Value::List(vec!["192.0.2.0/24".into()])));
        let VarKind::Cidrs { rules } = &var.kind else {
            panic!("not cidrs")
        };
        assert_eq!((rules.min_prefix_v4, rules.min_prefix_v6), (16, 32));

        assert!(error_of(&cidrs("default = [\"0.0.0.0/1\"]")).contains("too wide"));
        assert!(error_of(&cidrs("exclude = [\"100.64.0.1/10\"]")).contains("host bits"));
        assert!(error_of(&cidrs("min_prefix_v4 = 0")).contains("between 1 and 32"));
        assert!(error_of(&cidrs("min_prefix_v6 = 129")).contains("between 1 and 128"));
        assert!(error_of(&cidrs("regex = \"x\"")).contains("`regex` applies only to string"));
        let text =
            format!("{GOOD}\n[[variables]]\nname = \"s\"\ntype = \"string\"\nexclude = []\n");
        assert!(error_of(&text).contains("`exclude` applies only to cidrs"));
    }

    #[test]
    fn unsafe_literal_string_default_is_refused() {
        let text = format!(
            "{GOOD}\n[[variables]]\nname = \"d\"\ntype = \"string\"\ndefault = \"$(id)\"\n"
        );
        assert!(error_of(&text).contains("must not contain '$'"));
    }
}
