//! `paved blueprint check DIR`: everything a blueprint author needs to know before
//! publishing — manifest schema, template syntax, variables used but not declared
//! (or declared but never used), and that rendering works for the defaults and for
//! every choice a user can make, one variable at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use handlebars::template::{BlockParam, HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::PathSeg;

use super::answers::{self, AnswersFile, Inputs};
use super::manifest::{VarKind, BUILTIN_VARIABLES};
use super::model::{
    name_key, rule_when_key, variable_default_key, variable_when_key, Blueprint, PARTIALS_DIR,
    RENDER_SUFFIX,
};
use super::render;
use super::source;
use super::templating::HELPERS;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            _ if self.file.is_empty() => f.write_str(&self.message),
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Debug)]
pub struct CheckReport {
    /// `id version`, when the blueprint loaded at all.
    pub blueprint: Option<String>,
    pub templates: usize,
    pub renders: usize,
    /// Frozen releases checked (`releases/<version>/`).
    pub releases: usize,
    pub errors: Vec<Diagnostic>,
}

pub fn check_dir(dir: &Path) -> CheckReport {
    match source::load_dir(dir) {
        Ok(bp) => {
            let mut report = check(&bp);
            let (errors, releases) = super::releases::check_releases(dir, &bp);
            report.errors.extend(errors);
            report.releases = releases;
            report
        }
        Err(e) => CheckReport {
            blueprint: None,
            templates: 0,
            renders: 0,
            releases: 0,
            errors: vec![Diagnostic::whole(e.to_string())],
        },
    }
}

impl Diagnostic {
    /// Engine errors already read "file:line: message"; keep them whole.
    fn whole(message: String) -> Diagnostic {
        Diagnostic {
            file: String::new(),
            line: None,
            message,
        }
    }
}

/// What a check reports beyond errors every blueprint must fix.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A variable nothing uses. Off when checking a layer on its own: a layer may
    /// declare variables for the blueprints built on it.
    pub report_unused: bool,
}

pub fn check(bp: &Blueprint) -> CheckReport {
    check_with(
        bp,
        Options {
            report_unused: true,
        },
    )
}

/// Where each name is referred to (file, line), and variables whose `when` or
/// `default` refers to one asked later.
type Uses = BTreeMap<String, Vec<(String, Option<usize>)>>;

fn uses(bp: &Blueprint) -> (Uses, BTreeSet<Diagnostic>) {
    let mut errors = BTreeSet::new();
    let mut uses: Uses = BTreeMap::new();
    let mut record = |name: String, file: String, line: Option<usize>| {
        uses.entry(name).or_default().push((file, line))
    };
    for (index, t) in bp.templates.iter().enumerate() {
        if let Some(tpl) = t.is_rendered().then(|| bp.body(index).ok()).flatten() {
            for (name, line) in references(tpl) {
                record(name, bp.label(&t.path), Some(line));
            }
        }
        for component in t.rule_path().split('/') {
            if let Some(tpl) = bp.registry.get_template(&name_key(component)) {
                for (name, _) in references(tpl) {
                    record(name, format!("{} (file name)", bp.label(&t.path)), None);
                }
            }
        }
    }
    for name in &bp.partials {
        if let Some(tpl) = bp.registry.get_template(name) {
            let label = bp.file_label(&format!("{PARTIALS_DIR}/{name}{RENDER_SUFFIX}"));
            for (used, line) in references(tpl) {
                record(used, label.clone(), Some(line));
            }
        }
    }
    for v in &bp.manifest.variables {
        let (manifest_label, line) = bp.variable_site(&v.name, v.line);
        for key in [variable_when_key(&v.name), variable_default_key(&v.name)] {
            if let Some(tpl) = bp.registry.get_template(&key) {
                for (name, _) in references(tpl) {
                    let declared_before = BUILTIN_VARIABLES.contains(&name.as_str())
                        || bp
                            .manifest
                            .variables
                            .iter()
                            .take_while(|w| w.name != v.name)
                            .any(|w| w.name == name);
                    if !declared_before && bp.manifest.variable(&name).is_some() {
                        errors.insert(Diagnostic {
                            file: manifest_label.clone(),
                            line: Some(line),
                            message: format!("variable {:?} refers to {name:?}, which is asked later; move it after {name:?}", v.name),
                        });
                    }
                    record(name, manifest_label.clone(), Some(line));
                }
            }
        }
    }
    for (i, rule) in bp.manifest.files.iter().enumerate() {
        if let Some(tpl) = bp.registry.get_template(&rule_when_key(i)) {
            let (file, line) = bp.rule_site(i, rule.line);
            for (name, _) in references(tpl) {
                record(name, file.clone(), Some(line));
            }
        }
    }

    (uses, errors)
}

