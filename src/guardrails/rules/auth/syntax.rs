//! Python and TypeScript/JavaScript sources read with tree-sitter, for the FastAPI and
//! fastify analyses. tree-sitter's parsers are generated, table-driven and iterative,
//! maintained with the grammars the editors use, and recover from syntax errors, so a
//! file with one odd construct still yields its routes and hooks; nothing is executed.
//! Walks here are iterative too, so hostile nesting cannot overflow the stack.

use tree_sitter::{Language, Node, Parser, Tree};

/// Larger sources are not analysed (generated bundles, vendored code).
pub(super) const MAX_SOURCE_BYTES: usize = 512 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Lang {
    Python,
    TypeScript,
    Tsx,
}

impl Lang {
    /// The grammar for a file, by extension (`.js`/`.mjs`/`.cjs` read as TypeScript,
    /// whose grammar is a superset of the JavaScript services use).
    pub fn of(path: &str) -> Option<Lang> {
        let ext = path.rsplit_once('.')?.1;
        match ext {
            "py" => Some(Lang::Python),
            "ts" | "mts" | "cts" | "js" | "mjs" | "cjs" => Some(Lang::TypeScript),
            "tsx" | "jsx" => Some(Lang::Tsx),
            _ => None,
        }
    }

    fn language(self) -> Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }
}

/// Parses `text`, or says why it was not.
pub(super) fn parse(lang: Lang, text: &str) -> Result<Tree, String> {
    if text.len() > MAX_SOURCE_BYTES {
        return Err(format!(
            "is larger than {} KiB, not analysed",
            MAX_SOURCE_BYTES / 1024
        ));
    }
    let mut parser = Parser::new();
    parser
        .set_language(&lang.language())
        .map_err(|e| format!("cannot be parsed: {e}"))?;
    parser
        .parse(text, None)
        .ok_or_else(|| "cannot be parsed".to_owned())
}

/// 1-based line of a node's start.
pub(super) fn line(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row + 1).unwrap_or(u32::MAX)
}

pub(super) fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Every node below `node` (itself included), in source order.
pub(super) fn descendants(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    loop {
        out.push(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == node {
                return out;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// Whether `found` holds for a node below `node` (itself included): the nodes are
/// tried in [`descendants`]' order, the walk stopping at the first that does, and no
/// list is made.
pub(super) fn any_descendant<'t>(node: Node<'t>, mut found: impl FnMut(Node<'t>) -> bool) -> bool {
    let mut cursor = node.walk();
    loop {
        let n = cursor.node();
        if found(n) {
            return true;
        }
        // A node without children (most are tokens) is not searched for one: asking
        // costs a third of the step, and `child_count` counts what the cursor visits.
        if n.child_count() > 0 && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == node {
                return false;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return false;
            }
        }
    }
}

/// Visits every node below `node` (itself included), in [`descendants`]' order,
/// without making the list.
pub(super) fn each_descendant<'t>(node: Node<'t>, mut visit: impl FnMut(Node<'t>)) {
    any_descendant(node, |n| {
        visit(n);
        false
    });
}

/// A grammar's node kinds and fields by id, looked up once: `kind` is what
/// `Node::kind` returns, and `field` what `Node::child_by_field_name` returns, without
/// converting a C string (length, UTF-8 check) or searching the field names at every
/// call, which were a third of reading a file's tree.
pub(super) struct Grammar {
    kinds: Vec<&'static str>,
    fields: Vec<(&'static str, Option<std::num::NonZeroU16>)>,
}

impl Grammar {
    /// `fields`: the field names the lookups will use (any other is looked up by name).
    pub fn new(lang: Lang, fields: &[&'static str]) -> Grammar {
        let language = lang.language();
        let kinds = (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                    .unwrap_or("")
            })
            .collect();
        let fields = fields
            .iter()
            .map(|&f| (f, language.field_id_for_name(f)))
            .collect();
        Grammar { kinds, fields }
    }

    /// `n.kind()`. A node's kind id is its symbol made public, which names the same
    /// kind (symbols sharing a name and visibility map to one); the error symbol lies
    /// outside the table and is asked of the node.
    pub fn kind(&self, n: Node<'_>) -> &'static str {
        match self.kinds.get(usize::from(n.kind_id())) {
            Some(k) if !k.is_empty() => k,
            _ => n.kind(),
        }
    }

    /// `n.child_by_field_name(name)`.
    pub fn field<'t>(&self, n: Node<'t>, name: &str) -> Option<Node<'t>> {
        match self.fields.iter().find(|(f, _)| *f == name) {
            Some((_, id)) => id.and_then(|id| n.child_by_field_id(id.get())),
            None => n.child_by_field_name(name),
        }
    }
}

/// Named children.
pub(super) fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The value of a plain string literal (no interpolation): Python `"…"`/`'…'` without
/// f-string fields, TypeScript `"…"`, `'…'` or a template without `${}`.
pub(super) fn string_value(node: Node<'_>, src: &str) -> Option<String> {
    match node.kind() {
        "string" | "template_string" => {
            let mut value = String::new();
            for child in children(node) {
                match child.kind() {
                    "string_content" | "string_fragment" => value.push_str(text(child, src)),
                    "escape_sequence" => value.push_str(text(child, src)),
                    "string_start" | "string_end" => {}
                    _ => return None,
                }
            }
            Some(value)
        }
        "concatenated_string" => {
            let mut value = String::new();
            for child in children(node) {
                value.push_str(&string_value(child, src)?);
            }
            Some(value)
        }
        "parenthesized_expression" => string_value(children(node).into_iter().next()?, src),
        _ => None,
    }
}

/// The last segment of a callee or name: `jwt.decode` → `decode`, `app.addHook` →
/// `addHook`, `Middleware` → `Middleware`. The readers look kinds and fields up by
/// id; this stays as the tests' reference.
#[cfg(test)]
pub(super) fn last_name<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    match node.kind() {
        "attribute" => node
            .child_by_field_name("attribute")
            .map_or("", |n| text(n, src)),
        "member_expression" => node
            .child_by_field_name("property")
            .map_or("", |n| text(n, src)),
        _ => text(node, src),
    }
}

/// The receiver of a method call's callee: `app` in `app.get`, else `None` (the
/// tests' reference, as [`last_name`]).
#[cfg(test)]
pub(super) fn receiver<'t>(callee: Node<'t>) -> Option<Node<'t>> {
    match callee.kind() {
        "attribute" => callee.child_by_field_name("object"),
        "member_expression" => callee.child_by_field_name("object"),
        _ => None,
    }
}

