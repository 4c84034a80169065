//! YAML files the guardrails read: GitHub workflows and actions, dependabot, GitLab CI
//! and Kubernetes manifests, parsed into a small tree that keeps line numbers.
//!
//! The tree ([`Node`]) is our own so the parser crate can be swapped: rules see
//! `line()`, `get(key)`, `as_str()`, `items()` and `entries()`, never the crate's types.
//!
//! Parsing is bounded. Files over [`MAX_FILE_BYTES`] are refused, nesting deeper than
//! [`MAX_DEPTH`] is refused, and every node built counts against [`MAX_NODES`] —
//! including the copies an alias expands to, which are counted *before* they are made,
//! so an alias bomb is refused after a few thousand steps instead of exhausting memory.
//! Malformed YAML becomes a [`Warning`] with the line, never a panic.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use yaml_rust2::parser::Parser;
use yaml_rust2::scanner::{Scanner, TScalarStyle, TokenType};
use yaml_rust2::Event;

use crate::files::{SourceFile, Warning};

/// Larger YAML files are not parsed.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Deeper nesting is refused (real manifests stay far below this).
pub const MAX_DEPTH: usize = 128;
/// Most nodes one file may expand to, aliases included.
pub const MAX_NODES: usize = 200_000;
/// Most lines [`reindent_dedented_flow`] re-indents in one file before giving up.
pub const MAX_REINDENTS: usize = 64;

/// What a YAML file is, from its path and contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YamlKind {
    /// `.github/workflows/*.yml`
    Workflow,
    /// `action.yml` / `action.yaml` (a composite, JavaScript or Docker action)
    Action,
    /// `.github/dependabot.yml`
    Dependabot,
    /// `.gitlab-ci.yml` and the local files it includes
    GitlabCi,
    /// Any other YAML holding at least one object with `apiVersion` and `kind`
    Kubernetes,
    /// A docker compose file (`docker-compose.yml`, `compose.prod.yaml`, …)
    Compose,
    /// Parsed but none of the above
    Other,
}

/// One parsed YAML file: every document of the stream, in order.
#[derive(Clone, Debug)]
pub struct YamlFile {
    /// Relative to the repository root, `/`-separated.
    pub path: PathBuf,
    pub kind: YamlKind,
    pub docs: Vec<Node>,
}

impl YamlFile {
    /// The first document (workflows and CI files have exactly one).
    pub fn root(&self) -> Option<&Node> {
        self.docs.first()
    }

    /// The document holding a GitLab pipeline: the second one when the first is only
    /// a `spec:` header (GitLab CI inputs, `spec: inputs: …` then `---`), else the first.
    pub fn gitlab_pipeline(&self) -> Option<&Node> {
        gitlab_pipeline_doc(&self.docs)
    }

    pub fn path_str(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }
}

/// A YAML node with the 1-based line where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    line: u32,
    value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar's text; `plain` is false when it was quoted or a block scalar;
    /// `literal` is true for `|` blocks, whose lines map one-to-one to the source.
    Scalar {
        text: String,
        plain: bool,
        literal: bool,
    },
    Seq(Vec<Node>),
    /// Keys in source order (duplicates kept; lookups take the first).
    Map(Vec<(Node, Node)>),
}

static NULL: Node = Node {
    line: 0,
    value: Value::Seq(Vec::new()),
};

impl Node {
    pub fn scalar(line: u32, text: &str) -> Node {
        Node {
            line,
            value: Value::Scalar {
                text: text.to_owned(),
                plain: true,
                literal: false,
            },
        }
    }

    /// A sequence at `line` (for manifests made from another format).
    pub fn seq(line: u32, items: Vec<Node>) -> Node {
        Node {
            line,
            value: Value::Seq(items),
        }
    }

