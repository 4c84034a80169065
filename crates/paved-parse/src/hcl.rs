//! Terraform (HCL) parser: every `*.tf` file parsed with `hcl-edit` (which keeps byte
//! spans and bounds its own nesting depth) and converted into a small model of
//! blocks, attributes and values with 1-based line numbers.
//!
//! Values are kept as far as they are literal: strings, numbers, bools, lists,
//! objects, `jsonencode(…)` of those, and heredocs. Templates with interpolations keep
//! their literal text with each interpolation written as `${…}`, so a heredoc JSON
//! policy that mentions `${aws_s3_bucket.b.arn}` still parses. References
//! (`aws_s3_bucket.b.id`, `var.x`) are kept as text; everything else is
//! [`Value::Unknown`], which rules never treat as a finding by itself.

use std::ops::Range;
use std::path::PathBuf;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Body as HclBody, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;

use crate::files::{SourceFile, Warning};

/// Larger `.tf` files are skipped with a warning.
pub const MAX_BYTES: usize = 2 << 20;

/// Written in place of each interpolation in a template's text.
pub const INTERPOLATION: &str = "${…}";

#[derive(Clone, Debug, PartialEq)]
pub struct TerraformFile {
    pub path: PathBuf,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// `resource`, `data`, `provider`, `ingress`, …
    pub kind: String,
    pub labels: Vec<String>,
    /// Line of the block header.
    pub line: u32,
    pub body: Body,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub line: u32,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// A string with interpolations; each one is written as [`INTERPOLATION`].
    Template(String),
    List(Vec<Value>),
    /// Entries in order, and the line of the opening brace (0 when it has none, e.g.
    /// an object parsed from JSON text).
    Object(u32, Vec<(String, Value)>),
    /// A traversal such as `aws_s3_bucket.logs.id`, `var.x`, `local.y[0]`.
    Reference(String),
    /// Anything not literal (calls, conditionals, for-expressions, operations).
    Unknown,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A bool, also from the strings `"true"` / `"false"` Terraform converts.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// Line of an object literal, when known.
    pub fn line(&self) -> Option<u32> {
        match self {
            Value::Object(line, _) if *line > 0 => Some(*line),
            _ => None,
        }
    }

    pub fn as_reference(&self) -> Option<&str> {
        match self {
            Value::Reference(r) => Some(r),
            _ => None,
        }
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(_, entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The strings of a string or a list of strings; other items are skipped.
    pub fn strings(&self) -> Vec<&str> {
        match self {
            Value::String(s) => vec![s.as_str()],
            Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Converts JSON (e.g. a parsed policy document) into a value.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map(Value::Number).unwrap_or(Value::Unknown),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Object(
                0,
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.attr(name).map(|a| &a.value)
    }

    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    pub fn block(&self, kind: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.kind == kind)
    }
}

impl Block {
    /// `resource "TYPE" "NAME"` (or `data`) of the given type.
    pub fn is(&self, kind: &str, type_: &str) -> bool {
        self.kind == kind && self.labels.first().map(String::as_str) == Some(type_)
    }

    pub fn type_label(&self) -> &str {
        self.labels.first().map(String::as_str).unwrap_or("")
    }

    pub fn name_label(&self) -> &str {
        self.labels.get(1).map(String::as_str).unwrap_or("")
    }

    /// `TYPE.NAME` (or `data.TYPE.NAME` for data sources), as references spell it.
    pub fn address(&self) -> String {
        match self.kind.as_str() {
            "data" => format!("data.{}.{}", self.type_label(), self.name_label()),
            _ => format!("{}.{}", self.type_label(), self.name_label()),
        }
    }

    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.body.attr(name)
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.body.value(name)
    }
}

impl TerraformFile {
    /// `resource "TYPE" …` blocks of this file.
    pub fn resources<'a>(&'a self, type_: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.is("resource", type_))
    }

    pub fn data<'a>(&'a self, type_: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.is("data", type_))
    }
}

pub fn collect(files: &[SourceFile], warnings: &mut Vec<Warning>) -> Vec<TerraformFile> {
    let mut out = Vec::new();
    for file in files {
        if !file.file_name().ends_with(".tf") {
            continue;
        }
        let Some(text) = &file.text else { continue };
        if text.len() > MAX_BYTES {
            warnings.push(Warning {
                file: file.path.clone(),
                message: format!(
                    "Terraform file larger than {} KiB, not audited",
                    MAX_BYTES / 1024
                ),
            });
            continue;
        }
        match parse(file.path.clone(), text) {
            Ok(tf) => out.push(tf),
            Err(message) => warnings.push(Warning {
                file: file.path.clone(),
                message,
            }),
        }
    }
    out
}

