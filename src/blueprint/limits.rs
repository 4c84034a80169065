//! What a template may not do. A blueprint can come from anyone (`--blueprints DIR`),
//! and Handlebars recurses on the native stack without any limit of its own, so a
//! partial that includes itself, or a few thousand nested blocks, would abort paved
//! with a stack overflow instead of an error. Everything here is checked when the
//! blueprint loads, before anything is rendered:
//!
//! - each template is at most [`MAX_TEMPLATE_BYTES`] and nests blocks and
//!   parentheses at most [`MAX_NESTING`] deep (checked on the source text, before
//!   the parser recurses into it);
//! - partials are named literally, are defined somewhere in the blueprint, and never
//!   include themselves, directly or through others;
//! - following partials, a render never nests deeper than [`MAX_RENDER_DEPTH`] and
//!   never evaluates more than [`MAX_WORK`] template elements, counting every `each`
//!   as iterating over the longest list an answer can hold.
//!
//! Rendering then runs on a thread with a stack sized for those limits
//! ([`RENDER_STACK_BYTES`]) and stops any file at [`MAX_OUTPUT_BYTES`] and the
//! whole tree at [`MAX_TREE_BYTES`].

use std::collections::{BTreeMap, BTreeSet};

use handlebars::template::{
    DecoratorTemplate, HelperTemplate, Parameter, Template, TemplateElement,
};
use handlebars::Handlebars;

/// Largest template source, in bytes (the built-in ones are far below).
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;
/// Deepest nesting of blocks plus parentheses and literal brackets in one template.
pub const MAX_NESTING: usize = 32;
/// Deepest nesting of a render, adding up the blocks of every partial on the way.
pub const MAX_RENDER_DEPTH: usize = 64;
/// Most template elements one registered template may evaluate, loops included.
pub const MAX_WORK: u64 = 5_000_000;
/// Largest rendered file, in bytes.
pub const MAX_OUTPUT_BYTES: usize = 32 * 1024 * 1024;
/// Most bytes all the rendered files of one blueprint may add up to.
pub const MAX_TREE_BYTES: usize = 128 * 1024 * 1024;
/// Stack of the thread that renders. The deepest render the limits allow needs less
/// than 512 KiB in an unoptimised build (see the test below), so this is ample.
pub const RENDER_STACK_BYTES: usize = 16 * 1024 * 1024;
/// Stack a render may start with in place: four times the deepest render's need in an
/// unoptimised build. Below it, a [`RENDER_STACK_BYTES`] stack is grown first.
const RENDER_RED_ZONE_BYTES: usize = 2 * 1024 * 1024;

/// A template that breaks a limit: which registered template, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    /// Registry name of the template at fault.
    pub key: String,
    pub line: Option<usize>,
    pub message: String,
}

/// Checks the source text of one template before it is compiled: its size and how
/// deeply it nests. Returns the line at fault and the reason.
pub fn check_source(src: &str) -> Result<(), (usize, String)> {
    if src.len() > MAX_TEMPLATE_BYTES {
        return Err((
            1,
            format!(
                "is {} bytes; a template may be at most {MAX_TEMPLATE_BYTES} bytes (split it into smaller files)",
                src.len()
            ),
        ));
    }
    super::nesting::check(src, MAX_NESTING).map_err(|r| (r.line, r.message))
}

/// What a partial call can reach: the inline partials of that name (wherever in the
/// blueprint they are defined, since their scope is only known while rendering) and
/// the registered template of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Node<'a> {
    Registered(&'a str),
    Inline(&'a str),
}

/// An inline partial's definitions, and where the first one is.
struct InlineDefs<'a> {
    bodies: Vec<&'a Template>,
    key: &'a str,
    line: usize,
}

struct Graph<'a> {
    hb: &'a Handlebars<'static>,
    inline: BTreeMap<&'a str, InlineDefs<'a>>,
    /// Iterations assumed for an `each` over something that is not a literal.
    loop_bound: u64,
}