    /// A mapping at `line`, entries in order (for manifests made from another format).
    pub fn map(line: u32, entries: Vec<(Node, Node)>) -> Node {
        Node {
            line,
            value: Value::Map(entries),
        }
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The text of a scalar (numbers and booleans included, as written).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The source line of byte `offset` of this scalar's text: exact for literal
    /// (`|`) blocks, the scalar's first line otherwise (folding loses the mapping).
    pub fn line_at(&self, offset: usize) -> u32 {
        match &self.value {
            Value::Scalar {
                text,
                literal: true,
                ..
            } => {
                let before = text.get(..offset).unwrap_or(text);
                let n = before.matches('\n').count();
                self.line
                    .saturating_add(u32::try_from(n).unwrap_or(u32::MAX))
            }
            _ => self.line,
        }
    }

    /// `true`/`false` in any case, quoted or not (GitHub and GitLab accept both).
    pub fn as_bool(&self) -> Option<bool> {
        let s = self.as_str()?.trim();
        if s.eq_ignore_ascii_case("true") {
            Some(true)
        } else if s.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_str()?.trim().parse().ok()
    }

    /// A plain `~`, `null` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true, .. }
            if text.is_empty() || text == "~" || text.eq_ignore_ascii_case("null"))
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// Sequence items; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Mapping entries with scalar keys, in source order (merge keys `<<` included
    /// as written); empty for anything else.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Node, &Node)> {
        let pairs: &[(Node, Node)] = match &self.value {
            Value::Map(pairs) => pairs,
            _ => &[],
        };
        pairs
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|ks| (ks, k, v)))
    }

    /// The key node and value of `key`, looking through `<<` merge keys.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.get_entry_depth(key, 0)
    }

    fn get_entry_depth(&self, key: &str, depth: usize) -> Option<(&Node, &Node)> {
        let Value::Map(pairs) = &self.value else {
            return None;
        };
        if let Some((k, v)) = pairs.iter().find(|(k, _)| k.as_str() == Some(key)) {
            return Some((k, v));
        }
        if depth > MAX_DEPTH {
            return None;
        }
        for (k, v) in pairs {
            if k.as_str() != Some("<<") {
                continue;
            }
            let sources: Vec<&Node> = if v.is_seq() {
                v.items().iter().collect()
            } else {
                vec![v]
            };
            for src in sources {
                if let Some(found) = src.get_entry_depth(key, depth + 1) {
                    return Some(found);
                }
            }
        }
        None
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// Line of `key` itself, when present.
    pub fn key_line(&self, key: &str) -> Option<u32> {
        self.get_entry(key).map(|(k, _)| k.line)
    }

    /// Follows a path of keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut node = self;
        for key in keys {
            node = node.get(key)?;
        }
        Some(node)
    }

    /// `get(key)` as a string.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// `get(key)` as a boolean.
    pub fn bool_at(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Node::as_bool)
    }

    /// The node for an absent key, so chains can go on without `Option`s.
    pub fn get_or_empty(&self, key: &str) -> &Node {
        self.get(key).unwrap_or(&NULL)
    }

    /// Every scalar below this node (this one included), depth-first.
    pub fn scalars(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            match &n.value {
                Value::Scalar { .. } => out.push(n),
                Value::Seq(items) => stack.extend(items.iter().rev()),
                Value::Map(pairs) => {
                    for (k, v) in pairs.iter().rev() {
                        stack.push(v);
                        stack.push(k);
                    }
                }
            }
        }
        out
    }
}

/// Why a file could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn err(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line: u32::try_from(line).ok(),
        message: message.into(),
    }
}

enum Frame {
    Seq {
        line: u32,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: u32,
        anchor: usize,
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// Subtree sizes are kept beside anchors so an alias is costed before it is copied.
struct Builder {
    stack: Vec<Frame>,
    /// Anchored node, its node count and its height.
    anchors: HashMap<usize, (Node, usize, usize)>,
    /// Node count and height of each open frame so far, for anchors.
    sizes: Vec<(usize, usize)>,
    docs: Vec<Node>,
    nodes: usize,
}

impl Builder {
    fn charge(&mut self, n: usize, line: usize) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(err(
                line,
                format!("more than {MAX_NODES} nodes (alias expansion?); file skipped"),
            ));
        }
        Ok(())
    }