/// Parses one file; the error is a `line N: …` message.
pub fn parse(path: PathBuf, text: &str) -> Result<TerraformFile, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = hcl_edit::parser::parse_body(text).map_err(|e| {
        let msg = e
            .message()
            .lines()
            .next()
            .unwrap_or("syntax error")
            .trim()
            .to_owned();
        format!(
            "line {}: invalid HCL, not audited: {msg}",
            e.location().line()
        )
    })?;
    let lines = LineIndex::new(text);
    let converted = convert_body(&body, &lines);
    Ok(TerraformFile {
        path,
        blocks: converted.blocks,
    })
}

struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line(&self, span: Option<Range<usize>>) -> u32 {
        let offset = span.map(|r| r.start).unwrap_or(0);
        let idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        u32::try_from(idx + 1).unwrap_or(u32::MAX)
    }
}

fn convert_body(body: &HclBody, lines: &LineIndex) -> Body {
    let mut out = Body::default();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => out.attributes.push(Attribute {
                name: attr.key.as_str().to_owned(),
                line: lines.line(attr.span()),
                value: convert_expr(&attr.value, lines),
            }),
            Structure::Block(block) => out.blocks.push(Block {
                kind: block.ident.as_str().to_owned(),
                labels: block.labels.iter().map(|l| l.as_str().to_owned()).collect(),
                line: lines.line(block.span()),
                body: convert_body(&block.body, lines),
            }),
        }
    }
    out
}

fn convert_expr(expr: &Expression, lines: &LineIndex) -> Value {
    match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => n
            .value()
            .as_f64()
            .map(Value::Number)
            .unwrap_or(Value::Unknown),
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::Array(items) => {
            Value::List(items.iter().map(|e| convert_expr(e, lines)).collect())
        }
        Expression::Object(obj) => Value::Object(
            lines.line(obj.span()),
            obj.iter()
                .filter_map(|(k, v)| {
                    object_key(k, lines).map(|k| (k, convert_expr(v.expr(), lines)))
                })
                .collect(),
        ),
        Expression::StringTemplate(t) => template_value(t, lines),
        Expression::HeredocTemplate(h) => {
            let value = template_value(&h.template, lines);
            match (h.indent(), value) {
                (Some(n), Value::String(s)) => Value::String(dedent(&s, n)),
                (Some(n), Value::Template(s)) => Value::Template(dedent(&s, n)),
                (_, v) => v,
            }
        }
        Expression::Parenthesis(p) => convert_expr(p.inner(), lines),
        Expression::Variable(v) => Value::Reference(v.as_str().to_owned()),
        Expression::Traversal(t) => traversal_text(lines, &t.expr, &t.operators)
            .map(Value::Reference)
            .unwrap_or(Value::Unknown),
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            if !call.name.is_namespaced()
                && (name == "jsonencode" || name == "tolist" || name == "toset")
                && call.args.len() == 1
            {
                call.args
                    .get(0)
                    .map(|e| convert_expr(e, lines))
                    .unwrap_or(Value::Unknown)
            } else {
                Value::Unknown
            }
        }
        _ => Value::Unknown,
    }
}

fn object_key(key: &ObjectKey, lines: &LineIndex) -> Option<String> {
    match key {
        ObjectKey::Ident(i) => Some(i.as_str().to_owned()),
        ObjectKey::Expression(e) => match convert_expr(e, lines) {
            Value::String(s) => Some(s),
            Value::Reference(r) => Some(r),
            _ => None,
        },
    }
}

fn traversal_text(
    lines: &LineIndex,
    base: &Expression,
    ops: &[hcl_edit::Decorated<TraversalOperator>],
) -> Option<String> {
    let mut out = match base {
        Expression::Variable(v) => v.as_str().to_owned(),
        _ => return None,
    };
    for op in ops {
        match op.value() {
            TraversalOperator::GetAttr(a) => {
                out.push('.');
                out.push_str(a.as_str());
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                out.push_str("[*]")
            }
            TraversalOperator::LegacyIndex(i) => out.push_str(&format!("[{}]", i.value())),
            TraversalOperator::Index(e) => match convert_expr(e, lines) {
                Value::Number(n) => out.push_str(&format!("[{n}]")),
                Value::String(s) => out.push_str(&format!("[\"{s}\"]")),
                _ => out.push_str("[…]"),
            },
        }
    }
    Some(out)
}

