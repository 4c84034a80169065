//! Compiling the plain Handlebars blueprints are written in without Handlebars'
//! general parser.
//!
//! Handlebars parses with pest, which walks the literal text between tags one
//! character at a time through several grammar rules and then counts lines from the
//! start of the template for every element: most of the time `paved new` and
//! blueprint conformance spend on a blueprint. Template files are mostly literal
//! text with a few hundred tags, so this module finds the tags with a substring
//! search and builds the elements Handlebars would build, through Handlebars' own
//! public constructors, with the same line and column for every element.
//!
//! It covers what the built-in blueprints use: text (with `\{{` escapes),
//! `{{path}}`, helper calls with path, string, `true`/`false`/`null` and
//! sub-expression arguments and `key=value` hashes, `{{#helper …}}` blocks with
//! `{{else}}` and `{{else helper …}}` chains, `{{> partial …}}` and comments,
//! including Handlebars' rule that a block tag or comment alone on its line takes
//! the line with it. Anything else — whitespace control (`~`), raw blocks,
//! triple-stash, decorators, block parameters, number or single-quoted literals,
//! carriage returns, any syntax error — makes [`compile`] answer `None`, and the
//! caller compiles the text with Handlebars, which also reports errors with their
//! file and line. A unit test compares the result with Handlebars' for every
//! built-in template and for generated ones, element by element.

use std::collections::HashMap;

use handlebars::template::{
    DecoratorTemplate, ExpressionSpec, ExpressionSpecBuilder, HelperTemplate, Parameter,
    Subexpression, Template, TemplateElement, TemplateMapping,
};
use serde_json::Value as Json;

/// `src` compiled as Handlebars compiles it under the name `name` (in a registry
/// that prevents partial indentation, as [`super::templating::registry`] does), or
/// `None` when it uses anything this parser leaves to Handlebars.
pub(crate) fn compile(name: &str, src: &str) -> Option<Template> {
    if src.contains('\r') {
        return None;
    }
    let mut p = Parser {
        src,
        lines: Lines::default(),
        stack: vec![Template::default()],
        helpers: Vec::new(),
        trim_line: false,
        paths: HashMap::new(),
    };
    p.run()?;
    if p.stack.len() != 1 || !p.helpers.is_empty() {
        return None;
    }
    let mut root = p.stack.pop()?;
    root.name = Some(name.to_string());
    Some(root)
}

/// A mapping entry at `line`, `column`. `TemplateMapping` cannot be built outside
/// Handlebars, so one is taken from a compiled template and changed.
pub(crate) fn mapping(line: usize, column: usize) -> TemplateMapping {
    static PROTO: std::sync::OnceLock<TemplateMapping> = std::sync::OnceLock::new();
    let mut m = PROTO
        .get_or_init(|| {
            Template::compile("x")
                .ok()
                .and_then(|t| t.mapping.first().cloned())
                .expect("a one-character template compiles")
        })
        .clone();
    m.0 = line;
    m.1 = column;
    m
}

/// Line and column (in characters, as pest counts them) of increasing offsets.
struct Lines {
    at: usize,
    line: usize,
    column: usize,
}

impl Default for Lines {
    fn default() -> Self {
        Lines {
            at: 0,
            line: 1,
            column: 1,
        }
    }
}

impl Lines {
    fn advance(&mut self, src: &str, to: usize) -> Option<TemplateMapping> {
        let slice = src.as_bytes().get(self.at..to)?;
        let chars = |s: &[u8]| s.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        match memchr::memrchr(b'\n', slice) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', slice).count();
                self.column = 1 + chars(&slice[last + 1..]);
            }
            None => self.column += chars(slice),
        }
        self.at = to;
        Some(mapping(self.line, self.column))
    }
}

struct Parser<'s> {
    src: &'s str,
    lines: Lines,
    /// Open templates, innermost last (Handlebars' `template_stack`).
    stack: Vec<Template>,
    /// Open blocks, innermost last (Handlebars' `helper_stack`), and whether each
    /// has had its plain `{{else}}` (after which the grammar allows no other).
    helpers: Vec<(HelperTemplate, bool)>,
    /// The tag before the next text stood alone on its line, so that text loses
    /// its leading blanks and first newline.
    trim_line: bool,
    paths: HashMap<&'s str, handlebars::Path>,
}