/// Checks every template registered in `hb` together: partials must be literal,
/// defined and acyclic, and render depth and work must stay within the limits.
/// `loop_bound` is the longest list or object an answer context can hold.
pub fn check_registry(hb: &Handlebars<'static>, loop_bound: usize) -> Result<(), LimitError> {
    let mut keys: Vec<&str> = hb.get_templates().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut graph = Graph {
        hb,
        inline: BTreeMap::new(),
        loop_bound: loop_bound.max(1) as u64,
    };

    // Collect inline partial definitions and refuse names that are not literal.
    for &key in &keys {
        let tpl = &hb.get_templates()[key];
        visit(tpl, 1, &mut |element, line| {
            let fail = |message: String| LimitError {
                key: key.to_string(),
                line: Some(line),
                message,
            };
            let d = match element {
                TemplateElement::DecoratorBlock(d) | TemplateElement::DecoratorExpression(d) => d,
                // Its block is rendered into a buffer no output limit applies to.
                TemplateElement::PartialBlock(_) => {
                    return Err(fail(
                        "uses a partial block ({{#> name}}…{{/name}}), which is not supported; include the partial with {{> name}} and pass values as hash arguments".into(),
                    ))
                }
                _ => return Ok(()),
            };
            match (&d.name, d.params.first(), &d.template) {
                (Parameter::Name(n), Some(Parameter::Literal(name)), Some(body))
                    if n == "inline" && name.is_string() =>
                {
                    let name = name.as_str().unwrap_or_default();
                    let defs = graph.inline.entry(name).or_insert_with(|| InlineDefs {
                        bodies: Vec::new(),
                        key,
                        line,
                    });
                    defs.bodies.push(body);
                    Ok(())
                }
                (Parameter::Name(n), _, Some(_)) if n == "inline" => Err(fail(
                    "an inline partial's name must be a quoted string: {{#*inline \"name\"}}"
                        .into(),
                )),
                _ => Err(fail(
                    "uses a decorator; only {{#*inline \"name\"}}…{{/inline}} blocks are supported"
                        .into(),
                )),
            }
        })?;
    }

    // Edges, and refusal of partials that are dynamic or defined nowhere.
    let mut nodes: Vec<Node> = keys.iter().map(|&k| Node::Registered(k)).collect();
    nodes.extend(graph.inline.keys().map(|&n| Node::Inline(n)));
    let mut edges: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    for &node in &nodes {
        let mut out = BTreeSet::new();
        for body in graph.bodies(node) {
            let (key, _) = graph.home(node);
            visit_shallow(body, 1, &mut |d, line| {
                for target in graph.targets(d).map_err(|message| LimitError {
                    key: key.to_string(),
                    line: Some(line),
                    message,
                })? {
                    out.insert(target);
                }
                Ok(())
            })?;
        }
        edges.insert(node, out);
    }

    let order = topological(&nodes, &edges).map_err(|cycle| graph.cycle_error(&cycle))?;

    // Depth and work, callees first.
    let mut cost: BTreeMap<Node, Cost> = BTreeMap::new();
    for node in order.into_iter().rev() {
        let mut total = Cost::default();
        for body in graph.bodies(node) {
            total = total.max(graph.cost_of(body, &cost));
        }
        if let Node::Registered(key) = node {
            if total.depth > MAX_RENDER_DEPTH as u64 {
                return Err(LimitError {
                    key: key.to_string(),
                    line: None,
                    message: format!(
                        "nests {} levels deep when its partials are included; the limit is {MAX_RENDER_DEPTH}",
                        total.depth
                    ),
                });
            }
            if total.work > MAX_WORK {
                return Err(LimitError {
                    key: key.to_string(),
                    line: None,
                    message: format!(
                        "could evaluate {} template elements (loops and partials multiply); the limit is {MAX_WORK}: nest fewer `each` loops",
                        if total.work == u64::MAX { "too many".to_string() } else { total.work.to_string() }
                    ),
                });
            }
        }
        cost.insert(node, total);
    }
    Ok(())
}