    /// Adds a finished node (of `size` nodes, `height` levels) to the open frame or
    /// the document list.
    fn finish(&mut self, node: Node, size: usize, height: usize, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size, height));
        }
        if let Some((psize, pheight)) = self.sizes.last_mut() {
            *psize = psize.saturating_add(size);
            *pheight = (*pheight).max(height + 1);
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => *key = Some(node),
            },
            None => self.docs.push(node),
        }
    }
}

/// Parses a YAML stream into its documents, within the bounds above.
pub fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(err(0, "larger than 1 MiB; not parsed"));
    }
    // The parser is iterative and bounded, but it is a third-party state machine fed
    // hostile input: a panic inside it must still end as a warning.
    match std::panic::catch_unwind(|| parse_lenient(text)) {
        Ok(result) => result,
        Err(_) => Err(err(0, "YAML parser failed on this input")),
    }
}

/// [`parse`] without the repair of [`reindent_dedented_flow`]: what yaml-rust2 alone
/// accepts. For measuring the repair (`scripts/yaml-corpus.sh`), not for auditing.
pub fn parse_strict(text: &str) -> Result<Vec<Node>, ParseError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(err(0, "larger than 1 MiB; not parsed"));
    }
    match std::panic::catch_unwind(|| parse_events(text)) {
        Ok(result) => result,
        Err(_) => Err(err(0, "YAML parser failed on this input")),
    }
}

/// [`parse_events`], and when it fails only because a line inside a flow collection or
/// a quoted scalar is indented less than yaml-rust2 demands, once more on the text with
/// those lines re-indented (see [`reindent_dedented_flow`]).
fn parse_lenient(text: &str) -> Result<Vec<Node>, ParseError> {
    let strict = parse_events(text);
    if strict.is_ok() {
        return strict;
    }
    match reindent_dedented_flow(text) {
        Some(fixed) => parse_events(&fixed).or(strict),
        None => strict,
    }
}

/// GitHub (YamlDotNet), Kubernetes (go-yaml) and PyYAML accept a multi-line flow
/// collection whose closing bracket, or whose items, sit left of the column yaml-rust2
/// requires, e.g. a `]` back at its key's indentation:
///
/// ```yaml
/// matrix:
///   dir: [
///     'a',
///   ]
/// ```
///
/// yaml-rust2 (and saphyr) refuse it with "invalid indentation" (upstream issues
/// yaml-rust2 #30 and #69, saphyr #55), and the file would go unaudited. Inside a flow
/// collection and a quoted scalar indentation carries no meaning (leading blanks of a
/// continuation line are folded away), so moving such a line right changes no value.
///
/// The repair is driven by the real scanner, never by guessing: scan; on an indentation
/// error whose token is the first on its line and lies inside an open flow collection,
/// move that line to one column past the collection's opening bracket (always deep
/// enough, since the bracket itself was accepted); on "invalid indentation in quoted
/// scalar", move the scalar's continuation lines to one column past its opening quote.
/// Then scan again. Lines are only padded, never joined or split, so every line number
/// stays what the user sees; columns change and nothing reports columns. Any other
/// error, a line that gets no deeper, or more than [`MAX_REINDENTS`] repairs gives
/// `None` and the original error stands.
pub fn reindent_dedented_flow(text: &str) -> Option<String> {
    let mut current = text.to_owned();
    for _ in 0..MAX_REINDENTS {
        let mut scanner = Scanner::new(current.chars());
        let mut open: Vec<(usize, usize)> = Vec::new();
        for token in &mut scanner {
            match token.1 {
                TokenType::FlowSequenceStart | TokenType::FlowMappingStart => {
                    open.push((token.0.line(), token.0.col()));
                }
                TokenType::FlowSequenceEnd | TokenType::FlowMappingEnd => {
                    open.pop();
                }
                _ => {}
            }
        }
        let Some(error) = scanner.get_error() else {
            return (current != text).then_some(current);
        };
        let mark = error.marker();
        let (lines, to_col) = match error.info() {
            "invalid indentation" | "invalid indentation in flow construct" => {
                let &(open_line, open_col) = open.last()?;
                if mark.line() <= open_line {
                    return None;
                }
                (mark.line()..=mark.line(), open_col + 1)
            }
            "invalid indentation in quoted scalar" => {
                let end = quoted_scalar_end_line(&current, mark.index())?;
                (mark.line() + 1..=end, mark.col() + 1)
            }
            _ => return None,
        };
        let before = current.clone();
        current = pad_lines(&current, lines, to_col);
        if current == before {
            return None;
        }
    }
    None
}

