//! Filling the variable model: from `--set`, an answers file, prompts and
//! defaults, in that order of precedence. Every value is validated here, before
//! anything is rendered or written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::error::{BlueprintError, Result};
use super::manifest::{VarKind, Variable};
use super::model::{variable_default_key, variable_when_key, Blueprint};
use super::templating;
use super::value::{check_plain_text, check_service_name, Value};

/// The answers of one generation, in declaration order, `name` first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    entries: Vec<(String, Value)>,
}

impl Answers {
    fn new(name: &str) -> Answers {
        Answers {
            entries: vec![("name".to_string(), Value::String(name.to_string()))],
        }
    }

    pub fn service_name(&self) -> &str {
        match &self.entries[0].1 {
            Value::String(s) => s,
            _ => unreachable!("name is always a string"),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The Handlebars context: one key per answer.
    pub fn context(&self) -> Json {
        Json::Object(
            self.entries
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }

    fn push(&mut self, key: &str, value: Value) {
        self.entries.push((key.to_string(), value));
    }
}

/// An answers file: `.paved/answers.toml` of an earlier generation (its
/// `[answers]` table is used) or a plain table of `variable = value`.
#[derive(Debug, Clone)]
pub struct AnswersFile {
    pub path: PathBuf,
    pub values: toml::Table,
}

impl AnswersFile {
    pub fn read(path: &Path) -> Result<AnswersFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BlueprintError::io(path, "cannot read the answers file", e))?;
        let label = path.display().to_string();
        let mut table: toml::Table = toml::from_str(&text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            BlueprintError::Syntax {
                file: label.clone(),
                line: super::manifest::line_of(&text, offset),
                column: 1,
                message: e.message().trim().to_string(),
            }
        })?;
        let values = match table.remove("answers") {
            Some(toml::Value::Table(answers)) => answers,
            Some(_) => {
                return Err(BlueprintError::invalid(
                    label,
                    None,
                    "`answers` must be a table",
                ))
            }
            None => table,
        };
        Ok(AnswersFile {
            path: path.to_path_buf(),
            values,
        })
    }
}

/// Everything the user supplied up front.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `--set KEY=VALUE`, in command-line order (a later one wins).
    pub sets: Vec<String>,
    pub file: Option<AnswersFile>,
}

/// Asks for one value interactively. `validate` is the same check every other
/// source goes through, so a prompt can re-ask instead of failing.
pub trait Prompter {
    fn ask(
        &mut self,
        variable: &Variable,
        default: Option<&Value>,
        validate: &dyn Fn(&Value) -> std::result::Result<(), String>,
    ) -> Result<Value>;
}