/// Render depth (blocks and partials nested) and elements evaluated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    depth: u64,
    work: u64,
}

impl Cost {
    fn max(self, other: Cost) -> Cost {
        Cost {
            depth: self.depth.max(other.depth),
            work: self.work.max(other.work),
        }
    }
}

impl<'a> Graph<'a> {
    fn bodies(&self, node: Node<'a>) -> Vec<&'a Template> {
        match node {
            Node::Registered(key) => self.hb.get_template(key).into_iter().collect(),
            Node::Inline(name) => self.inline[name].bodies.clone(),
        }
    }

    /// Where errors about `node` point.
    fn home(&self, node: Node<'a>) -> (&'a str, Option<usize>) {
        match node {
            Node::Registered(key) => (key, None),
            Node::Inline(name) => {
                let defs = &self.inline[name];
                (defs.key, Some(defs.line))
            }
        }
    }

    /// What the partial call `d` can render.
    fn targets(&self, d: &DecoratorTemplate) -> Result<Vec<Node<'a>>, String> {
        let name = match &d.name {
            Parameter::Name(n) => n.clone(),
            Parameter::Path(handlebars::Path::Relative((_, raw)))
            | Parameter::Path(handlebars::Path::Local((_, _, raw))) => raw.clone(),
            Parameter::Literal(serde_json::Value::String(s)) => s.clone(),
            _ => {
                return Err(
                    "includes a partial whose name is computed; write partial names literally"
                        .into(),
                )
            }
        };
        if name == "@partial-block" {
            return Err("includes @partial-block, which only partial blocks provide, and those are not supported".into());
        }
        let mut out = Vec::new();
        if let Some((&inline, _)) = self.inline.get_key_value(name.as_str()) {
            out.push(Node::Inline(inline));
        }
        if let Some((key, _)) = self.hb.get_templates().get_key_value(&name) {
            out.push(Node::Registered(key.as_str()));
        }
        if out.is_empty() {
            return Err(format!(
                "includes the partial {name:?}, which this blueprint does not define; a partial is a file partials/<name>.hbs, an {{{{#*inline \"name\"}}}} block, or a template named by its path (template/part.txt.hbs)"
            ));
        }
        Ok(out)
    }

    fn cycle_error(&self, cycle: &[Node<'a>]) -> LimitError {
        let describe = |n: &Node| match n {
            Node::Registered(key) => key.to_string(),
            Node::Inline(name) => format!("inline partial {name:?}"),
        };
        let path: Vec<String> = cycle.iter().chain(cycle.first()).map(describe).collect();
        let (key, line) = self.home(cycle[0]);
        LimitError {
            key: key.to_string(),
            line,
            message: format!(
                "partials include each other in a cycle, which would never end: {}",
                path.join(" -> ")
            ),
        }
    }

    /// Depth and work of rendering `tpl` once, given the costs of every partial it
    /// can include (all computed already: the graph is acyclic).
    fn cost_of(&self, tpl: &Template, done: &BTreeMap<Node<'a>, Cost>) -> Cost {
        let mut total = Cost::default();
        for element in &tpl.elements {
            let one = match element {
                TemplateElement::RawString(_) | TemplateElement::Comment(_) => {
                    Cost { depth: 1, work: 1 }
                }
                TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => Cost {
                    depth: 1 + params_depth(h),
                    work: 1,
                },
                TemplateElement::HelperBlock(h) => self.block_cost(h, done),
                // Inline definitions render nothing where they stand.
                TemplateElement::DecoratorBlock(_) | TemplateElement::DecoratorExpression(_) => {
                    Cost { depth: 1, work: 1 }
                }
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    let mut callee = Cost::default();
                    for target in self.targets(d).unwrap_or_default() {
                        callee = callee.max(done.get(&target).copied().unwrap_or_default());
                    }
                    Cost {
                        depth: 1 + callee.depth,
                        work: 1u64.saturating_add(callee.work),
                    }
                }
                _ => Cost { depth: 1, work: 1 },
            };
            total.depth = total.depth.max(one.depth);
            total.work = total.work.saturating_add(one.work);
        }
        total
    }