/// The 1-based line holding the closing quote of the quoted scalar whose opening quote
/// is char `start` of `text`.
fn quoted_scalar_end_line(text: &str, start: usize) -> Option<usize> {
    let (byte, quote) = text.char_indices().nth(start)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let rest = &text[byte + 1..];
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('\'', '\'') if chars.peek().map(|(_, n)| *n) == Some('\'') => {
                chars.next();
            }
            (q, c) if c == q => {
                let upto = &text[..byte + 1 + i];
                return Some(upto.matches('\n').count() + 1);
            }
            _ => {}
        }
    }
    None
}

/// `text` with each line of `lines` (1-based) whose leading spaces are fewer than
/// `to_col` padded to `to_col`. Blank lines and lines indented with tabs are left alone.
fn pad_lines(text: &str, lines: std::ops::RangeInclusive<usize>, to_col: usize) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[spaces..];
        let blank = rest.trim_end_matches(['\r', '\n']).is_empty();
        if lines.contains(&(n + 1)) && spaces < to_col && !blank && !rest.starts_with('\t') {
            out.push_str(&" ".repeat(to_col));
            out.push_str(rest);
        } else {
            out.push_str(line);
        }
    }
    out
}

fn line_u32(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

fn parse_events(text: &str) -> Result<Vec<Node>, ParseError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        sizes: Vec::new(),
        docs: Vec::new(),
        nodes: 0,
    };
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| err(e.marker().line(), e.info().to_owned()))?;
        let line = mark.line();
        match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart => b.anchors.clear(),
            Event::Alias(id) => {
                let Some((size, height)) = b.anchors.get(&id).map(|(_, s, h)| (*s, *h)) else {
                    return Err(err(line, "alias to an undefined or unfinished anchor"));
                };
                // Costed before it is copied: node count and the depth it reaches.
                b.charge(size, line)?;
                if b.stack.len() + height > MAX_DEPTH {
                    return Err(err(
                        line,
                        format!("alias expands deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let Some(node) = b.anchors.get(&id).map(|(n, _, _)| n.clone()) else {
                    return Err(err(line, "alias to an undefined anchor"));
                };
                b.finish(node, size, height, 0);
            }
            Event::Scalar(text, style, anchor, _) => {
                b.charge(1, line)?;
                let plain = matches!(style, TScalarStyle::Plain);
                let literal = matches!(style, TScalarStyle::Literal);
                let node = Node {
                    line: line_u32(line),
                    value: Value::Scalar {
                        text,
                        plain,
                        literal,
                    },
                };
                b.finish(node, 1, 1, anchor);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                b.charge(1, line)?;
                if b.stack.len() >= MAX_DEPTH {
                    return Err(err(line, format!("nested deeper than {MAX_DEPTH} levels")));
                }
                let line = line_u32(line);
                b.stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        line,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        line,
                        anchor,
                        pairs: Vec::new(),
                        key: None,
                    }
                });
                b.sizes.push((1, 1));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (size, height) = b.sizes.pop().unwrap_or((1, 1));
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        line,
                        anchor,
                        items,
                    }) => (
                        Node {
                            line,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        line,
                        anchor,
                        pairs,
                        ..
                    }) => (
                        Node {
                            line,
                            value: Value::Map(pairs),
                        },
                        anchor,
                    ),
                    None => return Err(err(line, "unbalanced collection end")),
                };
                b.finish(node, size, height, anchor);
            }
        }
    }
    Ok(b.docs)
}

