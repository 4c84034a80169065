//! IAM policy statements gathered from everywhere Terraform can spell them:
//! `data "aws_iam_policy_document"` blocks, and `policy` attributes written as
//! `jsonencode({…})`, JSON strings or heredocs.

use std::path::Path;

use paved_parse::hcl::{Block, TerraformFile, Value};

use crate::Location;

/// Resources whose `policy` attribute is an identity policy.
pub const IDENTITY_POLICY_RESOURCES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
];

/// Resources whose `policy` attribute is a resource policy (has principals).
pub const RESOURCE_POLICY_RESOURCES: &[&str] = &[
    "aws_s3_bucket_policy",
    "aws_sqs_queue_policy",
    "aws_sns_topic_policy",
    "aws_ecr_repository_policy",
    "aws_kms_key",
    "aws_secretsmanager_secret_policy",
];

/// One policy statement with the literal parts that rules look at.
#[derive(Debug)]
pub struct Statement<'a> {
    pub file: &'a Path,
    /// Where the statement (or the policy attribute holding it) starts.
    pub line: u32,
    /// Line of the actions, when they have their own line (policy documents).
    pub actions_line: u32,
    pub resources_line: u32,
    /// Where it comes from, e.g. `aws_iam_policy.app`.
    pub source: String,
    pub allow: bool,
    /// Literal actions; `None` when they are not literal.
    pub actions: Option<Vec<String>>,
    pub not_actions: bool,
    pub resources: Option<Vec<String>>,
    /// A principal of `*` (or `{"AWS": "*"}`).
    pub any_principal: bool,
    /// Names principals: a resource or trust policy rather than an identity policy.
    pub has_principal: bool,
    pub has_condition: bool,
}

impl<'a> Statement<'a> {
    /// The statement (or the policy attribute holding it).
    pub fn at(&self) -> Location<'a> {
        Location {
            file: self.file,
            line: Some(self.line),
        }
    }

    /// Its actions, when they have a line of their own, else the statement.
    pub fn actions_at(&self) -> Location<'a> {
        Location {
            file: self.file,
            line: Some(self.actions_line),
        }
    }

    /// Its resources, when they have a line of their own, else the statement.
    pub fn resources_at(&self) -> Location<'a> {
        Location {
            file: self.file,
            line: Some(self.resources_line),
        }
    }
}

/// All statements in the repository.
pub(crate) fn statements(terraform: &[TerraformFile]) -> Vec<Statement<'_>> {
    let mut out = Vec::new();
    for tf in terraform {
        for block in &tf.blocks {
            if block.is("data", "aws_iam_policy_document") {
                document_statements(tf, block, &mut out);
            } else if block.kind == "resource" {
                let t = block.type_label();
                if IDENTITY_POLICY_RESOURCES.contains(&t) || RESOURCE_POLICY_RESOURCES.contains(&t)
                {
                    if let Some(attr) = block.attr("policy") {
                        json_statements(tf, block, &attr.value, attr.line, &mut out);
                    }
                }
                if t == "aws_iam_role" {
                    for inline in block.body.blocks("inline_policy") {
                        if let Some(attr) = inline.attr("policy") {
                            json_statements(tf, block, &attr.value, attr.line, &mut out);
                        }
                    }
                }
            }
        }
    }
    out
}

fn literal_strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::List(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    // One unknown item: the known ones still count.
                    _ => out.push(String::new()),
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn document_statements<'a>(tf: &'a TerraformFile, block: &Block, out: &mut Vec<Statement<'a>>) {
    for st in block.body.blocks("statement") {
        let allow = st
            .value("effect")
            .and_then(Value::as_str)
            .map_or(true, |e| e.eq_ignore_ascii_case("allow"));
        let actions_attr = st.attr("actions");
        let resources_attr = st.attr("resources");
        let any_principal = st.body.blocks("principals").any(|p| {
            p.value("identifiers")
                .is_some_and(|ids| ids.strings().contains(&"*"))
                && p.value("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t == "*" || t == "AWS")
        });
        out.push(Statement {
            file: &tf.path,
            line: st.line,
            actions_line: actions_attr.map_or(st.line, |a| a.line),
            resources_line: resources_attr.map_or(st.line, |a| a.line),
            source: block.address(),
            allow,
            actions: actions_attr.and_then(|a| literal_strings(&a.value)),
            not_actions: st.attr("not_actions").is_some(),
            resources: resources_attr.and_then(|a| literal_strings(&a.value)),
            any_principal,
            has_principal: st.body.block("principals").is_some()
                || st.body.block("not_principals").is_some(),
            has_condition: st.body.block("condition").is_some(),
        });
    }
}

/// The policy as a value: objects as they are, JSON text parsed.
fn policy_value(v: &Value) -> Option<Value> {
    match v {
        Value::Object(..) => Some(v.clone()),
        Value::String(s) | Value::Template(s) => {
            let json: serde_json::Value = serde_json::from_str(s.trim()).ok()?;
            Some(Value::from_json(&json))
        }
        _ => None,
    }
}

pub(crate) fn json_statements<'a>(
    tf: &'a TerraformFile,
    block: &Block,
    value: &Value,
    line: u32,
    out: &mut Vec<Statement<'a>>,
) {
    let Some(policy) = policy_value(value) else {
        return;
    };
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::List(items)) => items.iter().collect(),
        Some(obj @ Value::Object(..)) => vec![obj],
        _ => return,
    };
    for st in statements {
        let allow = st
            .get("Effect")
            .and_then(Value::as_str)
            .map_or(true, |e| e.eq_ignore_ascii_case("allow"));
        let any_principal = match st.get("Principal") {
            Some(Value::String(s)) => s == "*",
            Some(p @ Value::Object(..)) => p.get("AWS").is_some_and(|a| a.strings().contains(&"*")),
            _ => false,
        };
        out.push(Statement {
            file: &tf.path,
            line: st.line().unwrap_or(line),
            actions_line: st.line().unwrap_or(line),
            resources_line: st.line().unwrap_or(line),
            source: block.address(),
            allow,
            actions: st.get("Action").and_then(literal_strings),
            not_actions: st.get("NotAction").is_some(),
            resources: st.get("Resource").and_then(literal_strings),
            any_principal,
            has_principal: st.get("Principal").is_some() || st.get("NotPrincipal").is_some(),
            has_condition: st.get("Condition").is_some(),
        });
    }
}