/// Resolves every variable of `bp` for a service called `name`.
pub fn resolve(
    bp: &Blueprint,
    name: &str,
    inputs: &Inputs,
    mut prompter: Option<&mut dyn Prompter>,
) -> Result<Answers> {
    check_service_name(name).map_err(|reason| BlueprintError::InvalidName {
        name: name.to_string(),
        reason,
    })?;
    let manifest = &bp.manifest;
    if manifest.reserved_names.iter().any(|r| r == name) {
        return Err(BlueprintError::InvalidName {
            name: name.to_string(),
            reason: format!(
                "blueprint {} cannot generate a service with this name (it clashes with a \
                 name the generated code depends on); choose another name",
                manifest.id
            ),
        });
    }
    let known: Vec<String> = manifest.variables.iter().map(|v| v.name.clone()).collect();

    let mut sets: BTreeMap<String, String> = BTreeMap::new();
    for set in &inputs.sets {
        let Some((key, value)) = set.split_once('=') else {
            return Err(BlueprintError::invalid(
                "--set",
                None,
                format!("{set:?} is not KEY=VALUE"),
            ));
        };
        let key = key.trim();
        if key == "name" {
            return Err(BlueprintError::invalid(
                "--set",
                None,
                "the service name is the NAME argument of `paved new`, not a --set variable",
            ));
        }
        if !known.iter().any(|k| k == key) {
            return Err(BlueprintError::UnknownVariable {
                key: key.to_string(),
                origin: format!("--set {key}"),
                known: known.clone(),
            });
        }
        sets.insert(key.to_string(), value.to_string());
    }
    if let Some(file) = &inputs.file {
        for key in file.values.keys() {
            if key != "name" && !known.iter().any(|k| k == key) {
                return Err(BlueprintError::UnknownVariable {
                    key: key.clone(),
                    origin: file.path.display().to_string(),
                    known: known.clone(),
                });
            }
        }
    }

    let mut answers = Answers::new(name);
    for var in &manifest.variables {
        let ctx = answers.context();
        if var.when.is_some() {
            let applies =
                templating::eval_condition(&bp.registry, &variable_when_key(&var.name), &ctx)
                    .map_err(|e| condition_error(bp, var, &e))?;
            if !applies {
                if sets.contains_key(&var.name) {
                    return Err(BlueprintError::InvalidAnswer {
                        variable: var.name.clone(),
                        origin: format!("--set {}", var.name),
                        message: format!(
                            "this variable does not apply because its condition `{}` is false for the other answers",
                            var.when.as_deref().unwrap_or_default()
                        ),
                    });
                }
                continue;
            }
        }
        let validate = |v: &Value| validate(var, v);
        let (value, origin) = if let Some(raw) = sets.get(&var.name) {
            (parse_str(var, raw), format!("--set {}", var.name))
        } else if let Some(v) = inputs.file.as_ref().and_then(|f| f.values.get(&var.name)) {
            let file = inputs
                .file
                .as_ref()
                .map(|f| f.path.display().to_string())
                .unwrap_or_default();
            (from_toml(var, v), format!("{file} ({})", var.name))
        } else {
            let default = default_value(bp, var, &ctx)?;
            if let Some(p) = prompter.as_deref_mut() {
                let default = default.filter(|d| validate(d).is_ok());
                (
                    Ok(p.ask(var, default.as_ref(), &validate)?),
                    "prompt".to_string(),
                )
            } else if let Some(default) = default {
                (
                    Ok(default),
                    format!("default of {} in {}/blueprint.toml", var.name, bp.origin),
                )
            } else {
                return Err(BlueprintError::MissingAnswer {
                    variable: var.name.clone(),
                    prompt: var.prompt.clone(),
                });
            }
        };
        let value = value
            .map(normalize_list(var))
            .and_then(|v| validate(&v).map(|()| v))
            .map_err(|message| BlueprintError::InvalidAnswer {
                variable: var.name.clone(),
                origin,
                message,
            })?;
        answers.push(&var.name, value);
    }
    Ok(answers)
}

fn condition_error(bp: &Blueprint, var: &Variable, e: &str) -> BlueprintError {
    BlueprintError::invalid(
        format!("{}/blueprint.toml", bp.origin),
        Some(var.line),
        format!("variable {:?}: `when` failed: {e}", var.name),
    )
}

/// A variable's default with templates rendered against the answers so far.
pub(crate) fn default_value(bp: &Blueprint, var: &Variable, ctx: &Json) -> Result<Option<Value>> {
    match &var.default {
        Some(Value::String(_)) => {
            let rendered = templating::render(&bp.registry, &variable_default_key(&var.name), ctx)
                .map_err(|e| {
                    BlueprintError::invalid(
                        format!("{}/blueprint.toml", bp.origin),
                        Some(var.line),
                        format!("variable {:?}: `default` failed to render: {e}", var.name),
                    )
                })?;
            Ok(Some(Value::String(rendered)))
        }
        other => Ok(other.clone()),
    }
}

/// Multi-choice answers are kept in the order the manifest lists the choices, so the
/// same selection always renders the same bytes.
fn normalize_list(var: &Variable) -> impl Fn(Value) -> Value + '_ {
    move |value| match (&var.kind, value) {
        (VarKind::Multi { choices }, Value::List(items)) => {
            let mut sorted: Vec<String> = choices
                .iter()
                .filter(|c| items.contains(c))
                .cloned()
                .collect();
            sorted.extend(items.into_iter().filter(|i| !choices.contains(i)));
            Value::List(sorted)
        }
        (_, v) => v,
    }
}