    fn block_cost(&self, h: &HelperTemplate, done: &BTreeMap<Node<'a>, Cost>) -> Cost {
        let body = h
            .template
            .as_ref()
            .map(|t| self.cost_of(t, done))
            .unwrap_or_default();
        let inverse = h
            .inverse
            .as_ref()
            .map(|t| self.cost_of(t, done))
            .unwrap_or_default();
        let iterations = match (&h.name, h.params.first()) {
            (Parameter::Name(n), Some(Parameter::Literal(list))) if n == "each" => match list {
                serde_json::Value::Array(a) => a.len() as u64,
                serde_json::Value::Object(o) => o.len() as u64,
                _ => 1,
            },
            (Parameter::Name(n), _) if n == "each" => self.loop_bound,
            _ => 1,
        };
        Cost {
            depth: 1 + params_depth(h) + body.depth.max(inverse.depth),
            work: 1u64
                .saturating_add(iterations.saturating_mul(body.work))
                .saturating_add(inverse.work),
        }
    }
}

/// Nesting of subexpressions in a helper's arguments.
fn params_depth(h: &HelperTemplate) -> u64 {
    fn param(p: &Parameter) -> u64 {
        match p {
            Parameter::Subexpression(s) => match s.element.as_ref() {
                TemplateElement::Expression(h) | TemplateElement::HelperBlock(h) => {
                    1 + params_depth(h)
                }
                _ => 1,
            },
            _ => 0,
        }
    }
    h.params
        .iter()
        .chain(h.hash.values())
        .map(param)
        .max()
        .unwrap_or(0)
}

/// Calls `f` on every element of `tpl` and of every template nested in it, with its
/// line. Recursion is bounded: sources were checked against [`MAX_NESTING`].
fn visit<'t>(
    tpl: &'t Template,
    line: usize,
    f: &mut impl FnMut(&'t TemplateElement, usize) -> Result<(), LimitError>,
) -> Result<(), LimitError> {
    for (i, element) in tpl.elements.iter().enumerate() {
        let line = tpl.mapping.get(i).map_or(line, |m| m.0);
        f(element, line)?;
        for inner in nested(element) {
            visit(inner, line, f)?;
        }
    }
    Ok(())
}

/// Like [`visit`], but calls `f` on partial calls only and does not descend into
/// inline partial definitions, which are nodes of their own.
fn visit_shallow<'t>(
    tpl: &'t Template,
    line: usize,
    f: &mut impl FnMut(&'t DecoratorTemplate, usize) -> Result<(), LimitError>,
) -> Result<(), LimitError> {
    for (i, element) in tpl.elements.iter().enumerate() {
        let line = tpl.mapping.get(i).map_or(line, |m| m.0);
        match element {
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => f(d, line)?,
            TemplateElement::DecoratorBlock(_) | TemplateElement::DecoratorExpression(_) => {
                continue
            }
            _ => {}
        }
        for inner in nested(element) {
            visit_shallow(inner, line, f)?;
        }
    }
    Ok(())
}

fn nested(element: &TemplateElement) -> Vec<&Template> {
    match element {
        TemplateElement::HelperBlock(h)
        | TemplateElement::Expression(h)
        | TemplateElement::HtmlExpression(h) => h.template.iter().chain(&h.inverse).collect(),
        TemplateElement::DecoratorBlock(d)
        | TemplateElement::DecoratorExpression(d)
        | TemplateElement::PartialExpression(d)
        | TemplateElement::PartialBlock(d) => d.template.iter().collect(),
        _ => Vec::new(),
    }
}