/// Where the next `{{` at or after `from` starts. A template is mostly literal
/// text: `memchr` skips it many bytes at a time, where `str::find` runs its
/// general substring search from every start.
fn next_tag(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let at = i + memchr::memchr(b'{', b.get(i..)?)?;
        if b.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        i = at + 1;
    }
}

fn trim_blanks(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\n', '\r'])
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Handlebars' `symbol_char`: what identifiers and path components are made of.
fn is_symbol(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'$' | b':') || b >= 0x80
}

/// Handlebars' `partial_symbol_char`.
fn is_partial_symbol(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'@' | b'/' | b'.') || b >= 0x80
}

impl<'s> Parser<'s> {
    fn front(&mut self) -> &mut Template {
        self.stack
            .last_mut()
            .expect("the root template is never popped")
    }

    fn run(&mut self) -> Option<()> {
        let src = self.src;
        let b = src.as_bytes();
        let mut text_start = 0;
        let mut removed: Vec<usize> = Vec::new();
        let mut search = 0;
        loop {
            let Some(at) = next_tag(b, search) else {
                return self.text(text_start, src.len(), &removed);
            };
            let backslashes = b[text_start..at]
                .iter()
                .rev()
                .take_while(|&&c| c == b'\\')
                .count();
            if backslashes == 1 {
                // `\{{` (and `\{{{{`) are literal text without the backslash.
                removed.push(at - 1);
                search = at + 2;
                if src[search..].starts_with("{{") {
                    search += 2;
                }
                continue;
            }
            if backslashes > 1 {
                // Several backslashes before a tag: the first one is dropped.
                removed.push(at - backslashes);
            }
            self.text(text_start, at, &removed)?;
            removed.clear();
            let end = self.tag(at)?;
            text_start = end;
            search = end;
        }
    }

    /// The literal text `start..end` (without the escaping backslashes at
    /// `removed`), placed where Handlebars places it: at its first non-blank
    /// character, which is where pest's implicit whitespace skipping starts the
    /// text rule (or at the start of the template).
    fn text(&mut self, start: usize, end: usize, removed: &[usize]) -> Option<()> {
        if start == end {
            return Some(());
        }
        let src = self.src;
        let at = if start == 0 {
            0
        } else {
            src.as_bytes()[start..end]
                .iter()
                .position(|&c| !is_blank(c))
                .map_or(end, |i| start + i)
        };
        let mut s = String::with_capacity(end - start);
        let mut from = start;
        for &r in removed {
            s.push_str(&src[from..r]);
            from = r + 1;
        }
        s.push_str(&src[from..end]);
        if self.trim_line {
            let t = s.trim_start_matches([' ', '\t']);
            let t = t.strip_prefix('\n').unwrap_or(t);
            s = t.to_string();
        }
        self.trim_line = false;
        let m = self.lines.advance(src, at)?;
        let front = self.front();
        front.elements.push(TemplateElement::RawString(s));
        front.mapping.push(m);
        Some(())
    }

    /// Handlebars' standalone rule for the tag `start..end`: when nothing but blanks
    /// share its line, the blanks before it go (with `trim_before`) and the text
    /// after it loses the rest of the line. Returns whether it stood alone.
    fn standalone(&mut self, start: usize, end: usize, trim_before: bool) -> bool {
        let after = &self.src[end..];
        let newline_after =
            after.is_empty() || after.trim_start_matches([' ', '\t']).starts_with('\n');
        if !newline_after {
            return false;
        }
        let before = self.src[..start].trim_end_matches([' ', '\t']);
        let newline_before = before.is_empty() || before.ends_with('\n');
        if trim_before && newline_before {
            if let Some(TemplateElement::RawString(text)) = self.front().elements.last_mut() {
                let kept = text.trim_end_matches([' ', '\t']).len();
                text.truncate(kept);
            }
        }
        start == 0 || newline_before
    }