fn classify_path(path: &str) -> Option<YamlKind> {
    let lower = path.to_ascii_lowercase();
    let is_yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    if !is_yaml {
        return None;
    }
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if let Some(rest) = lower.strip_prefix(".github/workflows/") {
        if !rest.contains('/') {
            return Some(YamlKind::Workflow);
        }
    }
    if lower == ".github/dependabot.yml" || lower == ".github/dependabot.yaml" {
        return Some(YamlKind::Dependabot);
    }
    if name == "action.yml" || name == "action.yaml" {
        return Some(YamlKind::Action);
    }
    if lower == ".gitlab-ci.yml" || lower == ".gitlab-ci.yaml" {
        return Some(YamlKind::GitlabCi);
    }
    if is_compose_name(name) {
        return Some(YamlKind::Compose);
    }
    if name == "kustomization.yaml" || name == "kustomization.yml" {
        // Kept for its namespace and patch lists even without apiVersion/kind.
        return Some(YamlKind::Other);
    }
    None
}

/// A docker compose file name: `docker-compose.yml`, `compose.yaml`,
/// `docker-compose.prod.yml`, … (lower case).
pub fn is_compose_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
    else {
        return false;
    };
    ["docker-compose", "compose"]
        .iter()
        .any(|p| stem == *p || stem.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
}

/// Whether a document looks like a Kubernetes object.
fn is_k8s_object(doc: &Node) -> bool {
    doc.str_at("apiVersion").is_some() && doc.str_at("kind").is_some()
}

/// A Helm template or other templated YAML is not YAML until rendered.
fn is_template(path: &str, text: &str) -> bool {
    (path.contains("/templates/") || path.starts_with("templates/")) && text.contains("{{")
}

fn warn(warnings: &mut Vec<Warning>, path: &Path, message: String) {
    warnings.push(Warning {
        file: path.to_path_buf(),
        message,
    });
}

fn parse_file(file: &SourceFile, warnings: &mut Vec<Warning>) -> Option<Vec<Node>> {
    // Without text the walker has already said why (too large, binary, not UTF-8).
    let text = file.text.as_deref()?;
    if file.size > MAX_FILE_BYTES || text.len() as u64 > MAX_FILE_BYTES {
        warn(
            warnings,
            &file.path,
            format!(
                "YAML file of {} bytes exceeds the 1 MiB limit; not checked",
                file.size
            ),
        );
        return None;
    }
    match parse(text) {
        Ok(docs) => Some(docs),
        Err(e) => {
            warn(warnings, &file.path, format!("YAML not parsed: {e}"));
            None
        }
    }
}

/// Local files named by a GitLab `include:` (strings starting with `/` or `local:`).
fn gitlab_local_includes(root: &Node) -> Vec<String> {
    let Some(include) = root.get("include") else {
        return Vec::new();
    };
    let items: Vec<&Node> = if include.is_seq() {
        include.items().iter().collect()
    } else {
        vec![include]
    };
    let mut out = Vec::new();
    for item in items {
        let local = match item.as_str() {
            Some(s) if !s.contains("://") => Some(s),
            Some(_) => None,
            None => item.str_at("local"),
        };
        if let Some(p) = local {
            let p = p.trim().trim_start_matches('/');
            if !p.is_empty() && !p.contains('*') && !p.split('/').any(|c| c == "..") {
                out.push(p.to_owned());
            }
        }
    }
    out
}

/// Parses the YAML files guardrails care about. Others are left alone.
/// See [`YamlFile::gitlab_pipeline`].
fn gitlab_pipeline_doc(docs: &[Node]) -> Option<&Node> {
    let first = docs.first()?;
    let header_only = first.is_map() && first.entries().all(|(k, _, _)| k == "spec");
    match docs.get(1) {
        Some(pipeline) if header_only => Some(pipeline),
        _ => Some(first),
    }
}

