//! Guardrails policy: which rules run, at which severity, with which parameters.
//!
//! Profiles are TOML files named `<profile>.toml` in the top-level `guardrails/`
//! folder (embedded into the binary) or in a platform team's `--guardrails DIR`.
//! A profile only overrides: every rule is enabled at its default severity and every
//! parameter has a default in the rule's code. `extends = "baseline"` layers one
//! profile on another. Anything the loader does not understand is an error naming the
//! file and key, because a typo in a security policy must never silently weaken it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::params::ParamSpec;
use super::{Params, RuleMeta, Severity};

/// The profile used when `--profile` is not given.
pub const DEFAULT_PROFILE: &str = "baseline";

/// The profiles compiled into the binary.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("baseline", include_str!("../../guardrails/baseline.toml")),
    ("strict", include_str!("../../guardrails/strict.toml")),
];

/// Every parameter the rules of a catalog declare, in catalog order; a key two rules
/// share is listed once.
pub fn params_of<'a>(rules: impl IntoIterator<Item = &'a RuleMeta>) -> Vec<&'static ParamSpec> {
    let mut out: Vec<&'static ParamSpec> = Vec::new();
    for spec in rules.into_iter().flat_map(|m| m.params.iter()) {
        if !out.iter().any(|p| p.key == spec.key) {
            out.push(spec);
        }
    }
    out
}

/// What a profile may name: the catalog's rule ids and their parameters.
struct Known<'a> {
    ids: BTreeSet<&'a str>,
    params: Vec<&'static ParamSpec>,
}

impl<'a> Known<'a> {
    fn new(rules: impl IntoIterator<Item = &'a RuleMeta>) -> Self {
        let rules: Vec<&'a RuleMeta> = rules.into_iter().collect();
        Known {
            ids: rules.iter().map(|m| m.id).collect(),
            params: params_of(rules),
        }
    }
}

/// Problems with a guardrails profile: always a configuration error (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },

    #[error("{}: cannot read the guardrails profile: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "no guardrails profile named {name:?} in {origin}; available: {}",
        list(available)
    )]
    UnknownProfile {
        name: String,
        origin: String,
        available: Vec<String>,
    },
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

/// How a profile treats one rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulePolicy {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

/// `[waivers] inline`: whether other tools' inline suppressions waive paved findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InlineWaivers {
    /// `"honour"` (the default): they waive the equivalent paved rules.
    #[default]
    Honour,
    /// `"forbid"`: each one is a finding and waives nothing; only .paved/waivers.toml does.
    Forbid,
}

/// A loaded, validated profile (with whatever it extends already folded in).
#[derive(Clone, Debug)]
pub struct Policy {
    /// The profile name, e.g. `baseline`.
    pub profile: String,
    /// Where it came from, for messages: `<built-in>/baseline.toml` or a path.
    pub origin: String,
    pub description: String,
    pub rules: BTreeMap<String, RulePolicy>,
    pub params: Params,
    /// Whether exposure and data classification move severities.
    pub context_severity: bool,
    /// `[waivers] inline`.
    pub inline_waivers: InlineWaivers,
    /// Set when a command-line switch (`--forbid-inline-waivers`) rather than the
    /// profile forbids inline suppressions: named in PVD-WAIVER-004's message.
    pub inline_forbidden_by: Option<&'static str>,
    /// `profile.select`: when set, only rules whose id matches one of these patterns
    /// run (a rule's own `enabled = true` still turns it on).
    pub select: Option<Vec<String>>,
}