/// Kahn's algorithm: nodes with callers before their callees, or one cycle.
fn topological<'a>(
    nodes: &[Node<'a>],
    edges: &BTreeMap<Node<'a>, BTreeSet<Node<'a>>>,
) -> Result<Vec<Node<'a>>, Vec<Node<'a>>> {
    let mut incoming: BTreeMap<Node, usize> = nodes.iter().map(|&n| (n, 0)).collect();
    for targets in edges.values() {
        for t in targets {
            *incoming.entry(*t).or_default() += 1;
        }
    }
    let mut ready: Vec<Node> = incoming
        .iter()
        .filter(|(_, &n)| n == 0)
        .map(|(&node, _)| node)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(node) = ready.pop() {
        order.push(node);
        for t in &edges[&node] {
            let n = incoming.get_mut(t).expect("every target is a node");
            *n -= 1;
            if *n == 0 {
                ready.push(*t);
            }
        }
    }
    if order.len() == nodes.len() {
        return Ok(order);
    }
    // Every node left is on a cycle or behind one, and each still has a caller among
    // them (callers that were ordered gave up their edges): walking from callee to
    // caller must come back to a node already seen.
    let left: BTreeSet<Node> = incoming
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(node, _)| node)
        .collect();
    let caller_of = |node: Node<'a>| -> Node<'a> {
        *left
            .iter()
            .find(|c| edges[c].contains(&node))
            .expect("a node left has a caller left")
    };
    let start = *left.iter().next().expect("a node is left");
    let mut path = vec![start];
    loop {
        let last = *path.last().expect("non-empty");
        let caller = caller_of(last);
        if let Some(at) = path.iter().position(|&n| n == caller) {
            // `path` runs from callee to caller; a cycle reads in call order.
            let mut cycle = path.split_off(at);
            cycle.reverse();
            // Start from the first in sort order, so a cycle is always named alike.
            let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
            cycle.rotate_left(first);
            return Err(cycle);
        }
        path.push(caller);
    }
}

/// Where a render writes: refuses to grow past `limit` bytes, which stops the render.
pub struct CappedWriter {
    buf: Vec<u8>,
    limit: usize,
    pub exceeded: bool,
}

