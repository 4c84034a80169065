//! The Handlebars set-up shared by rendering, conditions and defaults: strict
//! mode, no HTML escaping, and a fixed set of pure helpers. No helper touches the
//! file system, the network or a script engine, so rendering cannot run code.

use handlebars::template::Template;
use handlebars::{
    handlebars_helper, Context, Handlebars, RenderContext, RenderError, Renderable, TemplateError,
    WriteOutput,
};
use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase, ToUpperCamelCase,
};
use serde_json::Value as Json;

use super::limits;

handlebars_helper!(snake_case: |s: str| s.to_snake_case());
handlebars_helper!(kebab_case: |s: str| s.to_kebab_case());
handlebars_helper!(pascal_case: |s: str| s.to_upper_camel_case());
handlebars_helper!(camel_case: |s: str| s.to_lower_camel_case());
handlebars_helper!(shouty_snake_case: |s: str| s.to_shouty_snake_case());
handlebars_helper!(title_case: |s: str| s.to_title_case());
handlebars_helper!(lower: |s: str| s.to_lowercase());
handlebars_helper!(upper: |s: str| s.to_uppercase());
handlebars_helper!(contains: |list: array, item: str| list.iter().any(|v| v.as_str() == Some(item)));
handlebars_helper!(toml_str: |s: str| toml_edit::Value::from(s).to_string().trim().to_string());
handlebars_helper!(yaml_str: |s: str| yaml_quote(s));
handlebars_helper!(json_str: |s: str| serde_json::to_string(s).unwrap_or_default());
handlebars_helper!(shell_quote: |s: str| shell_quote_word(s));

/// Names of our helpers and Handlebars' built-in ones; never variable references.
pub const HELPERS: &[&str] = &[
    "snake_case",
    "kebab_case",
    "pascal_case",
    "camel_case",
    "shouty_snake_case",
    "title_case",
    "lower",
    "upper",
    "contains",
    "toml_str",
    "yaml_str",
    "json_str",
    "shell_quote",
    // built into handlebars
    "if",
    "unless",
    "each",
    "with",
    "lookup",
    "raw",
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "and",
    "or",
    "not",
    "len",
    "log",
];

/// A YAML double-quoted scalar. JSON string syntax is valid YAML 1.2 here, and it
/// escapes every character that could end the scalar.
fn yaml_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// One POSIX shell word that expands to exactly `s`.
fn shell_quote_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub fn registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    // Partial indentation rewrites output whitespace; byte-for-byte stable output
    // matters more.
    hb.set_prevent_indent(true);
    hb.register_helper("snake_case", Box::new(snake_case));
    hb.register_helper("kebab_case", Box::new(kebab_case));
    hb.register_helper("pascal_case", Box::new(pascal_case));
    hb.register_helper("camel_case", Box::new(camel_case));
    hb.register_helper("shouty_snake_case", Box::new(shouty_snake_case));
    hb.register_helper("title_case", Box::new(title_case));
    hb.register_helper("lower", Box::new(lower));
    hb.register_helper("upper", Box::new(upper));
    hb.register_helper("contains", Box::new(contains));
    hb.register_helper("toml_str", Box::new(toml_str));
    hb.register_helper("yaml_str", Box::new(yaml_str));
    hb.register_helper("json_str", Box::new(json_str));
    hb.register_helper("shell_quote", Box::new(shell_quote));
    hb
}

/// Template source of a condition: true when the output is non-empty.
pub fn condition_source(expr: &str) -> String {
    format!("{{{{#if {expr}}}}}1{{{{/if}}}}")
}

/// "line:column: reason", where the position is known.
pub fn describe_template_error(e: &TemplateError) -> (Option<(usize, usize)>, String) {
    (e.pos(), e.reason().to_string())
}

pub fn describe_render_error(e: &RenderError) -> String {
    let reason = e.reason().to_string();
    match (e.line_no, e.column_no) {
        (Some(l), Some(c)) => format!("{l}:{c}: {reason}"),
        _ => reason,
    }
}

/// Renders the registered template `name` against `ctx`, stopping at
/// [`limits::MAX_OUTPUT_BYTES`]. Errors read "line:column: reason" where known.
pub fn render(hb: &Handlebars<'static>, name: &str, ctx: &Json) -> Result<String, String> {
    render_within(hb, name, ctx, usize::MAX)
}

/// [`render`], stopping at `budget` bytes when that is less: what is left of
/// [`limits::MAX_TREE_BYTES`] for the whole tree. Runs on the render thread (see
/// [`limits::on_render_stack`]).
pub fn render_within(
    hb: &Handlebars<'static>,
    name: &str,
    ctx: &Json,
    budget: usize,
) -> Result<String, String> {
    let limit = budget.min(limits::MAX_OUTPUT_BYTES);
    let mut out = limits::CappedWriter::new(limit);
    let result = limits::on_render_stack(|| hb.render_to_write(name, ctx, &mut out));
    finish(result, out, limit)
}