impl Policy {
    /// Loads `profile` from `dir` (a `--guardrails DIR`) or from the embedded set.
    /// `known` is every rule a profile may name (with the parameters they declare).
    pub fn load<'a>(
        dir: Option<&Path>,
        profile: &str,
        known: impl IntoIterator<Item = &'a RuleMeta>,
    ) -> Result<Policy, PolicyError> {
        let known = Known::new(known);
        let source = Source::new(dir)?;
        let mut chain = Vec::new();
        let mut name = profile.to_string();
        loop {
            if chain
                .iter()
                .any(|(n, _, _): &(String, String, String)| *n == name)
            {
                let names: Vec<&str> = chain.iter().map(|(n, _, _)| n.as_str()).collect();
                return Err(PolicyError::Invalid {
                    file: chain.last().map(|c| c.1.clone()).unwrap_or_default(),
                    message: format!(
                        "profile.extends makes a cycle: {} -> {name}",
                        names.join(" -> ")
                    ),
                });
            }
            let (origin, text) = source.read(&name)?;
            let extends = peek_extends(&text, &origin)?;
            chain.push((name.clone(), origin, text));
            match extends {
                Some(parent) => name = parent,
                None => break,
            }
        }

        let mut policy = Policy {
            profile: profile.to_string(),
            origin: chain[0].1.clone(),
            description: String::new(),
            rules: BTreeMap::new(),
            params: Params::default(),
            context_severity: true,
            inline_waivers: InlineWaivers::Honour,
            inline_forbidden_by: None,
            select: None,
        };
        let mut params = toml::Table::new();
        // Parents first, so the named profile has the last word.
        for (_, origin, text) in chain.iter().rev() {
            apply(&mut policy, &mut params, origin, text, &known)?;
        }
        policy.params = Params::new(params);
        Ok(policy)
    }

    /// Forbid other tools' inline suppressions whatever the profile says, because
    /// `switch` (a command-line flag) asks for it.
    pub fn forbid_inline_waivers(&mut self, switch: &'static str) {
        self.inline_waivers = InlineWaivers::Forbid;
        self.inline_forbidden_by = Some(switch);
    }

    /// What forbids inline suppressions, for the message of each one: the switch, or
    /// the profile's `[waivers] inline = "forbid"`.
    pub fn inline_forbidden_because(&self) -> String {
        match self.inline_forbidden_by {
            Some(switch) => format!("`{switch}`"),
            None => format!("profile `{}` ([waivers] inline = \"forbid\")", self.profile),
        }
    }

    /// One profile from its text, without `extends` (which needs a directory): for
    /// fuzzing and for tools that hold a profile in memory.
    pub fn from_text<'a>(
        profile: &str,
        text: &str,
        known: impl IntoIterator<Item = &'a RuleMeta>,
    ) -> Result<Policy, PolicyError> {
        let known = Known::new(known);
        let origin = format!("{profile}.toml");
        if peek_extends(text, &origin)?.is_some() {
            return Err(invalid(
                &origin,
                "profile.extends needs --guardrails DIR holding the parent profile",
            ));
        }
        let mut policy = Policy {
            profile: profile.to_string(),
            origin: origin.clone(),
            description: String::new(),
            rules: BTreeMap::new(),
            params: Params::default(),
            context_severity: true,
            inline_waivers: InlineWaivers::Honour,
            inline_forbidden_by: None,
            select: None,
        };
        let mut params = toml::Table::new();
        apply(&mut policy, &mut params, &origin, text, &known)?;
        policy.params = Params::new(params);
        Ok(policy)
    }

    /// The policy for a rule id (default: enabled, default severity).
    pub fn rule(&self, id: &str) -> RulePolicy {
        self.rules.get(id).cloned().unwrap_or_default()
    }

    pub fn enabled(&self, id: &str) -> bool {
        self.rule(id).enabled.unwrap_or_else(|| match &self.select {
            None => true,
            Some(patterns) => patterns.iter().any(|p| id_matches(p, id)),
        })
    }

    /// The severity this profile gives a rule.
    pub fn severity(&self, meta: &RuleMeta) -> Severity {
        self.rule(meta.id).severity.unwrap_or(meta.severity)
    }
}

/// The names of the profiles available from `dir` or the embedded set.
pub fn available(dir: Option<&Path>) -> Result<Vec<String>, PolicyError> {
    Ok(Source::new(dir)?.names())
}

enum Source {
    Embedded,
    Dir(PathBuf, Vec<String>),
}

