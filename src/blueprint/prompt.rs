//! Interactive answers through inquire. Prompting is only one way of filling the
//! variable model; every answer still goes through `answers::validate`.

use inquire::validator::Validation;
use inquire::{Confirm, InquireError, MultiSelect, Select, Text};

use super::answers::Prompter;
use super::error::{BlueprintError, Result};
use super::manifest::{VarKind, Variable};
use super::value::Value;

pub struct TerminalPrompter;

fn prompt_error(e: InquireError) -> BlueprintError {
    match e {
        InquireError::OperationCanceled | InquireError::OperationInterrupted => {
            BlueprintError::Prompt("cancelled at a prompt; nothing was written".to_string())
        }
        other => BlueprintError::Prompt(format!(
            "cannot prompt: {other}; use --no-input with --set/--answers instead"
        )),
    }
}

impl Prompter for TerminalPrompter {
    fn ask(
        &mut self,
        var: &Variable,
        default: Option<&Value>,
        validate: &dyn Fn(&Value) -> std::result::Result<(), String>,
    ) -> Result<Value> {
        let help = var.help.as_deref();
        let value = match &var.kind {
            VarKind::String { .. } => {
                let default_text = default.map(Value::to_string);
                let check = |input: &str| {
                    Ok(match validate(&Value::String(input.to_string())) {
                        Ok(()) => Validation::Valid,
                        Err(msg) => Validation::Invalid(msg.into()),
                    })
                };
                let mut p = Text::new(&var.prompt).with_validator(check);
                if let Some(d) = default_text.as_deref() {
                    p = p.with_default(d);
                }
                if let Some(h) = help {
                    p = p.with_help_message(h);
                }
                Value::String(p.prompt().map_err(prompt_error)?)
            }
            VarKind::Bool => {
                let mut p = Confirm::new(&var.prompt);
                if let Some(Value::Bool(b)) = default {
                    p = p.with_default(*b);
                }
                if let Some(h) = help {
                    p = p.with_help_message(h);
                }
                Value::Bool(p.prompt().map_err(prompt_error)?)
            }
            VarKind::Integer { .. } => {
                let check = |input: &str| {
                    Ok(match input.trim().parse::<i64>() {
                        Ok(i) => match validate(&Value::Integer(i)) {
                            Ok(()) => Validation::Valid,
                            Err(msg) => Validation::Invalid(msg.into()),
                        },
                        Err(_) => Validation::Invalid("enter a whole number".into()),
                    })
                };
                let default_text = default.map(Value::to_string);
                let mut p = Text::new(&var.prompt).with_validator(check);
                if let Some(d) = default_text.as_deref() {
                    p = p.with_default(d);
                }
                if let Some(h) = help {
                    p = p.with_help_message(h);
                }
                let text = p.prompt().map_err(prompt_error)?;
                Value::Integer(
                    text.trim()
                        .parse()
                        .map_err(|_| BlueprintError::Prompt("not a whole number".into()))?,
                )
            }
            VarKind::Choice { choices } => {
                let start = match default {
                    Some(Value::String(d)) => choices.iter().position(|c| c == d).unwrap_or(0),
                    _ => 0,
                };
                let mut p = Select::new(&var.prompt, choices.clone()).with_starting_cursor(start);
                if let Some(h) = help {
                    p = p.with_help_message(h);
                }
                Value::String(p.prompt().map_err(prompt_error)?)
            }
            VarKind::Multi { choices } => {
                let selected: Vec<usize> = match default {
                    Some(Value::List(items)) => choices
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| items.contains(c))
                        .map(|(i, _)| i)
                        .collect(),
                    _ => Vec::new(),
                };
                let mut p = MultiSelect::new(&var.prompt, choices.clone()).with_default(&selected);
                if let Some(h) = help {
                    p = p.with_help_message(h);
                }
                Value::List(p.prompt().map_err(prompt_error)?)
            }
            VarKind::Cidrs { .. } => {
                let split = |input: &str| -> Vec<String> {
                    input
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                };
                let check = move |input: &str| {
                    Ok(match validate(&Value::List(split(input))) {
                        Ok(()) => Validation::Valid,
                        Err(msg) => Validation::Invalid(msg.into()),
                    })
                };
                let default_text = default.map(|d| match d {
                    Value::List(items) => items.join(", "),
                    other => other.to_string(),
                });
                let mut p = Text::new(&var.prompt).with_validator(check);
                if let Some(d) = default_text.as_deref() {
                    p = p.with_default(d);
                }
                p = p.with_help_message(help.unwrap_or("comma-separated CIDR blocks"));
                Value::List(split(&p.prompt().map_err(prompt_error)?))
            }
        };
        Ok(value)
    }
}

/// Asks which blueprint to use when several are available and none was named.
pub fn choose_blueprint(options: Vec<String>, start: usize) -> Result<String> {
    Select::new("Blueprint", options)
        .with_starting_cursor(start)
        .prompt()
        .map(|choice| {
            choice
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .map_err(prompt_error)
}