/// Parses `--set` text according to the variable's type.
pub fn parse_str(var: &Variable, raw: &str) -> std::result::Result<Value, String> {
    match &var.kind {
        VarKind::String { .. } | VarKind::Choice { .. } => Ok(Value::String(raw.to_string())),
        VarKind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "n" | "off" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("{raw:?} is not a boolean (use true or false)")),
        },
        VarKind::Integer { .. } => raw
            .trim()
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| format!("{raw:?} is not an integer")),
        VarKind::Multi { .. } | VarKind::Cidrs { .. } => Ok(Value::List(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )),
    }
}

fn from_toml(var: &Variable, v: &toml::Value) -> std::result::Result<Value, String> {
    let wrong = |want: &str| format!("expected {want}, found a TOML {}", v.type_str());
    match (&var.kind, v) {
        (VarKind::String { .. } | VarKind::Choice { .. }, toml::Value::String(s)) => {
            Ok(Value::String(s.clone()))
        }
        (VarKind::Bool, toml::Value::Boolean(b)) => Ok(Value::Bool(*b)),
        (VarKind::Integer { .. }, toml::Value::Integer(i)) => Ok(Value::Integer(*i)),
        (VarKind::Multi { .. } | VarKind::Cidrs { .. }, toml::Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| wrong("a list of strings"))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Value::List),
        (VarKind::String { .. } | VarKind::Choice { .. }, _) => Err(wrong("a string")),
        (VarKind::Bool, _) => Err(wrong("a boolean")),
        (VarKind::Integer { .. }, _) => Err(wrong("an integer")),
        (VarKind::Multi { .. } | VarKind::Cidrs { .. }, _) => Err(wrong("a list of strings")),
    }
}

/// Every check a value must pass, whatever its source.
pub fn validate(var: &Variable, value: &Value) -> std::result::Result<(), String> {
    match (&var.kind, value) {
        (VarKind::String { regex, max_length }, Value::String(s)) => {
            if s.is_empty() {
                return Err("must not be empty".to_string());
            }
            check_plain_text(s, *max_length).map_err(|e| format!("{s:?} {e}"))?;
            if let Some(re) = regex {
                if !re
                    .is_match(s)
                    .map_err(|e| format!("the variable's `regex` does not compile: {e}"))?
                {
                    let shown = re
                        .as_str()
                        .strip_prefix("^(?:")
                        .and_then(|r| r.strip_suffix(")$"))
                        .unwrap_or(re.as_str());
                    return Err(format!("{s:?} does not match the pattern {shown}"));
                }
            }
            Ok(())
        }
        (VarKind::Bool, Value::Bool(_)) => Ok(()),
        (VarKind::Integer { min, max }, Value::Integer(i)) => {
            if let Some(min) = min.filter(|m| i < m) {
                return Err(format!("{i} is less than the minimum {min}"));
            }
            if let Some(max) = max.filter(|m| i > m) {
                return Err(format!("{i} is greater than the maximum {max}"));
            }
            Ok(())
        }
        (VarKind::Choice { choices }, Value::String(s)) => {
            if choices.contains(s) {
                Ok(())
            } else {
                Err(format!("{s:?} is not one of: {}", choices.join(", ")))
            }
        }
        (VarKind::Multi { choices }, Value::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !choices.contains(item) {
                    return Err(format!("{item:?} is not one of: {}", choices.join(", ")));
                }
                if items[..i].contains(item) {
                    return Err(format!("{item:?} is given twice"));
                }
            }
            Ok(())
        }
        (VarKind::Cidrs { rules }, Value::List(items)) => rules.check(items),
        (kind, _) => Err(format!("expected a {} value", kind.type_name())),
    }
}