impl Source {
    fn new(dir: Option<&Path>) -> Result<Source, PolicyError> {
        let Some(dir) = dir else {
            return Ok(Source::Embedded);
        };
        let entries = fs::read_dir(dir).map_err(|source| PolicyError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_string();
                name.strip_suffix(".toml").map(str::to_string)
            })
            .collect();
        names.sort();
        Ok(Source::Dir(dir.to_path_buf(), names))
    }

    fn names(&self) -> Vec<String> {
        match self {
            Source::Embedded => EMBEDDED.iter().map(|(n, _)| (*n).to_string()).collect(),
            Source::Dir(_, names) => names.clone(),
        }
    }

    fn origin(&self) -> String {
        match self {
            Source::Embedded => "the built-in guardrails".to_string(),
            Source::Dir(dir, _) => format!("{} (--guardrails)", dir.display()),
        }
    }

    /// `(origin, text)` of one profile.
    fn read(&self, name: &str) -> Result<(String, String), PolicyError> {
        let unknown = || PolicyError::UnknownProfile {
            name: name.to_string(),
            origin: self.origin(),
            available: self.names(),
        };
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_name {
            return Err(unknown());
        }
        match self {
            Source::Embedded => EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, text)| (format!("<built-in>/guardrails/{n}.toml"), text.to_string()))
                .ok_or_else(unknown),
            Source::Dir(dir, names) => {
                if !names.iter().any(|n| n == name) {
                    return Err(unknown());
                }
                let path = dir.join(format!("{name}.toml"));
                let text = fs::read_to_string(&path).map_err(|source| PolicyError::Io {
                    path: path.clone(),
                    source,
                })?;
                Ok((path.display().to_string(), text))
            }
        }
    }
}

fn parse(text: &str, origin: &str) -> Result<toml::Table, PolicyError> {
    toml::from_str(text).map_err(|e| PolicyError::Invalid {
        file: origin.to_string(),
        message: format!("not valid TOML: {}", e.message().trim()),
    })
}

fn peek_extends(text: &str, origin: &str) -> Result<Option<String>, PolicyError> {
    let doc = parse(text, origin)?;
    match doc.get("profile").and_then(|p| p.get("extends")) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(
            origin,
            "profile.extends must be a profile name (a string)",
        )),
    }
}

fn invalid(origin: &str, message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        file: origin.to_string(),
        message: message.into(),
    }
}

fn table<'t>(
    value: &'t toml::Value,
    origin: &str,
    key: &str,
) -> Result<&'t toml::Table, PolicyError> {
    value
        .as_table()
        .ok_or_else(|| invalid(origin, format!("[{key}] must be a table")))
}

