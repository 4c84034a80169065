//! The repository's security context (exposure, data classification) and how it
//! moves severities. Context comes from the answers recorded in `.paved/answers.toml`,
//! else from `.paved/context.toml`; a bad value is a finding, never a crash.

use std::path::PathBuf;

use crate::blueprint::provenance::Provenance;
use crate::guardrails::model::Model;
use crate::guardrails::model::RepoContext;
use crate::guardrails::{Domain, Hit, Severity};

use super::rules::context::ContextInvalid;
use crate::guardrails::declare::Declared;

pub const CONTEXT_FILE: &str = ".paved/context.toml";
pub const EXPOSURES: &[&str] = &["internet", "internal"];
pub const CLASSIFICATIONS: &[&str] = &["public", "internal", "confidential", "pii"];

/// Reads the context of the repository whose files are `model` and whose
/// `.paved/answers.toml` is `provenance`.
pub fn resolve(model: &Model, provenance: Option<&Provenance>) -> (RepoContext, Vec<Hit>) {
    let mut ctx = RepoContext::default();
    let mut hits = Vec::new();
    if let Some(prov) = provenance {
        let answers_file = PathBuf::from(crate::blueprint::provenance::answers_path());
        take(&prov.answers, &answers_file, &mut ctx, &mut hits, false);
    }
    if ctx.exposure.is_some() && ctx.data_classification.is_some() {
        return (ctx, hits);
    }
    let Some(file) = model.file(CONTEXT_FILE) else {
        return (ctx, hits);
    };
    let path = PathBuf::from(CONTEXT_FILE);
    let Some(text) = &file.text else {
        hits.push(invalid(&path, "is not a readable UTF-8 text file"));
        return (ctx, hits);
    };
    match toml::from_str::<toml::Table>(text) {
        Ok(table) => take(&table, &path, &mut ctx, &mut hits, true),
        Err(e) => hits.push(invalid(
            &path,
            &format!("is not valid TOML: {}", e.message().trim()),
        )),
    }
    (ctx, hits)
}

fn invalid(file: &std::path::Path, message: &str) -> Hit {
    Hit {
        rule: ContextInvalid::ID,
        file: file.to_path_buf(),
        line: None,
        message: format!("{} {message}", file.display()),
        detail: None,
        severity: None,
        span: None,
    }
}

/// Copies `exposure` / `data_classification` from `table` into the unset fields of
/// `ctx`. In a context file (`strict`) other keys are errors; answers hold other
/// variables too.
fn take(
    table: &toml::Table,
    file: &std::path::Path,
    ctx: &mut RepoContext,
    hits: &mut Vec<Hit>,
    strict: bool,
) {
    let mut used = false;
    for (key, value) in table {
        let (slot, allowed) = match key.as_str() {
            "exposure" => (&mut ctx.exposure, EXPOSURES),
            "data_classification" => (&mut ctx.data_classification, CLASSIFICATIONS),
            other => {
                if strict {
                    hits.push(invalid(
                        file,
                        &format!("has an unknown key `{other}`; expected exposure or data_classification"),
                    ));
                }
                continue;
            }
        };
        if slot.is_some() {
            continue;
        }
        match value.as_str() {
            Some(v) if allowed.contains(&v) => {
                *slot = Some(v.to_string());
                used = true;
            }
            _ => hits.push(invalid(
                file,
                &format!(
                    "sets {key} to {value}; expected one of {} (ignored: findings keep their default severity)",
                    allowed.join(", ")
                ),
            )),
        }
    }
    if used && ctx.source.is_none() {
        ctx.source = Some(file.to_path_buf());
    }
}