    /// Handles the tag starting at `at`; returns where it ends.
    fn tag(&mut self, at: usize) -> Option<usize> {
        let src = self.src;
        let rest = &src[at..];
        if rest.starts_with("{{{") {
            return None;
        }
        if rest.starts_with("{{!") {
            return self.comment(at);
        }
        let end = tag_end(src, at + 2)?;
        let inner = &src[at + 2..end - 2];
        if inner.starts_with('~') || inner.ends_with('~') {
            return None;
        }
        let body = trim_blanks(inner);
        match body.as_bytes().first()? {
            b'#' => {
                let spec = self.exp_line(&body[1..])?;
                let alone = self.standalone(at, end, true);
                self.trim_line = alone;
                let m = self.lines.advance(src, at)?;
                self.helpers
                    .push((HelperTemplate::new(spec, true, alone), false));
                self.front().mapping.push(m);
                self.stack.push(Template::default());
            }
            b'/' => {
                let mut c = Cursor::new(&body[1..]);
                c.blanks();
                let closing = c.word(is_symbol);
                c.blanks();
                if !c.done() {
                    return None;
                }
                let alone = self.standalone(at, end, true);
                self.trim_line = alone;
                let (mut h, _) = self.helpers.pop()?;
                if h.name.as_name() != Some(closing) {
                    return None;
                }
                let body = self.stack.pop()?;
                revert_chain_and_set(&mut h, body);
                if self.stack.is_empty() {
                    return None;
                }
                self.front()
                    .elements
                    .push(TemplateElement::HelperBlock(Box::new(h)));
            }
            b'>' => {
                let spec = self.partial_line(&body[1..])?;
                let alone = self.standalone(at, end, false);
                self.trim_line = alone;
                let m = self.lines.advance(src, at)?;
                let d = DecoratorTemplate::new(spec, alone);
                let front = self.front();
                front
                    .elements
                    .push(TemplateElement::PartialExpression(Box::new(d)));
                front.mapping.push(m);
            }
            _ if body.starts_with("else") => {
                let after = &body[4..];
                let chained = match after.as_bytes().first() {
                    None => false,
                    Some(&c) if is_blank(c) => !trim_blanks(after).is_empty(),
                    Some(_) => return None,
                };
                let spec = if chained {
                    Some(self.exp_line(after)?)
                } else {
                    None
                };
                if self.helpers.is_empty() || self.stack.len() < 2 {
                    return None;
                }
                let alone = self.standalone(at, end, true);
                self.trim_line = alone;
                let t = self.stack.pop()?;
                let (h, plain_else) = self.helpers.last_mut()?;
                if *plain_else {
                    return None;
                }
                *plain_else = spec.is_none();
                if let Some(spec) = spec {
                    h.chain = true;
                    set_chain_template(h, t)?;
                    let mut node = Box::new(HelperTemplate::new_chain(spec, true, alone));
                    node.inverse = h.inverse.take();
                    let mut link = Template::default();
                    link.elements.push(TemplateElement::HelperBlock(node));
                    h.inverse = Some(link);
                } else {
                    set_chain_template(h, t)?;
                }
                self.stack.push(Template::default());
            }
            c if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'@' | b'.' | b'-' | b'$') => {
                let mut cur = Cursor::new(body);
                let spec = self.expression(&mut cur, false)?;
                if !cur.done() {
                    return None;
                }
                let m = self.lines.advance(src, at)?;
                let front = self.front();
                front
                    .elements
                    .push(TemplateElement::Expression(Box::new(HelperTemplate::new(
                        spec, false, false,
                    ))));
                front.mapping.push(m);
            }
            _ => return None,
        }
        Some(end)
    }

    fn comment(&mut self, at: usize) -> Option<usize> {
        let src = self.src;
        // `{{! --` is a long comment to Handlebars (its grammar skips the blanks)
        // whose text keeps the `{{!`: left to Handlebars.
        let after = &src[at + 3..];
        if trim_blanks(after).starts_with("--") && !after.starts_with("--") {
            return None;
        }
        let long_end = src[at..]
            .starts_with("{{!--")
            .then(|| src[at + 5..].find("--}}").map(|i| at + 5 + i + 4))
            .flatten();
        let (end, text) = match long_end {
            Some(end) => (
                end,
                src[at..end]
                    .trim_start_matches("{{!--")
                    .trim_end_matches("--}}"),
            ),
            None => {
                let end = at + 3 + src[at + 3..].find("}}")? + 2;
                (
                    end,
                    src[at..end]
                        .trim_start_matches("{{!")
                        .trim_end_matches("}}"),
                )
            }
        };
        let alone = self.standalone(at, end, true);
        self.trim_line = alone;
        let m = self.lines.advance(src, at)?;
        let front = self.front();
        front
            .elements
            .push(TemplateElement::Comment(text.to_string()));
        front.mapping.push(m);
        Some(end)
    }

    /// `identifier params… hash…` after `{{#` or `{{else `.
    fn exp_line(&mut self, s: &'s str) -> Option<ExpressionSpec> {
        let mut c = Cursor::new(s);
        c.blanks();
        let name = c.word(is_symbol);
        if name.is_empty() || !c.at_boundary() {
            return None;
        }
        let (params, hash) = self.arguments(&mut c, false)?;
        if !c.done() {
            return None;
        }
        spec(Parameter::Name(name.to_string()), params, hash)
    }

    /// `name params… hash…` after `{{>`.
    fn partial_line(&mut self, s: &'s str) -> Option<ExpressionSpec> {
        let mut c = Cursor::new(s);
        c.blanks();
        let name = c.word(is_partial_symbol);
        if name.is_empty() || !c.at_boundary() {
            return None;
        }
        let (params, hash) = self.arguments(&mut c, false)?;
        if !c.done() {
            return None;
        }
        spec(Parameter::Name(name.to_string()), params, hash)
    }

    /// `path`, or `helper params… hash…` (at least one argument), inside `{{ }}` or,
    /// with `sub`, inside `( )`.
    fn expression(&mut self, c: &mut Cursor<'s>, sub: bool) -> Option<ExpressionSpec> {
        c.blanks();
        let first = c.path_token()?;
        if !c.at_boundary() {
            return None;
        }
        c.blanks();
        let more = !(c.done() || (sub && c.peek() == Some(b')')));
        if !more {
            let path = self.path(first)?;
            return spec(Parameter::Path(path), Vec::new(), HashMap::new());
        }
        if !first.bytes().all(is_symbol) {
            return None;
        }
        let (params, hash) = self.arguments(c, sub)?;
        if params.is_empty() && hash.is_empty() {
            return None;
        }
        spec(Parameter::Name(first.to_string()), params, hash)
    }

    /// Arguments up to the end of `c` (or, with `sub`, up to its `)`).
    #[allow(clippy::type_complexity)]
    fn arguments(
        &mut self,
        c: &mut Cursor<'s>,
        sub: bool,
    ) -> Option<(Vec<Parameter>, HashMap<String, Parameter>)> {
        let mut params = Vec::new();
        let mut hash = HashMap::new();
        loop {
            c.blanks();
            if c.done() || (sub && c.peek() == Some(b')')) {
                return Some((params, hash));
            }
            if let Some(key) = c.hash_key() {
                let value = self.parameter(c)?;
                hash.insert(key.to_string(), value);
            } else {
                params.push(self.parameter(c)?);
            }
        }
    }

    /// One argument: a sub-expression, a double-quoted string, `true`, `false`,
    /// `null` or a path.
    fn parameter(&mut self, c: &mut Cursor<'s>) -> Option<Parameter> {
        let p = match c.peek()? {
            b'(' => {
                c.bump();
                let e = self.expression(c, true)?;
                c.blanks();
                if c.peek() != Some(b')') {
                    return None;
                }
                c.bump();
                Parameter::Subexpression(Subexpression::new(e.name, e.params, e.hash))
            }
            b'"' => Parameter::Literal(Json::String(c.string()?.to_string())),
            _ => {
                let token = c.path_token()?;
                let lead_len = token.bytes().take_while(|&b| is_symbol(b)).count();
                let lead = &token[..lead_len];
                let keyword = matches!(lead, "true" | "false" | "null" | "as" | "else");
                if keyword && lead.len() != token.len() {
                    return None;
                }
                match token {
                    "true" => Parameter::Literal(Json::Bool(true)),
                    "false" => Parameter::Literal(Json::Bool(false)),
                    "null" => Parameter::Literal(Json::Null),
                    "as" | "else" => return None,
                    t if t.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-') => return None,
                    t => Parameter::Path(self.path(t)?),
                }
            }
        };
        if !c.at_boundary() {
            return None;
        }
        Some(p)
    }

    fn path(&mut self, raw: &'s str) -> Option<handlebars::Path> {
        if let Some(p) = self.paths.get(raw) {
            return Some(p.clone());
        }
        let p = match plain_path(raw) {
            Some(p) => p,
            None => handlebars::Path::parse(raw).ok()?,
        };
        self.paths.insert(raw, p.clone());
        Some(p)
    }
}