fn apply(
    policy: &mut Policy,
    params: &mut toml::Table,
    origin: &str,
    text: &str,
    known: &Known<'_>,
) -> Result<(), PolicyError> {
    let doc = parse(text, origin)?;
    for (key, value) in &doc {
        match key.as_str() {
            "profile" => {
                for (k, v) in table(value, origin, "profile")? {
                    match k.as_str() {
                        "description" => {
                            policy.description = v
                                .as_str()
                                .ok_or_else(|| {
                                    invalid(origin, "profile.description must be a string")
                                })?
                                .to_string();
                        }
                        "extends" => {}
                        "select" => {
                            let patterns: Vec<String> = v
                                .as_array()
                                .filter(|a| a.iter().all(toml::Value::is_str))
                                .ok_or_else(|| {
                                    invalid(
                                        origin,
                                        "profile.select must be a list of rule ids or patterns such as \"PVD-DOCKER-*\"",
                                    )
                                })?
                                .iter()
                                .filter_map(|p| p.as_str().map(str::to_string))
                                .collect();
                            for p in &patterns {
                                if !known.ids.iter().any(|id| id_matches(p, id)) {
                                    return Err(invalid(
                                        origin,
                                        format!("profile.select: {p:?} matches no rule; `paved rules` lists them"),
                                    ));
                                }
                            }
                            policy.select = Some(patterns);
                        }
                        other => {
                            return Err(invalid(
                                origin,
                                format!(
                                    "unknown key profile.{other}; expected description, extends or select"
                                ),
                            ))
                        }
                    }
                }
            }
            "context" => {
                for (k, v) in table(value, origin, "context")? {
                    match (k.as_str(), v) {
                        ("adjust_severity", toml::Value::Boolean(b)) => {
                            policy.context_severity = *b
                        }
                        ("adjust_severity", _) => {
                            return Err(invalid(
                                origin,
                                "context.adjust_severity must be true or false",
                            ))
                        }
                        (other, _) => {
                            return Err(invalid(
                                origin,
                                format!("unknown key context.{other}; expected adjust_severity"),
                            ))
                        }
                    }
                }
            }
            "waivers" => {
                for (k, v) in table(value, origin, "waivers")? {
                    match (k.as_str(), v.as_str()) {
                        ("inline", Some("honour" | "honor")) => {
                            policy.inline_waivers = InlineWaivers::Honour
                        }
                        ("inline", Some("forbid")) => policy.inline_waivers = InlineWaivers::Forbid,
                        ("inline", _) => {
                            return Err(invalid(
                                origin,
                                "waivers.inline must be \"honour\" or \"forbid\"",
                            ))
                        }
                        (other, _) => {
                            return Err(invalid(
                                origin,
                                format!("unknown key waivers.{other}; expected inline"),
                            ))
                        }
                    }
                }
            }
            "rules" => {
                for (id, v) in table(value, origin, "rules")? {
                    if !known.ids.contains(id.as_str()) {
                        let hint = suggest(id, known.ids.iter().copied())
                            .map(|s| format!(" (did you mean {s}?)"))
                            .unwrap_or_default();
                        return Err(invalid(
                            origin,
                            format!(
                                "rules.{id:?}: no rule has this id{hint}; `paved rules` lists them"
                            ),
                        ));
                    }
                    let entry = policy.rules.entry(id.clone()).or_default();
                    let settings = v.as_table().ok_or_else(|| {
                        invalid(
                            origin,
                            format!(
                                "rules.{id:?} must be a table such as {{ enabled = false }} or {{ severity = \"high\" }}"
                            ),
                        )
                    })?;
                    for (k, v) in settings {
                        match (k.as_str(), v) {
                            ("enabled", toml::Value::Boolean(b)) => entry.enabled = Some(*b),
                            ("severity", toml::Value::String(s)) => {
                                entry.severity = Some(s.parse().map_err(|e: String| {
                                    invalid(origin, format!("rules.{id:?}.severity: {e}"))
                                })?)
                            }
                            ("enabled", _) => {
                                return Err(invalid(
                                    origin,
                                    format!("rules.{id:?}.enabled must be true or false"),
                                ))
                            }
                            ("severity", _) => {
                                return Err(invalid(
                                    origin,
                                    format!(
                                        "rules.{id:?}.severity must be one of critical, high, medium, low, info"
                                    ),
                                ))
                            }
                            (other, _) => {
                                return Err(invalid(
                                    origin,
                                    format!(
                                        "unknown key rules.{id:?}.{other}; expected enabled or severity"
                                    ),
                                ))
                            }
                        }
                    }
                }
            }
            "params" => {
                for (k, v) in table(value, origin, "params")? {
                    let Some(spec) = known.params.iter().find(|p| p.key == k) else {
                        let hint = suggest(k, known.params.iter().map(|p| p.key))
                            .map(|s| format!(" (did you mean {s}?)"))
                            .unwrap_or_default();
                        return Err(invalid(
                            origin,
                            format!("unknown parameter params.{k}{hint}"),
                        ));
                    };
                    if !spec.kind.accepts(v) {
                        return Err(invalid(
                            origin,
                            format!("params.{k} must be {}", spec.kind.describe()),
                        ));
                    }
                    params.insert(k.clone(), v.clone());
                }
            }
            other => {
                return Err(invalid(
                    origin,
                    format!(
                    "unknown table [{other}]; expected [profile], [context], [waivers], [rules] or [params]"
                ),
                ))
            }
        }
    }
    Ok(())
}

/// Whether a `select` pattern (an id, or a prefix ending in `*`) matches a rule id.
fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix)),
        None => pattern.eq_ignore_ascii_case(id),
    }
}