/// Domains whose findings an internet-facing service exposes directly.
const NETWORK_FACING: &[Domain] = &[
    Domain::Kubernetes,
    Domain::Terraform,
    Domain::Dockerfile,
    Domain::Auth,
];
/// Domains that protect data at rest and in use.
const DATA_PROTECTING: &[Domain] = &[Domain::Terraform, Domain::Secrets, Domain::Auth];
/// Hardening domains whose medium findings matter less behind the perimeter.
const HARDENING: &[Domain] = &[Domain::Kubernetes, Domain::Dockerfile, Domain::Terraform];

/// The severity after context, and why it moved. At most one step either way: several
/// aggravating facts are listed together but raise once.
pub fn adjust(domain: Domain, severity: Severity, ctx: &RepoContext) -> (Severity, Option<String>) {
    if severity == Severity::Info {
        return (severity, None);
    }
    let source = ctx
        .source
        .as_ref()
        .map(|s| format!(" in {}", s.display()))
        .unwrap_or_default();
    let mut reasons = Vec::new();
    if ctx.exposure.as_deref() == Some("internet") && NETWORK_FACING.contains(&domain) {
        reasons.push("exposure = internet".to_string());
    }
    if let Some(class @ ("confidential" | "pii")) = ctx.data_classification.as_deref() {
        if DATA_PROTECTING.contains(&domain) {
            reasons.push(format!("data_classification = {class}"));
        }
    }
    if !reasons.is_empty() {
        let raised = severity.raised();
        if raised == severity {
            return (severity, None);
        }
        return (
            raised,
            Some(format!(
                "raised from {severity} to {raised}: {}{source}",
                reasons.join(" and ")
            )),
        );
    }
    if ctx.exposure.as_deref() == Some("internal")
        && severity == Severity::Medium
        && HARDENING.contains(&domain)
    {
        return (
            Severity::Low,
            Some(format!(
                "lowered from medium to low: exposure = internal{source}"
            )),
        );
    }
    (severity, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(exposure: Option<&str>, data: Option<&str>) -> RepoContext {
        RepoContext {
            exposure: exposure.map(str::to_string),
            data_classification: data.map(str::to_string),
            source: Some(PathBuf::from(".paved/context.toml")),
        }
    }

    #[test]
    fn exposure_and_data_move_severity_one_step() {
        let c = ctx(Some("internet"), Some("pii"));
        let (s, why) = adjust(Domain::Terraform, Severity::Medium, &c);
        assert_eq!(s, Severity::High);
        assert_eq!(
            why.unwrap(),
            "raised from medium to high: exposure = internet and data_classification = pii in .paved/context.toml"
        );
        assert_eq!(
            adjust(Domain::Repository, Severity::Medium, &c).0,
            Severity::Medium
        );
        assert_eq!(
            adjust(Domain::Auth, Severity::Critical, &c),
            (Severity::Critical, None)
        );
        assert_eq!(
            adjust(Domain::Auth, Severity::Info, &c),
            (Severity::Info, None)
        );
        let internal = ctx(Some("internal"), None);
        assert_eq!(
            adjust(Domain::Kubernetes, Severity::Medium, &internal).0,
            Severity::Low
        );
        assert_eq!(
            adjust(Domain::Kubernetes, Severity::High, &internal).0,
            Severity::High
        );
    }

    #[test]
    fn context_file_is_validated() {
        let model = Model::from_memory(&[(
            CONTEXT_FILE,
            "exposure = \"internet\"\ndata_classification = \"secret\"\ncolour = \"red\"\n",
        )]);
        let (c, hits) = resolve(&model, None);
        assert_eq!(c.exposure.as_deref(), Some("internet"));
        assert_eq!(c.data_classification, None);
        assert_eq!(hits.len(), 2);
        assert!(hits.iter().any(|h| h.message.contains("colour")));
        assert!(hits
            .iter()
            .any(|h| h.message.contains("public, internal, confidential, pii")));
        let broken = Model::from_memory(&[(CONTEXT_FILE, "exposure = ")]);
        assert!(resolve(&broken, None).1[0]
            .message
            .contains("not valid TOML"));
    }
}
