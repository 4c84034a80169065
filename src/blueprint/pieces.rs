//! Compiling a long template in pieces.
//!
//! Handlebars' parser finds the line and column of every token by counting from the
//! start of the template, so compiling a template costs its length times its number
//! of tokens: a 20 KB threat model with a few hundred expressions took longer to
//! compile than every other file of its blueprint together. Cut at lines that start
//! outside every block, tag, comment and raw block, each piece parses on its own,
//! and a piece with no `{{` needs no parser at all. The pieces' elements are joined
//! into one template whose line numbers are those of the whole file, so errors,
//! `paved blueprint check` and the render limits see what compiling it whole gives.
//!
//! Whitespace control (`{{~`, `~}}`) trims text across lines, so no cut is made where
//! it could reach; anything the scan cannot vouch for is compiled whole, and so is
//! any template a piece of which fails to compile (the whole-file compile then
//! reports the error with its true position).

use handlebars::template::{Template, TemplateElement, TemplateMapping};
use handlebars::Handlebars;

use super::direct;
use super::limits::MAX_NESTING;
use super::nesting;

/// Templates up to this size compile whole; pieces aim at about this size.
const PIECE_BYTES: usize = 1024;

/// `text` compiled in pieces with `worker` (a registry configured like the one the
/// template is rendered with), or `None` when it should be compiled whole.
pub(crate) fn compile(
    worker: &mut Handlebars<'static>,
    name: &str,
    text: &str,
) -> Option<Template> {
    if text.len() <= PIECE_BYTES {
        return None;
    }
    let cuts = cut_points(text)?;
    if cuts.is_empty() {
        return None;
    }
    let mut whole = Template::default();
    whole.name = Some(name.to_string());
    let mut start = 0;
    let mut line = 1;
    for end in cuts.into_iter().chain(std::iter::once(text.len())) {
        let piece = &text[start..end];
        if piece.contains("{{") {
            const KEY: &str = "\u{0}piece";
            let mut compiled = match direct::compile(KEY, piece) {
                Some(compiled) => compiled,
                None => {
                    worker.register_template_string(KEY, piece).ok()?;
                    let compiled = worker.get_template(KEY)?.clone();
                    worker.unregister_template(KEY);
                    compiled
                }
            };
            shift_lines(&mut compiled, line - 1);
            whole.elements.append(&mut compiled.elements);
            whole.mapping.append(&mut compiled.mapping);
        } else {
            whole
                .elements
                .push(TemplateElement::RawString(piece.to_string()));
            whole.mapping.push(mapping_at(line));
        }
        line += piece.bytes().filter(|&b| b == b'\n').count();
        start = end;
    }
    Some(whole)
}

/// The position of an element at the start of `line`.
fn mapping_at(line: usize) -> TemplateMapping {
    direct::mapping(line, 1)
}

/// Byte offsets to cut `text` at: top-level line starts away from whitespace
/// control, chosen so that runs of lines without a tag form one literal piece and
/// the lines with tags form pieces of about [`PIECE_BYTES`].
fn cut_points(text: &str) -> Option<Vec<usize>> {
    let starts = nesting::top_level_line_starts(text, MAX_NESTING).ok()?;
    let allowed: Vec<usize> = starts
        .into_iter()
        .filter(|&at| !trimmed_across(text, at))
        .collect();
    let mut cuts = Vec::new();
    let mut piece_start = 0;
    let mut piece_literal: Option<bool> = None;
    let mut segment_start = 0;
    for end in allowed.iter().copied().chain(std::iter::once(text.len())) {
        let literal = !text[segment_start..end].contains("{{");
        match piece_literal {
            None => piece_literal = Some(literal),
            Some(kind)
                if kind != literal || (!literal && segment_start - piece_start >= PIECE_BYTES) =>
            {
                cuts.push(segment_start);
                piece_start = segment_start;
                piece_literal = Some(literal);
            }
            Some(_) => {}
        }
        segment_start = end;
    }
    Some(cuts)
}

/// Whether whitespace control could trim text across a cut at `at`: a `~}}` before
/// it or a `{{~` after it with nothing but whitespace in between.
fn trimmed_across(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    let after = text[at..].trim_start();
    before.ends_with("~}}") || after.starts_with("{{~")
}