impl CappedWriter {
    pub fn new(limit: usize) -> CappedWriter {
        CappedWriter {
            buf: Vec::new(),
            limit,
            exceeded: false,
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > self.limit {
            self.exceeded = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with at least [`RENDER_RED_ZONE_BYTES`] of stack, growing a
/// [`RENDER_STACK_BYTES`] one first when less is left, so render depth does not depend
/// on the caller's thread (a worker pool's stacks are small). The stack grows on the
/// calling thread, as rustc's does, rather than on a new thread per render: a thread
/// per template cost `paved new` 17 thread starts, each with its own allocator heap
/// (docs/performance.md, "Process start-up and threads (session 5)"). A render nested
/// in another (a body rendered inside its blueprint's render) runs in place on the
/// stack already grown, instead of mapping a fresh one per file.
pub fn on_render_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(RENDER_RED_ZONE_BYTES, RENDER_STACK_BYTES, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::answers::{resolve, Inputs};
    use crate::blueprint::model::{Blueprint, SourceFile};
    use crate::blueprint::render::render;

    const MANIFEST: &str = "[blueprint]\nid = \"t\"\nversion = \"0.1.0\"\ndescription = \"test\"\n\n[[variables]]\nname = \"tags\"\ntype = \"multi\"\nprompt = \"Tags\"\nchoices = [\"a\", \"b\", \"c\"]\ndefault = [\"a\", \"b\", \"c\"]\n";

    fn load(templates: &[(&str, &str)]) -> Result<Blueprint, String> {
        let mut files = vec![SourceFile {
            path: "blueprint.toml".into(),
            bytes: MANIFEST.as_bytes().into(),
            executable: false,
        }];
        for (path, text) in templates {
            files.push(SourceFile {
                path: format!("template/{path}"),
                bytes: text.as_bytes().to_vec().into(),
                executable: false,
            });
        }
        Blueprint::from_files("t", files, "bp").map_err(|e| e.to_string())
    }

    fn refused(templates: &[(&str, &str)], expect: &str) {
        let err = load(templates).expect_err("should be refused");
        assert!(err.contains(expect), "expected {expect:?} in {err:?}");
    }

    fn rendered(bp: &Blueprint) -> Result<String, String> {
        let answers = resolve(bp, "svc", &Inputs::default(), None).map_err(|e| e.to_string())?;
        let tree = render(bp, &answers).map_err(|e| e.to_string())?;
        Ok(String::from_utf8(tree.files[0].contents.clone()).unwrap())
    }

    #[test]
    fn partial_cycles_are_refused_naming_the_file() {
        refused(
            &[("x.hbs", "{{#*inline \"loop\"}}{{> loop}}{{/inline}}{{> loop}}")],
            "bp/template/x.hbs:1: partials include each other in a cycle, which would never end: inline partial \"loop\" -> inline partial \"loop\"",
        );
        refused(
            &[(
                "x.hbs",
                "{{#*inline \"a\"}}{{#if name}}{{> b}}{{/if}}{{/inline}}\n{{#*inline \"b\"}}{{> a}}{{/inline}}{{> a}}",
            )],
            "cycle",
        );
        refused(
            &[("x.hbs", "{{> template/x.hbs}}")],
            "template/x.hbs -> template/x.hbs",
        );
        refused(
            &[
                ("a.hbs", "{{> template/b.hbs}}"),
                ("b.hbs", "{{> template/a.hbs}}"),
            ],
            "cycle",
        );
        // An inline partial calling a file that defines it again is a cycle too.
        refused(
            &[(
                "a.hbs",
                "{{#*inline \"p\"}}{{> template/a.hbs}}{{/inline}}{{> p}}",
            )],
            "cycle",
        );
    }

    #[test]
    fn a_cycle_is_named_even_when_a_partial_behind_it_sorts_first() {
        // Found by the fuzz driver: "k" is left over after ordering (only the cycle
        // calls it) but is not on the cycle.
        refused(
            &[(
                "x.hbs",
                "{{#*inline \"m\"}}{{> n}}{{> k}}{{/inline}}{{#*inline \"n\"}}{{> m}}{{/inline}}{{#*inline \"k\"}}k{{/inline}}{{> m}}",
            )],
            "inline partial \"m\" -> inline partial \"n\" -> inline partial \"m\"",
        );
    }

    #[test]
    fn partials_must_be_literal_defined_and_plain() {
        refused(&[("x.hbs", "{{> (lookup this \"name\")}}")], "computed");
        refused(&[("x.hbs", "{{> nowhere}}")], "does not define");
        refused(&[("x.hbs", "{{#> p}}block{{/p}}")], "partial block");
        refused(&[("x.hbs", "{{> @partial-block}}")], "@partial-block");
        refused(
            &[("x.hbs", "{{#*inline name}}x{{/inline}}")],
            "quoted string",
        );
        refused(&[("x.hbs", "{{*nothing}}")], "decorator");
    }

    #[test]
    fn acyclic_partials_render() {
        let bp = load(&[
            ("part.txt.hbs", "[{{name}}]"),
            (
                "x.hbs",
                "{{#*inline \"p\"}}<{{> template/part.txt.hbs}}{{who}}>{{/inline}}{{> p who=name}}{{> p who=\"!\"}}",
            ),
        ])
        .unwrap();
        let tree = {
            let answers = resolve(&bp, "svc", &Inputs::default(), None).unwrap();
            render(&bp, &answers).unwrap()
        };
        assert_eq!(tree.get("x").unwrap().contents, b"<[svc]svc><[svc]!>");
    }

    /// A chain of inline partials, each inside `blocks` nested `if`s.
    fn chain(links: usize, blocks: usize) -> String {
        let mut src = String::new();
        for i in 0..links {
            let next = if i + 1 < links {
                format!("{{{{> p{}}}}}", i + 1)
            } else {
                "end".to_string()
            };
            src.push_str(&format!(
                "{{{{#*inline \"p{i}\"}}}}{}{next}{}{{{{/inline}}}}\n",
                "{{#if name}}".repeat(blocks),
                "{{/if}}".repeat(blocks)
            ));
        }
        src.push_str("{{> p0}}");
        src
    }

    #[test]
    fn render_depth_through_partials_is_bounded() {
        refused(&[("x.hbs", &chain(MAX_RENDER_DEPTH, 0))], "levels deep");
        refused(&[("x.hbs", &chain(4, MAX_NESTING - 1))], "levels deep");
    }

    #[test]
    fn the_deepest_render_allowed_fits_the_render_stack_from_any_thread() {
        // Close to MAX_RENDER_DEPTH, mixing partial calls and blocks; rendered from a
        // thread with a small stack, as a worker pool's would be.
        let bp = load(&[("x.hbs", &chain(MAX_RENDER_DEPTH / 4, 2))]).unwrap();
        let out = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || rendered(&bp))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(out.unwrap().trim_start(), "end");
    }

    #[test]
    fn the_deepest_render_allowed_fits_the_red_zone_in_place() {
        // A caller with just over the red zone left renders in place, without a grown
        // stack: the deepest render must fit there too.
        let bp = load(&[("x.hbs", &chain(MAX_RENDER_DEPTH / 4, 2))]).unwrap();
        let out = std::thread::Builder::new()
            .stack_size(RENDER_RED_ZONE_BYTES + 64 * 1024)
            .spawn(move || rendered(&bp))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(out.unwrap().trim_start(), "end");
    }

    #[test]
    fn nested_loops_are_bounded_at_load() {
        // 4 entries in the context (name + tags ... ), 3 tags: each level multiplies.
        let deep = format!(
            "{}x{}",
            "{{#each @root.tags}}".repeat(20),
            "{{/each}}".repeat(20)
        );
        refused(&[("x.hbs", &deep)], "nest fewer `each` loops");
        let literal = format!(
            "{{{{#each [{}]}}}}{{{{#each [{}]}}}}{{{{#each [{}]}}}}x{{{{/each}}}}{{{{/each}}}}{{{{/each}}}}",
            vec!["1"; 300].join(","),
            vec!["1"; 300].join(","),
            vec!["1"; 300].join(",")
        );
        refused(&[("x.hbs", &literal)], "nest fewer `each` loops");
        let fine = "{{#each @root.tags}}{{#each @root.tags}}{{this}}{{/each}}{{/each}}";
        assert_eq!(
            rendered(&load(&[("x.hbs", fine)]).unwrap()).unwrap(),
            "abcabcabc"
        );
    }

    #[test]
    fn output_is_capped_per_file() {
        let big = "y".repeat(8 * 1024);
        let src = format!(
            "{{{{#each [{list}]}}}}{{{{#each [{list}]}}}}{big}{{{{/each}}}}{{{{/each}}}}",
            list = vec!["1"; 70].join(",")
        );
        let bp = load(&[("x.hbs", &src)]).unwrap();
        let err = rendered(&bp).unwrap_err();
        assert!(
            err.contains("bp/template/x.hbs: renders more than 32 MiB"),
            "{err}"
        );
    }

    #[test]
    fn deep_and_huge_sources_are_refused_before_parsing() {
        let deep = format!("{}x{}", "{{#if name}}".repeat(5000), "{{/if}}".repeat(5000));
        refused(&[("x.hbs", &deep)], "bp/template/x.hbs:1: nests");
        let parens = format!(
            "{{{{#if {}name{}}}}}x{{{{/if}}}}",
            "(not ".repeat(5000),
            ")".repeat(5000)
        );
        refused(&[("x.hbs", &parens)], "nests");
        let huge = "x".repeat(MAX_TEMPLATE_BYTES + 1);
        refused(&[("x.hbs", &huge)], "at most 1048576 bytes");
    }

    #[test]
    fn capped_writer_stops_at_the_limit() {
        use std::io::Write;
        let mut w = CappedWriter::new(4);
        w.write_all(b"abcd").unwrap();
        assert!(w.write_all(b"e").is_err());
        assert!(w.exceeded);
        assert_eq!(w.into_bytes(), b"abcd");
    }
}