/// The condition under which `node` runs, when a branch inside its function (or the
/// module) decides it: an `if`/`elif`/`else` (Python, TypeScript), a conditional
/// expression or a short-circuit `cond && call()` / `cond and call()`. `None` when it
/// runs whenever its function does.
pub(super) fn guarding_condition(node: Node<'_>, src: &str) -> Option<String> {
    let mut child = node;
    let mut p = node.parent();
    while let Some(x) = p {
        match x.kind() {
            "function_definition"
            | "function_declaration"
            | "arrow_function"
            | "function_expression"
            | "method_definition"
            | "function"
            | "lambda"
            | "module"
            | "program"
            | "class_definition"
            | "class_body" => return None,
            "if_statement" | "conditional_expression" | "ternary_expression" => {
                let cond = x.child_by_field_name("condition").or_else(|| {
                    (x.kind() == "conditional_expression")
                        .then(|| x.named_child(1))
                        .flatten()
                });
                if let Some(c) = cond.filter(|c| c.id() != child.id()) {
                    return Some(text(c, src).trim_matches(['(', ')']).trim().to_owned());
                }
            }
            "boolean_operator" | "binary_expression" => {
                let op = x.child_by_field_name("operator").map(|o| text(o, src));
                let left = x.child_by_field_name("left");
                if matches!(op, Some("and" | "or" | "&&" | "||" | "??"))
                    && left.is_some_and(|l| l.id() != child.id())
                {
                    return left.map(|l| text(l, src).to_owned());
                }
            }
            _ => {}
        }
        child = x;
        p = x.parent();
    }
    None
}

/// An integer or float literal as whole seconds (rounded up).
pub(super) fn number(node: Node<'_>, src: &str) -> Option<i64> {
    let raw = text(node, src).replace('_', "");
    match node.kind() {
        "integer" | "number" | "integer_literal" => raw
            .parse::<i64>()
            .ok()
            .or_else(|| raw.parse::<f64>().ok().map(|f| f.ceil() as i64)),
        "float" => raw.parse::<f64>().ok().map(|f| f.ceil() as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_walks_both_languages() {
        let src = "x = 'a' 'b'\nleeway = 1_20\n";
        let tree = parse(Lang::Python, src).unwrap();
        let nodes = descendants(tree.root_node());
        let s = nodes
            .iter()
            .find(|n| n.kind() == "concatenated_string")
            .unwrap();
        assert_eq!(string_value(*s, src).as_deref(), Some("ab"));
        let n = nodes.iter().find(|n| n.kind() == "integer").unwrap();
        assert_eq!((number(*n, src), line(*n)), (Some(120), 2));

        let src = "const a = `x${y}`;\nconst b = \"/healthz\";\n";
        let tree = parse(Lang::TypeScript, src).unwrap();
        let strings: Vec<_> = descendants(tree.root_node())
            .into_iter()
            .filter(|n| matches!(n.kind(), "string" | "template_string"))
            .map(|n| string_value(n, src))
            .collect();
        assert_eq!(strings, vec![None, Some("/healthz".to_owned())]);
        assert_eq!(Lang::of("src/app.mjs"), Some(Lang::TypeScript));
        assert_eq!(Lang::of("README.md"), None);
    }

    #[test]
    fn grammar_lookups_are_the_nodes_own() {
        let srcs = [
            (
                Lang::Python,
                "x = f(a, b=1)\n@app.get('/x')\ndef g(): return {'k': v}\nclass (:\n",
            ),
            (
                Lang::TypeScript,
                "const a = f(b, { c: 1 });\nclass { x( }\n",
            ),
        ];
        for (lang, src) in srcs {
            let g = Grammar::new(lang, &["function", "arguments", "name", "nope"]);
            let tree = parse(lang, src).unwrap();
            let nodes = descendants(tree.root_node());
            assert!(nodes.iter().any(|n| n.kind() == "ERROR"));
            for n in &nodes {
                assert_eq!(g.kind(*n), n.kind());
                for f in ["function", "arguments", "name", "nope", "value"] {
                    assert_eq!(g.field(*n, f), n.child_by_field_name(f));
                }
            }
            let mut seen = Vec::new();
            each_descendant(tree.root_node(), |n| seen.push(n));
            assert_eq!(seen, nodes);
            let mut tried = 0;
            assert!(any_descendant(tree.root_node(), |n| {
                tried += 1;
                n == nodes[5]
            }));
            assert_eq!(tried, 6);
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let src = format!("x = {}1{}\n", "[".repeat(50_000), "]".repeat(50_000));
        let tree = parse(Lang::Python, &src).unwrap();
        assert!(descendants(tree.root_node()).len() > 50_000);
    }
}