/// What `handlebars::Path::parse` builds for `raw` when it is identifiers joined by
/// `.` or `/` (`name`, `a.b`), without its parser; `None` for anything else (`this`,
/// `@…`, `../`, `[…]`), which is left to it. Its grammar reads such a path as one
/// `path_id` per identifier (an identifier is `symbol_char+`, greedy), each a named
/// segment; only `this` is special among identifiers.
fn plain_path(raw: &str) -> Option<handlebars::Path> {
    let mut segs = Vec::new();
    for id in raw.split(['.', '/']) {
        if id.is_empty() || id == "this" || !id.bytes().all(is_symbol) {
            return None;
        }
        segs.push(handlebars::PathSeg::Named(id.to_string()));
    }
    Some(handlebars::Path::Relative((segs, raw.to_string())))
}

fn spec(
    name: Parameter,
    params: Vec<Parameter>,
    hash: HashMap<String, Parameter>,
) -> Option<ExpressionSpec> {
    ExpressionSpecBuilder::default()
        .name(name)
        .params(params)
        .hash(hash)
        .omit_pre_ws(false)
        .omit_pro_ws(false)
        .build()
        .ok()
}

/// Where the tag whose contents start at `from` ends (after its `}}`), skipping
/// string literals; `None` for anything this parser does not take on.
fn tag_end(src: &str, from: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let close = src[i + 1..].find('"')? + i + 1;
                let content = &b[i + 1..close];
                if content.iter().any(|&c| c == b'\\' || c < 0x20) {
                    return None;
                }
                i = close + 1;
            }
            b'[' => {
                let close = src[i + 1..].find(']')? + i + 1;
                if b[i + 1..close]
                    .iter()
                    .any(|&c| is_blank(c) || matches!(c, b'{' | b'}' | b'(' | b')' | b'"' | b'\''))
                {
                    return None;
                }
                i = close + 1;
            }
            b'\'' | b'{' => return None,
            b'}' => {
                return (b.get(i + 1) == Some(&b'}')).then_some(i + 2);
            }
            _ => i += 1,
        }
    }
    None
}