pub fn collect(files: &[SourceFile], warnings: &mut Vec<Warning>) -> Vec<YamlFile> {
    let mut out = Vec::new();
    let mut gitlab_queue: Vec<String> = Vec::new();
    let mut seen_gitlab: HashSet<String> = HashSet::new();
    for file in files {
        let path = file.path_str();
        let lower = path.to_ascii_lowercase();
        if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
            continue;
        }
        let kind = classify_path(&path);
        match kind {
            Some(kind) => {
                let Some(docs) = parse_file(file, warnings) else {
                    continue;
                };
                if kind == YamlKind::GitlabCi {
                    seen_gitlab.insert(path.clone());
                    if let Some(root) = gitlab_pipeline_doc(&docs) {
                        gitlab_queue.extend(gitlab_local_includes(root));
                    }
                }
                let kind = if kind == YamlKind::Other && docs.iter().any(is_k8s_object) {
                    YamlKind::Kubernetes
                } else {
                    kind
                };
                out.push(YamlFile {
                    path: file.path.clone(),
                    kind,
                    docs,
                });
            }
            None => {
                // Cheap text test first: most YAML in a repository is not a manifest.
                let Some(text) = file.text.as_deref() else {
                    continue;
                };
                if !(text.contains("apiVersion") && text.contains("kind"))
                    || is_template(&path, text)
                {
                    continue;
                }
                let Some(docs) = parse_file(file, warnings) else {
                    continue;
                };
                if docs.iter().any(is_k8s_object) {
                    out.push(YamlFile {
                        path: file.path.clone(),
                        kind: YamlKind::Kubernetes,
                        docs,
                    });
                }
            }
        }
    }
    // Local GitLab includes, transitively, each once.
    while let Some(inc) = gitlab_queue.pop() {
        if !seen_gitlab.insert(inc.clone()) {
            continue;
        }
        if let Some(existing) = out.iter_mut().find(|y| y.path_str() == inc) {
            existing.kind = YamlKind::GitlabCi;
            if let Some(root) = gitlab_pipeline_doc(&existing.docs) {
                gitlab_queue.extend(gitlab_local_includes(root));
            }
            continue;
        }
        let Some(file) = files.iter().find(|f| f.path_str() == inc) else {
            continue;
        };
        let Some(docs) = parse_file(file, warnings) else {
            continue;
        };
        if let Some(root) = gitlab_pipeline_doc(&docs) {
            gitlab_queue.extend(gitlab_local_includes(root));
        }
        out.push(YamlFile {
            path: file.path.clone(),
            kind: YamlKind::GitlabCi,
            docs,
        });
    }
    out
}