/// [`render_within`] for a template body compiled outside the registry (see
/// `Blueprint::body`), against a context built once for every file. It renders
/// exactly as the registry renders a registered template: Handlebars'
/// `render_to_write` wraps the data in a `Context`, then renders the template with a
/// fresh `RenderContext` (recursive lookup off, as in our registry) into the writer.
pub fn render_template_within(
    hb: &Handlebars<'static>,
    template: &Template,
    ctx: &Context,
    budget: usize,
) -> Result<String, String> {
    let limit = budget.min(limits::MAX_OUTPUT_BYTES);
    let mut out = limits::CappedWriter::new(limit);
    let result = limits::on_render_stack(|| {
        let mut output = WriteOutput::new(&mut out);
        let mut rc = RenderContext::new(template.name.as_ref());
        template.render(hb, ctx, &mut rc, &mut output)
    });
    finish(result, out, limit)
}

/// The rendered text, or why there is none.
fn finish(
    result: Result<(), RenderError>,
    out: limits::CappedWriter,
    limit: usize,
) -> Result<String, String> {
    match result {
        Ok(()) => String::from_utf8(out.into_bytes())
            .map_err(|_| "rendered text that is not UTF-8".to_string()),
        Err(_) if out.exceeded && limit < limits::MAX_OUTPUT_BYTES => Err(format!(
            "makes the rendered files add up to more than {} MiB, the most one blueprint may render",
            limits::MAX_TREE_BYTES >> 20
        )),
        Err(_) if out.exceeded => Err(format!(
            "renders more than {} MiB, the most one file may hold",
            limits::MAX_OUTPUT_BYTES >> 20
        )),
        Err(e) => Err(describe_render_error(&e)),
    }
}

/// Renders a registered condition against `ctx`.
pub fn eval_condition(hb: &Handlebars<'static>, name: &str, ctx: &Json) -> Result<bool, String> {
    Ok(!render(hb, name, ctx)?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(src: &str, ctx: Json) -> Result<String, RenderError> {
        registry().render_template(src, &ctx)
    }

    #[test]
    fn case_helpers() {
        let ctx = json!({"name": "demo-svc"});
        assert_eq!(
            render(
                "{{snake_case name}} {{pascal_case name}} {{shouty_snake_case name}}",
                ctx.clone()
            )
            .unwrap(),
            "demo_svc DemoSvc DEMO_SVC"
        );
        assert_eq!(
            render(
                "{{camel_case name}} {{kebab_case name}} {{title_case name}} {{upper name}}",
                ctx
            )
            .unwrap(),
            "demoSvc demo-svc Demo Svc DEMO-SVC"
        );
    }

    #[test]
    fn strict_and_unescaped() {
        assert!(render("{{missing}}", json!({})).is_err());
        assert_eq!(render("{{v}}", json!({"v": "<a & b>"})).unwrap(), "<a & b>");
    }

    #[test]
    fn skipped_variables_can_be_guarded_but_not_compared() {
        // `#if` treats an absent answer as false, which is how templates guard the
        // use of a variable whose `when` was false; comparing it is an error.
        assert_eq!(
            render("{{#if db}}x{{else}}y{{/if}}", json!({})).unwrap(),
            "y"
        );
        assert!(render(r#"{{#if (eq db "pg")}}x{{/if}}"#, json!({})).is_err());
    }

    #[test]
    fn literal_braces_can_be_written() {
        assert_eq!(
            render(r"run: echo \{{ github.sha }}", json!({})).unwrap(),
            "run: echo {{ github.sha }}"
        );
        assert_eq!(
            render("{{{{raw}}}}${{ x }}{{{{/raw}}}}", json!({})).unwrap(),
            "${{ x }}"
        );
    }

    #[test]
    fn quoting_helpers() {
        let ctx = json!({"v": "it's \"q\" $x\n"});
        assert_eq!(
            render("{{shell_quote v}}", ctx.clone()).unwrap(),
            "'it'\\''s \"q\" $x\n'"
        );
        assert_eq!(
            render("{{json_str v}}", ctx.clone()).unwrap(),
            r#""it's \"q\" $x\n""#
        );
        let toml = render("k = {{toml_str v}}", ctx).unwrap();
        let parsed: toml::Table = toml::from_str(&toml).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("it's \"q\" $x\n"));
    }

    #[test]
    fn conditions() {
        let hb = {
            let mut hb = registry();
            hb.register_template_string(
                "c",
                condition_source(r#"(and (contains iac "k8s") (eq auth "jwt"))"#),
            )
            .unwrap();
            hb
        };
        assert!(eval_condition(&hb, "c", &json!({"iac": ["k8s"], "auth": "jwt"})).unwrap());
        assert!(!eval_condition(&hb, "c", &json!({"iac": [], "auth": "jwt"})).unwrap());
    }
}