/// The closest candidate to `word`, when it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_parameter_is_documented_in_the_guardrails_readme() {
        let readme = include_str!("../../guardrails/README.md");
        for spec in params_of(crate::drift::rules::catalog().map(|r| &r.meta)) {
            assert!(
                readme.contains(&format!("`{}`", spec.key)),
                "guardrails/README.md does not document params.{}",
                spec.key
            );
        }
    }
    use super::*;
    use crate::guardrails::params::ParamKind;
    use crate::guardrails::Domain;

    static RULE: RuleMeta = RuleMeta {
        id: "PVD-TEST-001",
        title: "Test rule",
        domain: Domain::Repository,
        severity: Severity::Medium,
        rationale: "",
        remediation: "",
        references: &[],
        example: None,
        params: TEST_PARAMS,
        source: None,
        graded: None,
    };

    /// The parameters a profile may set is what the known rules declare.
    static TEST_PARAMS: &[ParamSpec] = &[
        ParamSpec {
            key: "log_retention_days",
            kind: ParamKind::Integer,
            description: "Days.",
            default: || toml::Value::Integer(365),
        },
        ParamSpec {
            key: "allowed_registries",
            kind: ParamKind::Strings,
            description: "Registries.",
            default: || toml::Value::Array(Vec::new()),
        },
    ];

    fn load_text(files: &[(&str, &str)], profile: &str) -> Result<Policy, PolicyError> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
        }
        Policy::load(Some(dir.path()), profile, [&RULE])
    }

    #[test]
    fn embedded_profiles_load() {
        let all: Vec<&RuleMeta> = crate::drift::rules::catalog().map(|r| &r.meta).collect();
        for (name, _) in EMBEDDED {
            let p = Policy::load(None, name, all.iter().copied()).unwrap();
            assert!(!p.description.is_empty(), "{name} needs a description");
        }
    }

    #[test]
    fn overrides_and_extends() {
        let p = load_text(
            &[
                ("base", "[rules.\"PVD-TEST-001\"]\nseverity = \"high\"\n[params]\nlog_retention_days = 90\n"),
                ("child", "[profile]\nextends = \"base\"\ndescription = \"c\"\n[params]\nlog_retention_days = 365\n"),
            ],
            "child",
        )
        .unwrap();
        assert_eq!(p.severity(&RULE), Severity::High);
        assert!(p.enabled("PVD-TEST-001"));
        assert_eq!(p.params.integer("log_retention_days", 0), 365);
    }

    #[test]
    fn errors_name_file_and_key() {
        let cases = [
            (
                "[rules.\"PVD-TEST-002\"]\nenabled = false",
                "rules.\"PVD-TEST-002\"",
            ),
            (
                "[rules.\"PVD-TEST-001\"]\nseverity = \"severe\"",
                "severity",
            ),
            (
                "[rules.\"PVD-TEST-001\"]\nlevel = \"high\"",
                "rules.\"PVD-TEST-001\".level",
            ),
            (
                "[params]\nlog_retention = 3",
                "did you mean log_retention_days",
            ),
            (
                "[params]\nallowed_registries = \"gcr.io\"",
                "list of strings",
            ),
            ("[profiles]\n", "unknown table [profiles]"),
            ("[profile]\nextends = \"p\"", "cycle"),
            ("rules = [", "not valid TOML"),
        ];
        for (text, needle) in cases {
            let err = load_text(&[("p", text)], "p").unwrap_err().to_string();
            assert!(err.contains("p.toml"), "{err}");
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
        let err = load_text(&[("p", "")], "nope").unwrap_err().to_string();
        assert!(err.contains("available: p"), "{err}");
        let err = load_text(&[("p", "")], "../p").unwrap_err().to_string();
        assert!(err.contains("no guardrails profile"), "{err}");
    }

    #[test]
    fn select_limits_rules() {
        let p = load_text(&[("p", "[profile]\nselect = [\"PVD-TEST-*\"]\n")], "p").unwrap();
        assert!(p.enabled("PVD-TEST-001"));
        assert!(!p.enabled("PVD-OTHER-001"));
        let err = load_text(&[("p", "[profile]\nselect = [\"PVD-TSET-*\"]\n")], "p")
            .unwrap_err()
            .to_string();
        assert!(err.contains("matches no rule"), "{err}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("PVD-TEST-01", ["PVD-TEST-001", "PVD-K8S-001"]),
            Some("PVD-TEST-001")
        );
        assert_eq!(suggest("zzz", ["PVD-TEST-001"]), None);
    }
}