/// Handlebars' `HelperTemplate::set_chain_template`: the text before an `{{else}}`
/// belongs to the last link of an `{{else if}}` chain, or to the block itself.
fn set_chain_template(h: &mut HelperTemplate, t: Template) -> Option<()> {
    match chain_head(h)? {
        Some(head) => head.template = Some(t),
        None => h.template = Some(t),
    }
    Some(())
}

/// The newest `{{else …}}` link of a chained block (`None` when there is none);
/// `None` outside when the chain is not shaped as Handlebars builds it.
fn chain_head(h: &mut HelperTemplate) -> Option<Option<&mut HelperTemplate>> {
    if !h.chain {
        return Some(None);
    }
    let Some(inverse) = h.inverse.as_mut() else {
        return Some(None);
    };
    if inverse.elements.len() != 1 {
        return None;
    }
    match &mut inverse.elements[0] {
        TemplateElement::HelperBlock(head) => Some(Some(head.as_mut())),
        _ => Some(None),
    }
}

/// Handlebars' `HelperTemplate::revert_chain_and_set`, at a block's closing tag:
/// the last body goes in place and an `{{else if}}` chain is put in source order.
fn revert_chain_and_set(h: &mut HelperTemplate, last: Template) {
    if !h.chain {
        if h.template.is_some() {
            h.inverse = Some(last);
        } else {
            h.template = Some(last);
        }
        return;
    }
    let mut prev = None;
    if let Some(Some(head)) = chain_head(h) {
        if head.template.is_some() {
            prev = Some(last);
        } else {
            head.template = Some(last);
        }
    }
    while let Some(mut node) = h.inverse.take() {
        if let Some(TemplateElement::HelperBlock(c)) = node.elements.first_mut() {
            h.inverse = c.inverse.take();
            c.inverse = prev;
            prev = Some(node);
        } else {
            break;
        }
    }
    h.inverse = prev;
}