/// Rendered manifests (`paved drift --manifests`): every file is read as YAML whatever
/// its path (no file is a template, a workflow or a CI file there: `helm template
/// --output-dir` writes rendered files below `templates/`), and a file with an object
/// that has `apiVersion` and `kind` is Kubernetes.
pub fn collect_manifests(files: &[SourceFile], warnings: &mut Vec<Warning>) -> Vec<YamlFile> {
    let mut out = Vec::new();
    for file in files {
        let Some(docs) = parse_file(file, warnings) else {
            continue;
        };
        if docs.iter().any(is_k8s_object) {
            out.push(YamlFile {
                path: file.path.clone(),
                kind: YamlKind::Kubernetes,
                docs,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `collect` makes of some in-memory files.
    struct Collected {
        yaml: Vec<YamlFile>,
        warnings: Vec<Warning>,
    }

    impl Collected {
        fn from_memory(files: &[(&str, &str)]) -> Collected {
            let files = crate::files::in_memory(files);
            let mut warnings = Vec::new();
            let yaml = collect(&files, &mut warnings);
            Collected { yaml, warnings }
        }
    }

    #[test]
    fn lines_keys_and_values() {
        let docs = parse("a: 1\nb:\n  c: [x, y]\n  d: \"true\"\n").unwrap();
        let root = &docs[0];
        assert_eq!(root.key_line("b"), Some(2));
        assert_eq!(
            root.path(&["b", "c"]).unwrap().items()[1].as_str(),
            Some("y")
        );
        assert_eq!(root.path(&["b", "d"]).unwrap().as_bool(), Some(true));
        assert_eq!(root.get("b").unwrap().key_line("d"), Some(4));
        assert!(root.get("zz").is_none());
    }

    #[test]
    fn literal_block_lines() {
        let docs = parse("run: |\n  echo a\n  echo b\nx: >-\n  a\n  b\n").unwrap();
        let run = docs[0].get("run").unwrap();
        assert_eq!(run.line_at(0), 2);
        assert_eq!(
            run.line_at(run.as_str().unwrap().find("echo b").unwrap()),
            3
        );
        assert_eq!(docs[0].get("x").unwrap().line_at(2), 5);
    }

    #[test]
    fn merge_keys_and_aliases() {
        let docs = parse(".t: &t\n  image: alpine\njob:\n  <<: *t\n  script: [x]\n").unwrap();
        let job = docs[0].get("job").unwrap();
        assert_eq!(job.str_at("image"), Some("alpine"));
    }

    #[test]
    fn multi_document() {
        let docs = parse("kind: A\n---\nkind: B\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].key_line("kind"), Some(3));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("nodes"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&s).is_err());
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse(&block).is_err());
    }

    #[test]
    fn deep_alias_chains_are_refused() {
        let mut s = String::from("a0: &a0 x\n");
        for i in 1..40 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} {}*a{p}{}\n",
                "[".repeat(10),
                "]".repeat(10)
            ));
        }
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("deeper"), "{e}");
    }

    #[test]
    fn malformed_yaml_is_a_warning_with_line() {
        let model = Collected::from_memory(&[(
            ".github/workflows/ci.yml",
            "on: push\njobs: [\n  a: b: c\n",
        )]);
        assert!(model.yaml.is_empty());
        assert_eq!(model.warnings.len(), 1);
        assert!(
            model.warnings[0].message.contains("line"),
            "{:?}",
            model.warnings
        );
    }

    #[test]
    fn hostile_inputs_never_panic() {
        for s in [
            "",
            "---",
            "*a",
            "&a *a",
            "a: &a [*a]",
            "? ? ?",
            "{{{{",
            "- - - -",
            "!!binary x",
            "%YAML 1.2\n%YAML 1.2\n---",
            "a: |\n  x\n b",
            "\t\t",
            "'unterminated",
            "key: \"\\u12\"",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn classification() {
        let model = Collected::from_memory(&[
            (".github/workflows/ci.yml", "on: push\n"),
            (".github/dependabot.yml", "version: 2\n"),
            ("action.yml", "runs: {using: composite}\n"),
            (".gitlab-ci.yml", "include:\n  - local: ci/extra.yml\n"),
            ("ci/extra.yml", "job: {script: [x]}\n"),
            (
                "k8s/app.yaml",
                "apiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: Pod\n",
            ),
            ("config/app.yaml", "name: x\n"),
            (
                "k8s/kustomization.yaml",
                "namespace: app\nresources: [app.yaml]\n",
            ),
            (
                "chart/templates/d.yaml",
                "apiVersion: v1\nkind: {{ .Values.k }}\n",
            ),
        ]);
        let kinds: Vec<(String, YamlKind)> =
            model.yaml.iter().map(|y| (y.path_str(), y.kind)).collect();
        assert!(kinds.contains(&(".github/workflows/ci.yml".into(), YamlKind::Workflow)));
        assert!(kinds.contains(&(".github/dependabot.yml".into(), YamlKind::Dependabot)));
        assert!(kinds.contains(&("action.yml".into(), YamlKind::Action)));
        assert!(kinds.contains(&(".gitlab-ci.yml".into(), YamlKind::GitlabCi)));
        assert!(kinds.contains(&("ci/extra.yml".into(), YamlKind::GitlabCi)));
        assert!(kinds.contains(&("k8s/app.yaml".into(), YamlKind::Kubernetes)));
        assert!(kinds.contains(&("k8s/kustomization.yaml".into(), YamlKind::Other)));
        assert_eq!(kinds.len(), 7, "{kinds:?}");
        assert!(model.warnings.is_empty(), "{:?}", model.warnings);
    }

    #[test]
    fn alias_bomb_in_a_repository_is_a_warning_and_the_rest_is_checked() {
        let mut bomb = String::from(
            "apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
        );
        for i in 1..10 {
            let p = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let model = Collected::from_memory(&[
            ("k8s/bomb.yaml", bomb.as_str()),
            ("k8s/ok.yaml", "apiVersion: v1\nkind: Service\n"),
        ]);
        assert_eq!(model.yaml.len(), 1);
        assert_eq!(model.warnings.len(), 1);
        assert!(
            model.warnings[0].message.contains("nodes"),
            "{:?}",
            model.warnings
        );
    }

    /// `{k: [a, b]}`: a compact rendering to compare trees with what PyYAML builds.
    fn render(node: &Node) -> String {
        match node.value() {
            Value::Scalar { text, .. } => text.clone(),
            Value::Seq(items) => format!(
                "[{}]",
                items.iter().map(render).collect::<Vec<_>>().join(", ")
            ),
            Value::Map(pairs) => format!(
                "{{{}}}",
                pairs
                    .iter()
                    .map(|(k, v)| format!("{}: {}", render(k), render(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Each fixture is refused by yaml-rust2 as it is, and read after the repair as
    /// PyYAML reads it (`python3 -c 'import yaml; print(yaml.safe_load(open(F)))'`),
    /// with every line number unchanged.
    #[test]
    fn dedented_flow_and_quoted_lines_parse_like_pyyaml() {
        let cases: [(&str, &str, &str, u32); 5] = [
            (
                include_str!("../../../tests/fixtures/yaml-lenient/flow-sequence-close.yml"),
                "{matrix: {dir: [a, b]}, after: 1}",
                "after",
                7,
            ),
            (
                include_str!("../../../tests/fixtures/yaml-lenient/flow-mapping-close.yml"),
                "{steps: [{with: {a: 1, b: 2}}, {run: x}]}",
                "steps",
                2,
            ),
            (
                include_str!("../../../tests/fixtures/yaml-lenient/flow-items.yml"),
                "{key: [a, b, c], after: 1}",
                "after",
                4,
            ),
            (
                include_str!("../../../tests/fixtures/yaml-lenient/quoted-continuation.yml"),
                "{k: {v: a b, w: 1}}",
                "k",
                2,
            ),
            (
                include_str!("../../../tests/fixtures/yaml-lenient/nested.yml"),
                "{jobs: {t: {strategy: {matrix: {include: [{os: linux, arch: x64}]}}, runs-on: x}}}",
                "jobs",
                2,
            ),
        ];
        for (text, tree, key, line) in cases {
            assert!(
                parse_events(text).is_err(),
                "yaml-rust2 now accepts:\n{text}"
            );
            let docs = parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(render(&docs[0]), tree);
            assert_eq!(docs[0].key_line(key), Some(line), "{text}");
        }
        // Lines keep their numbers below a repaired collection.
        let docs = parse(include_str!(
            "../../../tests/fixtures/yaml-lenient/nested.yml"
        ))
        .unwrap();
        let t = docs[0].path(&["jobs", "t"]).unwrap();
        assert_eq!(t.key_line("runs-on"), Some(10));
        let include = t.path(&["strategy", "matrix", "include"]).unwrap();
        assert_eq!(include.items()[0].key_line("arch"), Some(8));
    }

    #[test]
    fn other_errors_are_not_repaired() {
        // A real mistake keeps its error and line.
        for text in ["a: [1, 2\nb: 3\n", "a:\n  b: 1\n c: 2\n", "a: \"x\n"] {
            assert!(reindent_dedented_flow(text).is_none(), "{text}");
            assert!(parse(text).is_err(), "{text}");
        }
        // A file that needs no repair is not rewritten.
        assert!(reindent_dedented_flow("a: [1,\n  2]\n").is_none());
        // Many dedented lines stop after MAX_REINDENTS.
        let mut many = String::from("a:\n  b: [\n");
        for _ in 0..(MAX_REINDENTS + 5) {
            many.push_str("x,\n");
        }
        many.push_str("  ]\n");
        assert!(reindent_dedented_flow(&many).is_none());
    }

    #[test]
    fn oversized_file_is_a_warning() {
        let big = format!("a: {}\n", "x".repeat(1024 * 1024 + 10));
        let model = Collected::from_memory(&[(".github/workflows/big.yml", big.as_str())]);
        assert!(model.yaml.is_empty());
        assert!(model.warnings[0].message.contains("1 MiB"));
    }
}
