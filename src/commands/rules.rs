//! `paved rules` and `paved explain ID`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::bail;

use crate::cli::{PolicyArgs, RulesArgs, RulesFormat};
use crate::drift::rules;
use crate::guardrails::docs;
use crate::guardrails::policy::{suggest, Policy};

fn policy(args: &PolicyArgs) -> anyhow::Result<Policy> {
    Ok(Policy::load(
        args.guardrails.as_deref(),
        &args.profile,
        rules::catalog().map(|r| &r.meta),
    )?)
}

pub fn list(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    let policy = policy(&args.policy)?;
    let text = match args.format {
        RulesFormat::Human => {
            docs::human(&docs::entries(rules::catalog(), &policy), &policy.profile)
        }
        RulesFormat::Json => {
            let mut s = serde_json::to_string_pretty(&docs::entries(rules::catalog(), &policy))?;
            s.push('\n');
            s
        }
        RulesFormat::Markdown => docs::markdown(rules::catalog()),
    };
    write!(std::io::stdout(), "{text}")?;
    Ok(ExitCode::SUCCESS)
}

pub fn explain(id: &str) -> anyhow::Result<ExitCode> {
    let Some(rule) = rules::find(id) else {
        let hint = suggest(id, rules::catalog().map(|r| r.meta.id))
            .map(|s| format!("; did you mean {s}?"))
            .unwrap_or_else(|| "; `paved rules` lists every rule".to_string());
        bail!("no rule with id {id:?}{hint}");
    };
    let policy = Policy::load(
        None,
        crate::guardrails::policy::DEFAULT_PROFILE,
        rules::catalog().map(|r| &r.meta),
    )?;
    write!(std::io::stdout(), "{}", docs::explain(&rule.meta, &policy))?;
    Ok(ExitCode::SUCCESS)
}