/// Moves every line number in `t` (and the blocks inside it) down by `by` lines.
fn shift_lines(t: &mut Template, by: usize) {
    if by == 0 {
        return;
    }
    for m in &mut t.mapping {
        m.0 += by;
    }
    for e in &mut t.elements {
        match e {
            TemplateElement::HtmlExpression(h)
            | TemplateElement::Expression(h)
            | TemplateElement::HelperBlock(h) => {
                for inner in [h.template.as_mut(), h.inverse.as_mut()]
                    .into_iter()
                    .flatten()
                {
                    shift_lines(inner, by);
                }
            }
            TemplateElement::DecoratorExpression(d)
            | TemplateElement::DecoratorBlock(d)
            | TemplateElement::PartialExpression(d)
            | TemplateElement::PartialBlock(d) => {
                if let Some(inner) = d.template.as_mut() {
                    shift_lines(inner, by);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::templating;
    use serde_json::json;

    fn both(src: &str, ctx: &serde_json::Value) -> (String, String) {
        let mut whole = templating::registry();
        whole.register_template_string("t", src).unwrap();
        let mut pieces = templating::registry();
        let mut worker = templating::registry();
        let tpl = compile(&mut worker, "t", src).expect("cut into pieces");
        pieces.register_template("t", tpl);
        (
            whole.render("t", ctx).unwrap(),
            pieces.render("t", ctx).unwrap(),
        )
    }

    #[test]
    fn pieces_render_what_the_whole_template_renders() {
        let block = "{{#if on}}\n  on: {{name}}\n{{else}}\n  off\n{{/if}}\n";
        let text = "plain text line\n".repeat(80);
        let src = format!(
            "{text}{block}{text}{{{{! comment }}}}\n{text}  {{{{> p}}}}\n{text}{{{{#each items}}}}\n- {{{{this}}}}\n{{{{/each}}}}\nend"
        );
        for ctx in [
            json!({"on": true, "name": "x", "items": [1, 2]}),
            json!({"on": false, "name": "y", "items": []}),
        ] {
            let mut whole = templating::registry();
            whole.register_partial("p", "partial\n").unwrap();
            whole.register_template_string("t", &src).unwrap();
            let mut pieces = templating::registry();
            pieces.register_partial("p", "partial\n").unwrap();
            let mut worker = templating::registry();
            pieces.register_template("t", compile(&mut worker, "t", &src).unwrap());
            assert_eq!(
                whole.render("t", &ctx).unwrap(),
                pieces.render("t", &ctx).unwrap()
            );
        }
    }

    #[test]
    fn lines_are_those_of_the_whole_file() {
        let src = format!("{}{{{{missing}}}}\n", "text\n".repeat(400));
        let mut worker = templating::registry();
        let tpl = compile(&mut worker, "t", &src).unwrap();
        let mut hb = templating::registry();
        hb.register_template("t", tpl);
        let err = hb.render("t", &json!({})).unwrap_err();
        assert_eq!(err.line_no, Some(401));
    }

    #[test]
    fn never_cuts_where_whitespace_control_reaches() {
        let text = "x\n".repeat(600);
        let src = format!("{text}\n\n{{{{~#if a}}}}y{{{{/if~}}}}\n\n{text}");
        let (whole, pieces) = both(&src, &json!({"a": true}));
        assert_eq!(whole, pieces);
        let cuts = cut_points(&src).unwrap();
        assert!(!cuts.is_empty());
        for at in cuts {
            assert!(!trimmed_across(&src, at));
        }
    }

    #[test]
    fn short_or_unscannable_templates_compile_whole() {
        let mut worker = templating::registry();
        assert!(compile(&mut worker, "t", "{{a}}").is_none());
        let unclosed = format!("{}{{{{#if a}}}}\n", "x\n".repeat(600));
        assert!(compile(&mut worker, "t", &unclosed).is_none());
    }

    /// Every template of every built-in blueprint (and frozen release), as the
    /// blueprint compiled it (`direct`, in pieces, or whole), renders byte for byte
    /// what Handlebars compiling it whole renders, for every answer set `paved
    /// blueprint check` uses.
    #[test]
    fn built_in_templates_render_the_same_in_pieces() {
        use crate::blueprint::{answers, check, model::file_key, templating, Catalog};
        let catalog = Catalog::embedded();
        let mut compared = 0;
        for id in catalog.ids() {
            let mut blueprints = vec![catalog.load_shared(id).unwrap()];
            for v in catalog.release_versions(id).unwrap() {
                blueprints.push(catalog.load_version_shared(id, &v).unwrap());
            }
            for bp in &blueprints {
                for (what, inputs) in check::answer_sets(bp) {
                    let Ok(answers) = answers::resolve(bp, "example-svc", &inputs, None) else {
                        continue;
                    };
                    let ctx = answers.context();
                    let body_ctx = handlebars::Context::from(ctx.clone());
                    for (index, t) in bp.templates.iter().enumerate() {
                        if !t.is_rendered() {
                            continue;
                        }
                        let text = std::str::from_utf8(&t.bytes).unwrap();
                        let key = file_key(&t.path);
                        let mut whole = bp.registry.clone();
                        whole.register_template_string(&key, text).unwrap();
                        let expected = whole.render(&key, &ctx);
                        let got = templating::render_template_within(
                            &bp.registry,
                            bp.body(index).unwrap(),
                            &body_ctx,
                            usize::MAX,
                        );
                        match (expected, got) {
                            (Ok(a), Ok(b)) => assert!(
                                a == b,
                                "{id} {}: {} with {what}",
                                bp.manifest.version,
                                t.path
                            ),
                            (Err(_), Err(_)) => {}
                            (a, b) => panic!(
                                "{id} {}: {} with {what}: {a:?} vs {b:?}",
                                bp.manifest.version, t.path
                            ),
                        }
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 100, "only {compared} renders compared");
    }
}