/// A template's text: literal when it has no interpolations or directives; a lone
/// `"${ref}"` becomes that reference.
fn template_value(t: &Template, lines: &LineIndex) -> Value {
    let elements: Vec<&Element> = t.iter().collect();
    if let [Element::Interpolation(i)] = elements.as_slice() {
        if let v @ Value::Reference(_) = convert_expr(&i.expr, lines) {
            return v;
        }
    }
    let mut text = String::new();
    let mut literal = true;
    for e in elements {
        match e {
            Element::Literal(s) => text.push_str(s.value()),
            _ => {
                literal = false;
                text.push_str(INTERPOLATION);
            }
        }
    }
    if literal {
        Value::String(text)
    } else {
        Value::Template(text)
    }
}

fn dedent(s: &str, n: usize) -> String {
    s.lines()
        .map(|l| {
            let strip = l.len() - l.trim_start_matches([' ', '\t']).len();
            &l[strip.min(n)..]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> TerraformFile {
        parse(PathBuf::from("main.tf"), text).expect("parses")
    }

    #[test]
    fn blocks_attributes_and_lines() {
        let tf = p(r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0", var.extra]
  }
}
"#);
        assert_eq!(tf.blocks.len(), 2);
        let sg = &tf.blocks[1];
        assert!(sg.is("resource", "aws_security_group"));
        assert_eq!(sg.line, 6);
        assert_eq!(sg.address(), "aws_security_group.web");
        let ing = sg.body.block("ingress").unwrap();
        assert_eq!(ing.line, 8);
        assert_eq!(ing.attr("from_port").unwrap().line, 9);
        assert_eq!(ing.value("to_port").unwrap().as_number(), Some(443.0));
        assert_eq!(
            ing.value("cidr_blocks").unwrap(),
            &Value::List(vec![
                Value::String("0.0.0.0/0".into()),
                Value::Reference("var.extra".into())
            ])
        );
    }

    #[test]
    fn values_jsonencode_heredoc_templates_references() {
        let tf = p(r#"
resource "x" "y" {
  a = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = aws_s3_bucket.b.arn }] })
  b = <<-EOT
    {"Statement": [{"Effect": "Allow", "Resource": "${aws_s3_bucket.b.arn}/*"}]}
  EOT
  c = "${aws_s3_bucket.b.id}"
  d = "arn:${var.p}:x"
  e = local.list[0]
  f = true
  g = null
  h = var.on ? 1 : 2
  i = data.aws_iam_policy_document.p.json
}
"#);
        let b = &tf.blocks[0];
        let a = b.value("a").unwrap();
        let st = &a.get("Statement").unwrap().as_list().unwrap()[0];
        assert_eq!(st.get("Action").unwrap().as_str(), Some("*"));
        assert_eq!(
            st.get("Resource").unwrap().as_reference(),
            Some("aws_s3_bucket.b.arn")
        );
        match b.value("b").unwrap() {
            Value::Template(t) => {
                assert!(t.starts_with("{\"Statement\""), "{t}");
                assert!(t.contains("${…}/*"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            b.value("c").unwrap().as_reference(),
            Some("aws_s3_bucket.b.id")
        );
        assert_eq!(b.value("d").unwrap(), &Value::Template("arn:${…}:x".into()));
        assert_eq!(b.value("e").unwrap().as_reference(), Some("local.list[0]"));
        assert_eq!(b.value("f").unwrap().as_bool(), Some(true));
        assert_eq!(b.value("g").unwrap(), &Value::Null);
        assert_eq!(b.value("h").unwrap(), &Value::Unknown);
        assert_eq!(
            b.value("i").unwrap().as_reference(),
            Some("data.aws_iam_policy_document.p.json")
        );
    }

    #[test]
    fn malformed_and_hostile_input_become_warnings() {
        let files = vec![
            SourceFile {
                path: PathBuf::from("bad.tf"),
                size: 0,
                executable: false,
                text: Some("resource \"a\" \"b\" {\n  x = \n".into()),
            },
            SourceFile {
                path: PathBuf::from("deep.tf"),
                size: 0,
                executable: false,
                text: Some(format!(
                    "x = {}1{}\n",
                    "[".repeat(10_000),
                    "]".repeat(10_000)
                )),
            },
            SourceFile {
                path: PathBuf::from("ops.tf"),
                size: 0,
                executable: false,
                text: Some(format!("x = 1{}\n", " + 1".repeat(10_000))),
            },
            SourceFile {
                path: PathBuf::from("notes.tf.json"),
                size: 0,
                executable: false,
                text: Some("{".into()),
            },
        ];
        let mut warnings = Vec::new();
        let parsed = collect(&files, &mut warnings);
        assert!(parsed.is_empty());
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].message.starts_with("line "), "{warnings:?}");
    }
}
