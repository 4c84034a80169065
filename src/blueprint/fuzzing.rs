//! Fuzzing harness for blueprint loading and rendering, shared by the cargo-fuzz
//! target `fuzz/fuzz_targets/blueprint.rs` (nightly) and the stable driver in
//! `tests/it/blueprint_fuzz.rs`. Bytes become a blueprint (manifest, templates,
//! partials); it is loaded, checked and rendered the way `paved new` and
//! `paved blueprint check` do. Refusing is fine; panicking, overflowing the stack or
//! breaking a limit the loader promised is not.

use handlebars::template::{Parameter, Template, TemplateElement};

use super::answers::{resolve, Inputs};
use super::limits::{MAX_NESTING, MAX_OUTPUT_BYTES, MAX_TREE_BYTES};
use super::model::{Blueprint, SourceFile};
use super::{check, generate};

/// Where the pieces of an input go. The first is the manifest unless the input
/// starts with an even byte, in which case [`BASE_MANIFEST`] is used and every piece
/// is a template or partial.
pub const PATHS: &[&str] = &[
    "blueprint.toml",
    "template/a.txt.hbs",
    "template/b.txt.hbs",
    "template/{{name}}/c.md.hbs",
    "template/copy.bin",
    "partials/p.hbs",
    "partials/q.hbs",
];

/// A manifest with a variable of every kind, so templates have names to use.
pub const BASE_MANIFEST: &str = r#"[blueprint]
id = "fuzz"
version = "0.1.0"
description = "fuzz"

[[variables]]
name = "flag"
type = "bool"
prompt = "Flag"
default = true

[[variables]]
name = "tags"
type = "multi"
prompt = "Tags"
choices = ["a", "b", "c"]
default = ["a", "c"]

[[variables]]
name = "mode"
type = "choice"
prompt = "Mode"
choices = ["x", "y"]
default = "x"

[[variables]]
name = "count"
type = "integer"
prompt = "Count"
default = 3

[[variables]]
name = "label"
type = "string"
prompt = "Label"
default = "{{name}}-label"

[[files]]
path = "b.txt"
when = "flag"
"#;

/// Splits `data` into blueprint files: one byte naming the path (index into
/// [`PATHS`]), two bytes of length (little endian), then the content; what is left
/// goes to the last file named.
pub fn files(data: &[u8]) -> Vec<SourceFile> {
    let mut out: Vec<SourceFile> = Vec::new();
    let (own_manifest, mut rest) = match data.split_first() {
        Some((first, rest)) => (first % 2 == 1, rest),
        None => (false, data),
    };
    if !own_manifest {
        out.push(file(PATHS[0], BASE_MANIFEST.as_bytes()));
    }
    while rest.len() >= 3 && out.len() < 16 {
        let path = PATHS[rest[0] as usize % PATHS.len()];
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        rest = &rest[3..];
        let take = len.min(rest.len());
        let (bytes, tail) = rest.split_at(take);
        rest = tail;
        // A later piece for the same path replaces the earlier one.
        out.retain(|f| f.path != path);
        out.push(file(path, bytes));
    }
    if !rest.is_empty() {
        out.push(file(PATHS[1], rest));
    }
    out
}

/// The inverse of [`files`] for building inputs: `(path index, content)` pieces, the
/// base manifest unless one of the pieces is the manifest (index 0).
pub fn join(pieces: &[(usize, &[u8])]) -> Vec<u8> {
    let own_manifest = pieces.iter().any(|(i, _)| *i == 0);
    let mut out = vec![u8::from(own_manifest)];
    for (path, bytes) in pieces {
        let bytes = &bytes[..bytes.len().min(u16::MAX as usize)];
        out.push(*path as u8);
        out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

fn file(path: &str, bytes: &[u8]) -> SourceFile {
    SourceFile {
        path: path.to_string(),
        bytes: bytes.to_vec().into(),
        executable: false,
    }
}

/// Loads the blueprint in `data`, and when it loads, checks it and renders it with
/// its defaults. Panics when a promise is broken: a loaded template nests deeper
/// than the limit, or a render produced more, or other paths, than allowed.
pub fn blueprint(data: &[u8]) {
    let Ok(bp) = Blueprint::from_files("fuzz", files(data), "fuzz") else {
        return;
    };
    for (name, tpl) in bp.registry.get_templates() {
        let depth = depth(tpl);
        assert!(
            depth <= MAX_NESTING,
            "{name} loaded but nests {depth} deep (limit {MAX_NESTING})"
        );
    }
    let _ = check::check(&bp);
    let Ok(answers) = resolve(&bp, "svc", &Inputs::default(), None) else {
        return;
    };
    let Ok(tree) = generate(&bp, &answers) else {
        return;
    };
    let mut total = 0;
    for f in &tree.files {
        assert!(f.contents.len() <= MAX_OUTPUT_BYTES, "{} too big", f.path);
        total += f.contents.len();
        assert!(
            !f.path.starts_with('/')
                && f.path
                    .split('/')
                    .all(|c| !c.is_empty() && c != "." && c != ".."),
            "rendered path {:?} leaves the target",
            f.path
        );
    }
    // Provenance is added after the render budget is spent.
    assert!(total <= MAX_TREE_BYTES + 64 * 1024, "tree too big: {total}");
}

/// How deeply a compiled template nests, counted as the source scan counts: blocks
/// and the templates of partials and decorators, `else if` links, subexpressions and
/// literal arrays and objects.
pub fn depth(tpl: &Template) -> usize {
    tpl.elements.iter().map(element_depth).max().unwrap_or(0)
}

fn element_depth(element: &TemplateElement) -> usize {
    match element {
        TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
            params_depth(&h.params, h.hash.values())
        }
        TemplateElement::HelperBlock(h) => {
            let inner = h
                .template
                .iter()
                .chain(&h.inverse)
                .map(depth)
                .max()
                .unwrap_or(0);
            1 + inner.max(params_depth(&h.params, h.hash.values()))
        }
        TemplateElement::DecoratorExpression(d)
        | TemplateElement::DecoratorBlock(d)
        | TemplateElement::PartialExpression(d)
        | TemplateElement::PartialBlock(d) => {
            let inner = d.template.as_ref().map(depth).unwrap_or(0);
            let block = usize::from(d.template.is_some());
            block + inner.max(params_depth(&d.params, d.hash.values()))
        }
        _ => 0,
    }
}

fn params_depth<'a>(params: &'a [Parameter], hash: impl Iterator<Item = &'a Parameter>) -> usize {
    params
        .iter()
        .chain(hash)
        .map(param_depth)
        .max()
        .unwrap_or(0)
}