/// Names used but declared nowhere: not a variable, a built-in, a helper, a block
/// parameter, nor an argument some partial is given (`{{> part who=name}}`).
/// Strict mode only catches them on the branch that renders; this finds them all.
pub fn undeclared(bp: &Blueprint) -> Vec<Diagnostic> {
    undeclared_in(bp, &uses(bp).0).into_iter().collect()
}

fn undeclared_in(bp: &Blueprint, uses: &Uses) -> BTreeSet<Diagnostic> {
    let known = bp.manifest.known_names();
    let arguments = partial_arguments(bp);
    let mut errors = BTreeSet::new();
    for (name, places) in uses {
        if !known.contains(name) && !arguments.contains(name) {
            for (file, line) in places {
                errors.insert(Diagnostic {
                    file: file.clone(),
                    line: *line,
                    message: format!(
                        "uses {name:?}, which is not a declared variable (declared: {})",
                        known.join(", ")
                    ),
                });
            }
        }
    }
    errors
}

/// Hash argument names of every partial call in the blueprint.
fn partial_arguments(bp: &Blueprint) -> BTreeSet<String> {
    fn walk(tpl: &Template, out: &mut BTreeSet<String>) {
        for element in &tpl.elements {
            match element {
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    out.extend(d.hash.keys().cloned());
                }
                _ => {}
            }
            match element {
                TemplateElement::Expression(h)
                | TemplateElement::HtmlExpression(h)
                | TemplateElement::HelperBlock(h) => {
                    for t in h.template.iter().chain(&h.inverse) {
                        walk(t, out);
                    }
                }
                TemplateElement::DecoratorExpression(d)
                | TemplateElement::DecoratorBlock(d)
                | TemplateElement::PartialExpression(d)
                | TemplateElement::PartialBlock(d) => {
                    if let Some(t) = &d.template {
                        walk(t, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = BTreeSet::new();
    for tpl in bp.registry.get_templates().values() {
        walk(tpl, &mut out);
    }
    if bp.is_built_in() {
        // Its bodies are not in the registry (they compile on first use).
        for (index, t) in bp.templates.iter().enumerate() {
            if let Some(tpl) = t.is_rendered().then(|| bp.body(index).ok()).flatten() {
                walk(tpl, &mut out);
            }
        }
    }
    out
}

pub fn check_with(bp: &Blueprint, options: Options) -> CheckReport {
    let (uses, mut errors) = uses(bp);
    errors.extend(undeclared_in(bp, &uses));
    for v in &bp.manifest.variables {
        if options.report_unused && !uses.contains_key(&v.name) {
            let (file, line) = bp.variable_site(&v.name, v.line);
            errors.insert(Diagnostic {
                file,
                line: Some(line),
                message: format!(
                    "variable {:?} is declared but no template, file name or condition uses it",
                    v.name
                ),
            });
        }
    }
    for (i, rule) in bp.manifest.files.iter().enumerate() {
        if !bp
            .templates
            .iter()
            .any(|t| rule.matcher.is_match(t.rule_path()))
        {
            let (file, line) = bp.rule_site(i, rule.line);
            errors.insert(Diagnostic {
                file,
                line: Some(line),
                message: format!(
                    "[[files]] rule {} ({:?}) matches no template",
                    i + 1,
                    rule.pattern
                ),
            });
        }
    }

    let mut renders = 0;
    for (what, inputs) in answer_sets(bp) {
        let answers = match answers::resolve(bp, "example-svc", &inputs, None) {
            Ok(a) => a,
            Err(super::BlueprintError::InvalidAnswer { message, .. })
                if message.contains("does not apply") =>
            {
                continue
            }
            Err(e) => {
                errors.insert(Diagnostic::whole(format!("{e} (rendering with {what})")));
                continue;
            }
        };
        renders += 1;
        if let Err(e) = render::render(bp, &answers) {
            errors.insert(Diagnostic::whole(format!("{e} (rendering with {what})")));
        }
    }

    CheckReport {
        blueprint: Some(format!("{} {}", bp.manifest.id, bp.manifest.version)),
        templates: bp.templates.len(),
        renders,
        releases: 0,
        errors: errors.into_iter().collect(),
    }
}

/// The answer sets `check` renders, each with a label (`the defaults`, `auth="api-key"`):
/// the inputs to resolve against the blueprint. Some do not apply (a choice of a
/// variable whose `when` is false by default); resolving those fails with "does not
/// apply" and they are skipped.
pub fn answer_sets(bp: &Blueprint) -> Vec<(String, Inputs)> {
    variations(bp)
        .into_iter()
        .map(|(what, sets)| {
            (
                what,
                Inputs {
                    sets,
                    file: Some(samples(bp)),
                },
            )
        })
        .collect()
}

/// Answer sets to render: the defaults, then each choice, flag and selection of one
/// variable at a time (a full product would grow exponentially).
fn variations(bp: &Blueprint) -> Vec<(String, Vec<String>)> {
    let mut out = vec![("the defaults".to_string(), Vec::new())];
    for v in &bp.manifest.variables {
        let values: Vec<String> = match &v.kind {
            VarKind::Choice { choices } => choices.clone(),
            VarKind::Bool => vec!["true".into(), "false".into()],
            VarKind::Multi { choices } => {
                let mut sel = vec![String::new(), choices.join(",")];
                sel.extend(choices.iter().cloned());
                sel
            }
            _ => continue,
        };
        for value in values {
            out.push((
                format!("{}={value:?}", v.name),
                vec![format!("{}={value}", v.name)],
            ));
        }
    }
    out
}

/// Values for variables without a default, given as an answers file so that they
/// are ignored where the variable does not apply.
fn samples(bp: &Blueprint) -> AnswersFile {
    let mut values = toml::Table::new();
    for v in bp.manifest.variables.iter().filter(|v| v.default.is_none()) {
        let sample = match &v.kind {
            VarKind::String { .. } => toml::Value::String("example".to_string()),
            VarKind::Bool => toml::Value::Boolean(false),
            VarKind::Integer { min, .. } => toml::Value::Integer(min.unwrap_or(0).max(0)),
            VarKind::Choice { choices } => toml::Value::String(choices[0].clone()),
            VarKind::Multi { choices } => toml::Value::Array(
                choices
                    .iter()
                    .map(|c| toml::Value::String(c.clone()))
                    .collect(),
            ),
            // A documentation range (RFC 5737): valid under any blueprint minimum.
            VarKind::Cidrs { .. } => {
                toml::Value::Array(vec![toml::Value::String("192.0.2.0/24".to_string())])
            }
        };
        values.insert(v.name.clone(), sample);
    }
    AnswersFile {
        path: "sample values for variables without a default".into(),
        values,
    }
}

/// Top-level names a template refers to, with the line of each reference.
pub fn references(tpl: &Template) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    walk(tpl, &mut Vec::new(), &mut out);
    out
}

fn walk(tpl: &Template, locals: &mut Vec<String>, out: &mut Vec<(String, usize)>) {
    for (i, element) in tpl.elements.iter().enumerate() {
        let line = tpl.mapping.get(i).map_or(1, |m| m.0);
        element_refs(element, line, locals, out);
    }
}

fn element_refs(
    element: &TemplateElement,
    line: usize,
    locals: &mut Vec<String>,
    out: &mut Vec<(String, usize)>,
) {
    match element {
        TemplateElement::Expression(h)
        | TemplateElement::HtmlExpression(h)
        | TemplateElement::HelperBlock(h) => helper_refs(h, line, locals, out),
        TemplateElement::DecoratorExpression(d)
        | TemplateElement::DecoratorBlock(d)
        | TemplateElement::PartialExpression(d)
        | TemplateElement::PartialBlock(d) => {
            for p in d.params.iter().chain(d.hash.values()) {
                param_refs(p, line, locals, out);
            }
            if let Some(t) = &d.template {
                walk(t, locals, out);
            }
        }
        _ => {}
    }
}

fn helper_refs(
    h: &HelperTemplate,
    line: usize,
    locals: &mut Vec<String>,
    out: &mut Vec<(String, usize)>,
) {
    // `{{x}}` parses as a helper call named x with no arguments.
    if h.params.is_empty() && h.hash.is_empty() {
        param_refs(&h.name, line, locals, out);
    } else if let Parameter::Path(_) = &h.name {
        param_refs(&h.name, line, locals, out);
    }
    for p in h.params.iter().chain(h.hash.values()) {
        param_refs(p, line, locals, out);
    }
    let pushed = match &h.block_param {
        Some(BlockParam::Single(p)) => push_local(p, locals),
        Some(BlockParam::Pair((a, b))) => push_local(a, locals) + push_local(b, locals),
        _ => 0,
    };
    if let Some(t) = &h.template {
        walk(t, locals, out);
    }
    if let Some(t) = &h.inverse {
        walk(t, locals, out);
    }
    locals.truncate(locals.len() - pushed);
}

fn push_local(p: &Parameter, locals: &mut Vec<String>) -> usize {
    match p {
        Parameter::Name(n) => {
            locals.push(n.clone());
            1
        }
        _ => 0,
    }
}

fn param_refs(
    p: &Parameter,
    line: usize,
    locals: &mut Vec<String>,
    out: &mut Vec<(String, usize)>,
) {
    let name = match p {
        Parameter::Name(n) => Some(n.clone()),
        Parameter::Path(handlebars::Path::Relative((segs, _))) => match segs.first() {
            Some(PathSeg::Named(n)) => Some(n.clone()),
            _ => None,
        },
        Parameter::Subexpression(s) => {
            element_refs(&s.element, line, locals, out);
            None
        }
        _ => None,
    };
    if let Some(name) = name {
        if !HELPERS.contains(&name.as_str()) && !locals.contains(&name) && name != "this" {
            out.push((name, line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<(String, usize)> {
        references(&Template::compile(src).unwrap())
    }

    #[test]
    fn finds_references_with_lines() {
        let r = refs("a {{name}}\n{{#if (eq auth \"jwt\")}}\n{{snake_case owner}}{{/if}}\n{{#each iac as |item|}}{{item}}{{this}}{{/each}}");
        let names: Vec<_> = r.iter().map(|(n, l)| format!("{n}@{l}")).collect();
        assert!(names.contains(&"name@1".to_string()), "{names:?}");
        assert!(names.contains(&"auth@2".to_string()), "{names:?}");
        assert!(names.iter().any(|n| n.starts_with("owner@3")), "{names:?}");
        assert!(names.iter().any(|n| n.starts_with("iac@")), "{names:?}");
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with("item@") || n.starts_with("this@") || n.starts_with("eq@")),
            "{names:?}"
        );
    }
}