/// A position inside one tag.
struct Cursor<'s> {
    s: &'s str,
    i: usize,
}

impl<'s> Cursor<'s> {
    fn new(s: &'s str) -> Self {
        Cursor { s, i: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn bump(&mut self) {
        self.i += 1;
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.i += 1;
        }
    }

    /// After a token: the end, a blank or a closing parenthesis.
    fn at_boundary(&self) -> bool {
        match self.peek() {
            None => true,
            Some(b) => is_blank(b) || b == b')',
        }
    }

    fn word(&mut self, allowed: fn(u8) -> bool) -> &'s str {
        let start = self.i;
        while self.peek().is_some_and(allowed) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// A path as written: identifiers joined by `.` or `/`, `@` and `[…]` segments
    /// (never starting with `[`, which would be an array literal).
    fn path_token(&mut self) -> Option<&'s str> {
        let start = self.i;
        while let Some(b) = self.peek() {
            if is_symbol(b) || matches!(b, b'.' | b'/' | b'@') {
                self.i += 1;
            } else if b == b'[' && self.i > start {
                let close = self.s[self.i..].find(']')?;
                self.i += close + 1;
            } else {
                break;
            }
        }
        (self.i > start).then(|| &self.s[start..self.i])
    }

    /// `key=` of a hash argument, consumed; nothing consumed when it is not one.
    fn hash_key(&mut self) -> Option<&'s str> {
        let start = self.i;
        let key = self.word(is_symbol);
        if !key.is_empty() && self.peek() == Some(b'=') {
            self.i += 1;
            return Some(key);
        }
        self.i = start;
        None
    }

    /// A double-quoted string without escapes (checked by [`tag_end`]).
    fn string(&mut self) -> Option<&'s str> {
        let close = self.s[self.i + 1..].find('"')? + self.i + 1;
        let content = &self.s[self.i + 1..close];
        self.i = close + 1;
        Some(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::templating;

    /// What Handlebars builds for `src`, compiled the way blueprints are.
    fn handlebars(src: &str) -> Option<Template> {
        let mut hb = templating::registry();
        hb.register_template_string("t", src).ok()?;
        hb.get_template("t").cloned()
    }

    /// Either declines or builds exactly what Handlebars builds; returns whether
    /// it built.
    fn agrees(src: &str) -> bool {
        let Some(mine) = compile("t", src) else {
            return false;
        };
        let theirs = handlebars(src);
        assert_eq!(Some(&mine), theirs.as_ref(), "source: {src:?}");
        true
    }

    #[test]
    fn common_constructs_build_what_handlebars_builds() {
        let cases = [
            "",
            "plain text\n",
            "  \n\t\n",
            "{{name}}",
            "a {{name}} b\n",
            "{{ name }}\n  {{owner}}  \n",
            "{{snake_case name}}-{{toml_str description}}",
            "{{#if a}}\nyes\n{{else}}\nno\n{{/if}}\n",
            "{{#if a}}yes{{/if}}",
            "  {{#if a}}  \n  x\n  {{/if}}  \ntail",
            "{{#if (eq auth \"jwt\")}}\nA\n{{else if (contains iac \"k8s\")}}\nB\n{{else if c}}\nC\n{{else}}\nD\n{{/if}}\n",
            "{{#if a}}A{{else if b}}B{{/if}}",
            "{{#if a}}A{{else if b}}B{{else if c}}C{{/if}}\n",
            "{{#each items}}\n- {{this}}{{#unless @last}},{{/unless}}\n{{/each}}\n",
            "{{#each iac}}{{#unless @first}}, {{/unless}}{{this}}{{/each}}",
            "x: {{idp_egress_cidrs.[0]}}\n",
            "{{> partial-name}}\n",
            "  {{> partial-name}}\n  after\n",
            "{{> p a b=c}}\n",
            "{{!-- a comment --}}\nline\n",
            "{{! short }}\n",
            "{{!-- a {{tag}} inside --}}\n",
            "{{!--}} x --}}\n",
            "text {{! inline }} more\n",
            "run: echo $\\{{ github.sha }} and \\{{{{x}}\n",
            "a \\\\{{name}} b",
            "{{#if a}}\n{{#if b}}\n  nested {{c}}\n{{/if}}\n{{/if}}",
            "{{lookup this \"k\"}} {{eq a true}} {{ne b null}} {{f x=(g y \"z\")}}",
            "{{#if a}}\n\n{{/if}}",
            "{{#if a}}{{/if}}\n\n",
            "é {{name}} ü\n{{x}}",
            "{{../name}} {{@root.x}} {{this.y}}",
            "{{#if a}}\n  {{b}}\n{{else}}\n  {{c}}\n{{/if}}",
        ];
        let declined: Vec<&str> = cases.into_iter().filter(|src| !agrees(src)).collect();
        assert!(declined.is_empty(), "declined: {declined:?}");
    }

    #[test]
    fn declines_what_it_does_not_cover() {
        for src in [
            "{{~name}}",
            "{{name~}}",
            "{{{name}}}",
            "{{{{raw}}}}x{{{{/raw}}}}",
            "{{#each xs as |x|}}{{x}}{{/each}}",
            "{{f 1}}",
            "{{f 'x'}}",
            "{{#*inline \"p\"}}x{{/inline}}",
            "{{#if a}}x{{/unless}}",
            "{{#if a}}x{{else}}y{{else}}z{{/if}}",
            "{{! --x--}}",
            "{{#if a}}x",
            "{{/if}}",
            "{{else}}",
            "{{#if a}}{{elsewhere}}{{/if}}",
            "a\r\n{{b}}",
            "{{ }}",
            "{{f \"a\\\"b\"}}",
            "{{&x}}",
            "{{^}}",
            "{{f as}}",
            "{{f true.x}}",
        ] {
            assert!(compile("t", src).is_none(), "{src:?}");
        }
    }

    /// Every template and partial of every built-in blueprint, layer and frozen
    /// release: built exactly as Handlebars builds it, and nearly all of them built.
    #[test]
    fn every_built_in_template_builds_what_handlebars_builds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints");
        let (mut built, mut total) = (0, 0);
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("hbs") {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            total += 1;
            if agrees(&text) {
                built += 1;
            }
        }
        assert!(total > 50, "found only {total} templates");
        assert!(built * 10 >= total * 9, "built {built} of {total}");
    }

    /// The conditions, defaults and templated file names of every built-in
    /// blueprint and frozen release, which compile through [`compile`] too.
    #[test]
    fn every_built_in_manifest_template_builds_what_handlebars_builds() {
        use crate::blueprint::{templating::condition_source, value::Value, Catalog};
        let catalog = Catalog::embedded();
        let (mut built, mut total) = (0, 0);
        for id in catalog.ids() {
            let mut blueprints = vec![catalog.load_shared(id).unwrap()];
            for v in catalog.release_versions(id).unwrap() {
                blueprints.push(catalog.load_version_shared(id, &v).unwrap());
            }
            for bp in &blueprints {
                let m = &bp.manifest;
                let mut sources: Vec<String> = Vec::new();
                for v in &m.variables {
                    sources.extend(v.when.as_deref().map(condition_source));
                    if let Some(Value::String(d)) = &v.default {
                        sources.push(d.clone());
                    }
                }
                sources.extend(
                    m.files
                        .iter()
                        .filter_map(|r| r.when.as_deref().map(condition_source)),
                );
                for t in &bp.templates {
                    sources.extend(
                        t.rule_path()
                            .split('/')
                            .filter(|c| c.contains("{{"))
                            .map(str::to_string),
                    );
                }
                for src in sources {
                    total += 1;
                    if agrees(&src) {
                        built += 1;
                    }
                }
            }
        }
        assert!(total > 50, "found only {total}");
        assert!(built * 10 >= total * 9, "built {built} of {total}");
    }

    /// Plain paths are built as Handlebars' parser builds them; the rest is left to
    /// it. Every path of the built-in templates is also compared, inside whole
    /// templates, by the tests above.
    #[test]
    fn plain_paths_are_parsed_as_handlebars_parses_them() {
        let mut rng = crate::blueprint::test_rng::Rng(0x9e37_79b9_7f4a_7c15_u64);
        let mut next = move |n: usize| rng.below(n);
        let pieces = [
            "a", "name", "this", "thisx", "x_y", "a-b", "$v", "k:v", "0", "12", "é", "@root",
            "@index", "..", ".", "/", "[0]", "[a b]", "", "true", "else", "this.", "ü8",
        ];
        let mut plain = 0;
        for _ in 0..20_000 {
            let mut raw = String::new();
            for i in 0..1 + next(4) {
                if i > 0 {
                    raw.push(['.', '/'][next(2)]);
                }
                raw.push_str(pieces[next(pieces.len())]);
            }
            if let Some(mine) = plain_path(&raw) {
                plain += 1;
                assert_eq!(Some(mine), handlebars::Path::parse(&raw).ok(), "{raw:?}");
            }
        }
        assert!(plain > 2_000, "only {plain} plain paths");
    }

    /// Random templates made of the pieces blueprints use, in random order and
    /// nesting, with random blanks and newlines around them.
    #[test]
    fn generated_templates_build_what_handlebars_builds() {
        let mut rng = crate::blueprint::test_rng::Rng(0x2545_f491_4f6c_dd1d_u64);
        let mut next = move |n: usize| rng.below(n);
        let atoms = [
            "text",
            " ",
            "  ",
            "\t",
            "\n",
            "\n\n",
            "é",
            "{{name}}",
            "{{ a.b }}",
            "{{f x}}",
            "{{f (g x \"s\") k=v}}",
            "{{> p}}",
            "{{!-- c --}}",
            "{{! c }}",
            "\\{{x}}",
            "\\\\{{y}}",
            "}",
            "{",
            "{{this}}",
        ];
        let (mut built, mut accepted) = (0, 0);
        let mut declined = Vec::new();
        for _ in 0..3000 {
            let mut src = String::new();
            let mut open: Vec<&str> = Vec::new();
            for _ in 0..next(30) {
                match next(10) {
                    0 => {
                        let kind = ["if", "unless", "each"][next(3)];
                        src.push_str(&format!("{{{{#{kind} c{}}}}}", next(3)));
                        open.push(kind);
                    }
                    1 if !open.is_empty() => src.push_str("{{else}}"),
                    2 if open.last() == Some(&"if") => src.push_str("{{else if d}}"),
                    3 if !open.is_empty() => {
                        src.push_str(&format!("{{{{/{}}}}}", open.pop().unwrap()));
                    }
                    _ => src.push_str(atoms[next(atoms.len())]),
                }
            }
            while let Some(kind) = open.pop() {
                src.push_str(["", "\n", "  \n"][next(3)]);
                src.push_str(&format!("{{{{/{kind}}}}}"));
            }
            if agrees(&src) {
                built += 1;
            } else if handlebars(&src).is_none() {
                continue;
            } else if declined.len() < 5 {
                declined.push(src);
            }
            accepted += 1;
        }
        assert!(
            accepted > 1000 && built * 10 >= accepted * 9,
            "built {built} of the {accepted} Handlebars accepts; declined for example {declined:#?}"
        );
    }
}