fn param_depth(p: &Parameter) -> usize {
    match p {
        Parameter::Subexpression(s) => 1 + element_depth(&s.element),
        Parameter::Literal(json) => json_depth(json),
        _ => 0,
    }
}

fn json_depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        serde_json::Value::Object(map) => 1 + map.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Small blueprints to mutate from: `(path index, content)` pieces for [`join`].
pub const SEEDS: &[&[(usize, &str)]] = &[
    &[(1, "hello {{name}} {{#if flag}}on{{else}}off{{/if}}\n")],
    &[(
        1,
        "{{#each tags}}{{@index}}={{this}}{{#unless @last}},{{/unless}}{{/each}}\n{{#each @root.tags as |t|}}{{#each @root.tags}}{{t}}{{this}}{{/each}}{{/each}}\n",
    )],
    &[(
        1,
        "{{#*inline \"row\"}}<{{who}}:{{mode}}>{{/inline}}{{> row who=name}}{{> row who=label}}\n",
    )],
    &[
        (5, "[{{> q}}]"),
        (6, "{{upper name}}"),
        (2, "{{> p}} {{> template/a.txt.hbs}}"),
        (1, "a {{snake_case label}}"),
    ],
    &[(
        1,
        "{{#if (eq mode \"x\")}}x{{else if (contains tags \"b\")}}b{{else if (gt count 2)}}many{{else}}none{{/if}}\n",
    )],
    &[(
        3,
        "{{{{raw}}}}${{ github.sha }} {{#not parsed}}{{{{/raw}}}} \\{{escaped}} {{!-- comment {{#x}} --}}{{! short }}",
    )],
    &[(
        1,
        "{{toml_str label}} {{yaml_str label}} {{json_str label}} {{shell_quote label}} {{#each [1, [2, 3]]}}{{this}}{{/each}} {{lookup this \"mode\"}}",
    )],
    &[(
        0,
        "[blueprint]\nid = \"fuzz\"\nversion = \"0.1.0\"\ndescription = \"d\"\n\n[[variables]]\nname = \"n\"\ntype = \"integer\"\nprompt = \"N\"\ndefault = 1\nmin = 0\nmax = 9\n",
    ), (1, "{{n}} {{name}}")],
    &[(1, "{{#*inline \"loop\"}}{{> loop}}{{/inline}}{{> loop}}")],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_load_and_render() {
        for (i, seed) in SEEDS.iter().enumerate() {
            let pieces: Vec<(usize, &[u8])> =
                seed.iter().map(|(p, s)| (*p, s.as_bytes())).collect();
            let data = join(&pieces);
            let files = files(&data);
            assert_eq!(
                files.len(),
                seed.len() + usize::from(seed[0].0 != 0),
                "seed {i}"
            );
            blueprint(&data);
        }
        // All but the last (a partial cycle) are valid blueprints.
        for seed in &SEEDS[..SEEDS.len() - 1] {
            let pieces: Vec<(usize, &[u8])> =
                seed.iter().map(|(p, s)| (*p, s.as_bytes())).collect();
            let bp = Blueprint::from_files("fuzz", files(&join(&pieces)), "fuzz")
                .unwrap_or_else(|e| panic!("{seed:?}: {e}"));
            let answers = resolve(&bp, "svc", &Inputs::default(), None).unwrap();
            generate(&bp, &answers).unwrap_or_else(|e| panic!("{seed:?}: {e}"));
        }
    }

    #[test]
    fn depth_counts_like_the_source_scan() {
        let t = Template::compile(
            "{{#if a}}{{else if (not (b))}}{{/if}} {{x [[1]]}} {{#*inline \"p\"}}{{#if c}}{{/if}}{{/inline}}",
        )
        .unwrap();
        assert_eq!(depth(&t), 4);
    }
}
