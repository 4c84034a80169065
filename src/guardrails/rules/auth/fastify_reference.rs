//! The fastify reader as it was before its files were read on all cores (one walk
//! per file collecting every node, `Node::kind` strings, field names looked up by
//! name): kept as the reference the differential tests compare `fastify::analyse`
//! and `fastify::prepare` with. Test-only; not changed except to compile here.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Tree};

use crate::guardrails::{RepoModel, SourceFile};

use super::contract::{self, ALLOW_LIST};
use super::fastify::{
    is_auth_plugin, App, Facts, Route, HOOK_FILE, INSTALL, REQUEST_HOOKS, ROUTE_METHODS,
};
use super::syntax::{
    self, children, descendants, guarding_condition, last_name, line, number, receiver,
    string_value, text, Lang,
};
use super::wiring::{duration_seconds, is_api_key_module, is_secret_name, Leeway, Spot};

/// An instance (`Fastify()`) or a plugin context (`register(fn)`).
#[derive(Debug, Clone)]
struct Ctx {
    parent: Option<usize>,
    /// `fp(...)`: the plugin's hooks apply to its parent.
    fp: bool,
    file: usize,
    line: u32,
    /// The variable (root) or first parameter (plugin) that names the instance.
    instance: String,
    root: bool,
}

struct Source {
    path: PathBuf,
    text: String,
    tree: Tree,
}

/// Reads every file `include` selects; `is_auth` says which hook handlers, plugins and
/// installers count as authentication.
pub(super) fn analyse(
    repo: &RepoModel,
    include: impl Fn(&str) -> bool,
    is_auth: &dyn Fn(&str) -> bool,
) -> Facts {
    let mut facts = Facts::default();
    let mut sources = Vec::new();
    let selected: Vec<(&SourceFile, &String, Lang)> = repo
        .files()
        .iter()
        .filter_map(|f| {
            let path = f.path_str();
            if !include(&path) {
                return None;
            }
            Some((f, f.text.as_ref()?, Lang::of(&path)?))
        })
        .collect();
    // Parsing is most of the analysis (35 M instructions for a fresh service), and
    // was one long task on one core: the files are parsed on all of them, then read
    // in order as before.
    let wanted: Vec<(&Path, &str, Lang)> = selected
        .iter()
        .map(|(f, text, lang)| (f.path.as_path(), text.as_str(), *lang))
        .collect();
    let parsed: Vec<_> = wanted
        .iter()
        .map(|&(_, text, lang)| syntax::parse(lang, text))
        .collect();
    for ((f, text, _), result) in selected.into_iter().zip(parsed) {
        match result {
            Ok(tree) => sources.push(Source {
                path: f.path.clone(),
                text: text.clone(),
                tree,
            }),
            Err(why) => facts.unreadable.push(Spot::new(
                f.path.clone(),
                None,
                format!("authentication source {why}"),
            )),
        }
    }
    Analysis {
        sources: &sources,
        is_auth,
        facts: &mut facts,
    }
    .run();
    facts
}

struct Analysis<'a> {
    sources: &'a [Source],
    is_auth: &'a dyn Fn(&str) -> bool,
    facts: &'a mut Facts,
}

fn args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    call.child_by_field_name("arguments")
        .map(|a| {
            children(a)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect()
        })
        .unwrap_or_default()
}

/// Strips `await`, parentheses and type assertions.
fn unwrap_expr(mut n: Node<'_>) -> Node<'_> {
    loop {
        match n.kind() {
            "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => match n.named_child(0) {
                Some(c) => n = c,
                None => return n,
            },
            _ => return n,
        }
    }
}

fn is_function(n: Node<'_>) -> bool {
    matches!(
        n.kind(),
        "arrow_function" | "function_expression" | "function_declaration" | "function"
    )
}

/// The first parameter's name of a function node.
fn first_param(f: Node<'_>, src: &str) -> Option<String> {
    if let Some(p) = f.child_by_field_name("parameter") {
        return Some(text(p, src).to_owned());
    }
    let params = f.child_by_field_name("parameters")?;
    let first = children(params).into_iter().next()?;
    let pattern = first.child_by_field_name("pattern").unwrap_or(first);
    (pattern.kind() == "identifier").then(|| text(pattern, src).to_owned())
}

/// `name: value` of an object literal.
fn property<'t>(obj: Node<'t>, key: &str, src: &str) -> Option<Node<'t>> {
    if obj.kind() != "object" {
        return None;
    }
    children(obj).into_iter().find_map(|p| {
        (p.kind() == "pair"
            && p.child_by_field_name("key").is_some_and(|k| {
                text(k, src) == key || string_value(k, src).as_deref() == Some(key)
            }))
        .then(|| p.child_by_field_name("value"))
        .flatten()
    })
}

impl Analysis<'_> {
    fn run(&mut self) {
        // Every pass below reads each file's nodes in source order: walk each tree once
        // (walking was a fifth of a fastify service's audit), and keep its calls apart.
        let nodes: Vec<Vec<Node<'_>>> = self
            .sources
            .iter()
            .map(|s| descendants(s.tree.root_node()))
            .collect();
        let calls: Vec<Vec<Node<'_>>> = nodes
            .iter()
            .map(|all| {
                all.iter()
                    .copied()
                    .filter(|n| n.kind() == "call_expression")
                    .collect()
            })
            .collect();
        // Top-level functions and constants of every file, by name.
        let mut functions: HashMap<String, (usize, Node<'_>)> = HashMap::new();
        let mut constants: Vec<HashMap<String, Node<'_>>> = Vec::new();
        for (i, s) in self.sources.iter().enumerate() {
            let mut consts = HashMap::new();
            for &n in &nodes[i] {
                match n.kind() {
                    "function_declaration" => {
                        if let Some(name) = n.child_by_field_name("name") {
                            functions.insert(text(name, &s.text).to_owned(), (i, n));
                        }
                    }
                    "variable_declarator" => {
                        let (Some(name), Some(value)) = (
                            n.child_by_field_name("name"),
                            n.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        let name = text(name, &s.text).to_owned();
                        let value = unwrap_expr(value);
                        if is_function(value) {
                            functions.insert(name.clone(), (i, value));
                        }
                        if is_top_level(n) {
                            consts.insert(name, value);
                        }
                    }
                    _ => {}
                }
            }
            constants.push(consts);
        }

        // Contexts: every Fastify() instance, then every registered plugin.
        let mut ctxs: Vec<Ctx> = Vec::new();
        let mut ctx_of_fn: HashMap<usize, usize> = HashMap::new();
        for (i, s) in self.sources.iter().enumerate() {
            for &n in &calls[i] {
                let Some(f) = n.child_by_field_name("function") else {
                    continue;
                };
                // `Fastify(...)`, `fastify(...)`, `require("fastify")(...)`.
                let is_fastify = text(f, &s.text).eq_ignore_ascii_case("fastify")
                    || (f.kind() == "call_expression"
                        && f.child_by_field_name("function")
                            .is_some_and(|r| text(r, &s.text) == "require")
                        && args(f)
                            .first()
                            .and_then(|a| string_value(*a, &s.text))
                            .is_some_and(|m| m == "fastify"));
                if !is_fastify {
                    continue;
                }
                let Some(var) = n
                    .parent()
                    .map(unwrap_parent)
                    .filter(|p| p.kind() == "variable_declarator")
                    .and_then(|p| p.child_by_field_name("name"))
                else {
                    continue;
                };
                let var = text(var, &s.text).to_owned();
                self.facts.apps.push(App {
                    file: s.path.clone(),
                    line: line(n),
                    var: var.clone(),
                });
                ctxs.push(Ctx {
                    parent: None,
                    fp: false,
                    file: i,
                    line: line(n),
                    instance: var,
                    root: true,
                });
            }
        }
        // Registrations, resolved in passes so a plugin registered inside another
        // plugin finds its parent.
        let mut registrations: Vec<(usize, Node<'_>)> = Vec::new();
        for (i, s) in self.sources.iter().enumerate() {
            for &n in &calls[i] {
                if n.child_by_field_name("function").is_some_and(|f| {
                    f.kind() == "member_expression" && last_name(f, &s.text) == "register"
                }) {
                    registrations.push((i, n));
                }
            }
        }
        let mut done: HashSet<usize> = HashSet::new();
        for _ in 0..8 {
            for &(i, call) in &registrations {
                if done.contains(&call.id()) {
                    continue;
                }
                let s = &self.sources[i];
                let f = call.child_by_field_name("function").unwrap_or(call);
                let Some(recv) = receiver(f) else { continue };
                let Some(parent) = resolve(
                    text(recv, &s.text),
                    recv,
                    i,
                    &ctxs,
                    &ctx_of_fn,
                    self.sources,
                ) else {
                    continue;
                };
                done.insert(call.id());
                let Some(arg) = args(call).into_iter().next().map(unwrap_expr) else {
                    continue;
                };
                let (plugin, fp) = unwrap_fp(arg, &s.text);
                let target = if is_function(plugin) {
                    Some((i, plugin))
                } else if plugin.kind() == "identifier" {
                    functions.get(text(plugin, &s.text)).copied()
                } else {
                    None
                };
                let plugin_name = text(plugin, &s.text);
                if (self.is_auth)(plugin_name) || is_auth_plugin(plugin_name) {
                    self.note_auth(&s.path, line(call));
                    // A registered auth plugin decorates its parent; it authenticates
                    // only where routes use it, which `own_auth` sees.
                }
                if let Some((fi, fnode)) = target {
                    if ctx_of_fn.contains_key(&fnode.id()) {
                        continue;
                    }
                    let instance = first_param(fnode, &self.sources[fi].text).unwrap_or_default();
                    let fp = fp || wrapped_by_fp(fnode, &self.sources[fi].text);
                    ctxs.push(Ctx {
                        parent: Some(parent),
                        fp,
                        file: fi,
                        line: line(call),
                        instance,
                        root: false,
                    });
                    ctx_of_fn.insert(fnode.id(), ctxs.len() - 1);
                }
            }
        }

        // Where authentication is installed: twice, so a call of a function that
        // installs a hook on its parameter (read in the first pass) counts.
        let mut auth_ctx: HashMap<usize, u32> = HashMap::new();
        // The same, with the file of the installing call.
        let mut auth_at: HashMap<usize, (usize, u32)> = HashMap::new();
        let mut installers: HashSet<String> = HashSet::new();
        for (i, s) in self
            .sources
            .iter()
            .enumerate()
            .chain(self.sources.iter().enumerate())
        {
            for &n in &calls[i] {
                let Some(f) = n.child_by_field_name("function") else {
                    continue;
                };
                let callee = last_name(f, &s.text);
                let a = args(n);
                let target = if callee == "addHook"
                    && a.first()
                        .and_then(|h| string_value(*h, &s.text))
                        .is_some_and(|h| REQUEST_HOOKS.contains(&h.as_str()))
                    && a.get(1).is_some_and(|h| self.authenticates(*h, &s.text))
                {
                    receiver(f)
                } else if receiver(f).is_none()
                    && ((self.is_auth)(callee) || installers.contains(callee))
                    && callee != "register"
                {
                    // installAuthentication(app, ...)
                    a.first().copied().filter(|x| x.kind() == "identifier")
                } else {
                    None
                };
                let Some(target) = target else { continue };
                // A hook added to a plain function's parameter is installed where that
                // function is called, not here.
                if let Some(installer) = param_owner(target, &s.text, &ctx_of_fn) {
                    installers.insert(installer);
                    continue;
                }
                // Only a hook on (or an installer given) a fastify instance counts.
                if let Some(mut c) = resolve(
                    text(target, &s.text),
                    target,
                    i,
                    &ctxs,
                    &ctx_of_fn,
                    self.sources,
                ) {
                    self.note_auth(&s.path, line(n));
                    if let Some(cond) = guarding_condition(n, &s.text) {
                        self.facts.conditional.push(Spot::new(
                            s.path.clone(),
                            Some(line(n)),
                            format!(
                                "`{callee}` is installed only when `{cond}`: otherwise every \
                                 route is served without authentication"
                            ),
                        ));
                    }
                    while ctxs[c].fp {
                        match ctxs[c].parent {
                            Some(p) => c = p,
                            None => break,
                        }
                    }
                    auth_ctx.entry(c).or_insert(line(n));
                    auth_at.entry(c).or_insert((i, line(n)));
                }
            }
        }

        // Routes.
        for (i, s) in self.sources.iter().enumerate() {
            for &n in &calls[i] {
                let Some(f) = n.child_by_field_name("function") else {
                    continue;
                };
                let method = last_name(f, &s.text);
                if !ROUTE_METHODS.contains(&method) || f.kind() != "member_expression" {
                    continue;
                }
                let Some(recv) = receiver(f) else { continue };
                let Some(ctx) = resolve(
                    text(recv, &s.text),
                    recv,
                    i,
                    &ctxs,
                    &ctx_of_fn,
                    self.sources,
                ) else {
                    continue;
                };
                let a = args(n);
                let (path, opts) = if method == "route" {
                    let o = a.first().copied().filter(|o| o.kind() == "object");
                    (
                        o.and_then(|o| {
                            property(o, "url", &s.text).or_else(|| property(o, "path", &s.text))
                        })
                        .and_then(|u| string_value(u, &s.text)),
                        o,
                    )
                } else {
                    // `app.get("key")` with one argument reads a decorator or setting.
                    if a.len() < 2 {
                        continue;
                    }
                    let path = a.first().and_then(|p| string_value(*p, &s.text));
                    (path, a.get(1).copied().filter(|o| o.kind() == "object"))
                };
                let handler = a.last().copied().filter(|h| is_function(unwrap_expr(*h)));
                let own_auth = opts.is_some_and(|o| {
                    REQUEST_HOOKS.iter().any(|h| {
                        property(o, h, &s.text).is_some_and(|v| self.authenticates(v, &s.text))
                    })
                }) || handler.is_some_and(|h| self.authenticates(h, &s.text));
                if own_auth {
                    self.note_auth(&s.path, line(n));
                }
                let mut covered = None;
                let mut c = Some(ctx);
                while let Some(x) = c {
                    if let Some(&l) = auth_ctx.get(&x) {
                        covered = Some(l);
                        break;
                    }
                    c = ctxs[x].parent;
                }
                let mut root = ctx;
                while let Some(p) = ctxs[root].parent {
                    root = p;
                }
                let root_guard = covered
                    .is_none()
                    .then(|| {
                        auth_at
                            .iter()
                            .filter(|(k, _)| ctxs[**k].root && **k != root)
                            .map(|(_, (f, l))| (self.sources[*f].path.clone(), *l))
                            .min()
                    })
                    .flatten();
                let auth_elsewhere = if covered.is_none() {
                    auth_ctx
                        .keys()
                        .filter(|k| !ctxs[**k].root)
                        .map(|k| ctxs[*k].line)
                        .min()
                } else {
                    None
                };
                self.facts.routes.push(Route {
                    file: s.path.clone(),
                    line: line(n),
                    receiver: text(recv, &s.text).to_owned(),
                    how: method.to_owned(),
                    path,
                    covered: covered.is_some(),
                    own_auth,
                    auth_elsewhere,
                    config_line: opts.and_then(|o| property(o, "config", &s.text)).map(line),
                    root_guard,
                    static_files: false,
                });
            }
        }

        for (i, s) in self.sources.iter().enumerate() {
            self.verifier(s, &nodes[i], &constants[i]);
            if s.path.to_string_lossy() == HOOK_FILE {
                self.hook_module(s, &nodes[i], &constants[i]);
            }
        }
    }

    fn note_auth(&mut self, path: &Path, line: u32) {
        if self.facts.any_auth.is_none() {
            self.facts.any_auth = Some((path.to_path_buf(), line));
        }
    }

    /// A hook handler that authenticates: a named authentication function
    /// (`app.authenticate`, `verifyJwt`), or an inline function that calls one or reads
    /// the Authorization header.
    fn authenticates(&self, handler: Node<'_>, src: &str) -> bool {
        let h = unwrap_expr(handler);
        if is_function(h) {
            return descendants(h).into_iter().any(|n| match n.kind() {
                "call_expression" => n
                    .child_by_field_name("function")
                    .is_some_and(|f| (self.is_auth)(last_name(f, src))),
                "string" => {
                    string_value(n, src).is_some_and(|v| v.eq_ignore_ascii_case("authorization"))
                }
                "property_identifier" => text(n, src) == "authorization",
                _ => false,
            });
        }
        if h.kind() == "array" {
            return children(h).into_iter().any(|x| self.authenticates(x, src));
        }
        if h.kind() == "call_expression" {
            // app.auth([...]) from @fastify/auth, or a factory `requireAuth()`.
            return h
                .child_by_field_name("function")
                .is_some_and(|f| (self.is_auth)(last_name(f, src)));
        }
        (self.is_auth)(last_name(h, src))
    }

    /// `algorithms`, `clockTolerance`, `decodeJwt`, and `jwtVerify` with a secret.
    fn verifier(&mut self, s: &Source, nodes: &[Node<'_>], consts: &HashMap<String, Node<'_>>) {
        let src = &s.text;
        for &n in nodes {
            match n.kind() {
                "pair" => {
                    let (Some(k), Some(v)) =
                        (n.child_by_field_name("key"), n.child_by_field_name("value"))
                    else {
                        continue;
                    };
                    match text(k, src).trim_matches(['"', '\'']) {
                        "algorithms" => self.weak_strings(s, v, consts),
                        "clockTolerance" | "clockTimestamp_tolerance" | "leeway" => {
                            if let Some(seconds) = seconds(v, src, consts) {
                                self.facts.leeway.push(Leeway {
                                    file: s.path.clone(),
                                    line: line(n),
                                    what: format!("`{}`", text(n, src)),
                                    seconds,
                                });
                            }
                        }
                        _ => {}
                    }
                }
                "binary_expression" if is_api_key_module(&s.path) => self.comparison(s, n),
                "variable_declarator" if is_top_level(n) => {
                    let (Some(name), Some(v)) = (
                        n.child_by_field_name("name"),
                        n.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    if text(name, src).to_ascii_uppercase().contains("ALGORITHM") {
                        self.weak_strings(s, v, consts);
                    }
                }
                "call_expression" => {
                    let Some(f) = n.child_by_field_name("function") else {
                        continue;
                    };
                    match last_name(f, src) {
                        "equals" if is_api_key_module(&s.path) => {
                            let operands = receiver(f).into_iter().chain(args(n));
                            let name = operands
                                .flat_map(descendants)
                                .filter(|c| {
                                    matches!(c.kind(), "identifier" | "property_identifier")
                                })
                                .map(|c| text(c, src))
                                .find(|t| is_secret_name(t));
                            if let Some(name) = name {
                                self.facts.variable_time.push(Spot::new(
                                    s.path.clone(),
                                    Some(line(n)),
                                    format!(
                                        "`{name}` is compared with `equals`, which stops at the \
                                         first differing byte"
                                    ),
                                ));
                            }
                        }
                        "decodeJwt" => self.facts.weak.push(Spot::new(
                            s.path.clone(),
                            Some(line(n)),
                            "`decodeJwt` reads the token's claims without verifying its signature",
                        )),
                        "jwtVerify" => {
                            self.verify_options(s, n);
                            if let Some(key) = args(n).get(1).copied().map(unwrap_expr) {
                                if is_shared_secret(key, src, consts) {
                                    self.facts.weak.push(Spot::new(
                                        s.path.clone(),
                                        Some(line(key)),
                                        "`jwtVerify` is given a shared secret, so it accepts \
                                         HMAC-signed tokens",
                                    ));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        self.facts
            .weak
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        self.facts.weak.dedup();
    }

    /// jose's `jwtVerify(token, key, options)`: `issuer` and `audience` given, `exp`
    /// among `requiredClaims` (jose checks `iss`/`aud` only when they are given, and
    /// `exp` only when the token carries one).
    fn verify_options(&mut self, s: &Source, call: Node<'_>) {
        let src = &s.text;
        let Some(opts) = args(call).get(2).copied().map(unwrap_expr) else {
            self.facts.claims.push(Spot::new(
                s.path.clone(),
                Some(line(call)),
                "`jwtVerify` is given no options: tokens of any issuer and audience, and \
                 without `exp`, are accepted",
            ));
            return;
        };
        if opts.kind() != "object" {
            return;
        }
        for (key, what) in [
            ("issuer", "tokens of any issuer are accepted"),
            ("audience", "tokens minted for any audience are accepted"),
        ] {
            if property(opts, key, src).is_none() {
                self.facts.claims.push(Spot::new(
                    s.path.clone(),
                    Some(line(opts)),
                    format!("`jwtVerify` is given no `{key}`: {what}"),
                ));
            }
        }
        let required: Vec<String> = property(opts, "requiredClaims", src)
            .map(|v| {
                descendants(v)
                    .into_iter()
                    .filter_map(|c| string_value(c, src))
                    .collect()
            })
            .unwrap_or_default();
        if !required.iter().any(|c| c == "exp") {
            self.facts.claims.push(Spot::new(
                s.path.clone(),
                Some(line(opts)),
                "`jwtVerify`'s `requiredClaims` does not name `exp`: tokens without an expiry \
                 are accepted",
            ));
        }
    }

    /// `presented === digest` or `presented.equals(digest)` in an API-key module.
    fn comparison(&mut self, s: &Source, n: Node<'_>) {
        let src = &s.text;
        let Some(op) = n.child_by_field_name("operator").map(|o| text(o, src)) else {
            return;
        };
        if !matches!(op, "===" | "!==" | "==" | "!=") {
            return;
        }
        let (Some(l), Some(r)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return;
        };
        let literal = |c: Node<'_>| {
            matches!(
                unwrap_expr(c).kind(),
                "string" | "template_string" | "number" | "null" | "undefined" | "true" | "false"
            )
        };
        if literal(l) || literal(r) {
            return;
        }
        let name = [l, r]
            .into_iter()
            .flat_map(descendants)
            .filter(|c| matches!(c.kind(), "identifier" | "property_identifier"))
            .map(|c| text(c, src))
            .find(|t| is_secret_name(t));
        if let Some(name) = name {
            self.facts.variable_time.push(Spot::new(
                s.path.clone(),
                Some(line(n)),
                format!(
                    "`{name}` is compared with `{op}`, which takes longer the more leading bytes \
                     match"
                ),
            ));
        }
    }

    fn weak_strings(&mut self, s: &Source, v: Node<'_>, consts: &HashMap<String, Node<'_>>) {
        for (l, what) in contract::weak_strings(v, consts, &s.text) {
            self.facts
                .weak
                .push(Spot::new(s.path.clone(), Some(l), what));
        }
    }

    /// `PUBLIC_ENDPOINTS`, path literals the hook module special-cases, and whether
    /// it reads route `config`.
    fn hook_module(&mut self, s: &Source, nodes: &[Node<'_>], consts: &HashMap<String, Node<'_>>) {
        let src = &s.text;
        let mut in_list = HashSet::new();
        if let Some(&value) = consts.get(ALLOW_LIST) {
            self.facts.allow_list_found = true;
            in_list.extend(descendants(value).iter().map(|n| n.id()));
            let entries = (value.kind() == "array").then(|| children(value));
            self.facts.exemptions.extend(contract::listed(
                &s.path,
                value,
                entries,
                |e| matches!(e.kind(), "string" | "array" | "object"),
                src,
            ));
        }
        for &n in nodes {
            match n.kind() {
                "function_declaration"
                    if n.child_by_field_name("name")
                        .is_some_and(|x| text(x, src) == INSTALL) =>
                {
                    self.facts.install_defined = true;
                }
                "property_identifier" if matches!(text(n, src), "config" | "routeConfig") => {
                    self.facts.hook_reads_config = true;
                }
                "string" | "template_string"
                    if !in_list.contains(&n.id()) && !in_import(n, src) =>
                {
                    let found =
                        contract::special_case(&s.path, n, src, || enclosing_function(n, src));
                    self.facts.exemptions.extend(found);
                }
                _ => {}
            }
        }
    }
}

/// Past a `variable_declarator`'s value wrappers (`await`, `as`) up to the declarator.
fn unwrap_parent(mut n: Node<'_>) -> Node<'_> {
    while matches!(
        n.kind(),
        "await_expression" | "parenthesized_expression" | "as_expression" | "satisfies_expression"
    ) {
        match n.parent() {
            Some(p) => n = p,
            None => break,
        }
    }
    n
}

fn is_top_level(declarator: Node<'_>) -> bool {
    let mut p = declarator.parent();
    while let Some(x) = p {
        match x.kind() {
            "program" => return true,
            "lexical_declaration" | "variable_declaration" | "export_statement" => p = x.parent(),
            _ => return false,
        }
    }
    false
}

fn in_import(n: Node<'_>, src: &str) -> bool {
    n.parent().is_some_and(|p| {
        matches!(
            p.kind(),
            "import_statement" | "export_statement" | "import_require_clause"
        ) || (p.kind() == "arguments"
            && p.parent()
                .and_then(|c| c.child_by_field_name("function"))
                .is_some_and(|f| f.kind() == "import" || text(f, src) == "require"))
    })
}

/// The name of the plain (not registered) function whose first parameter `target`
/// names, when `target` is such a parameter.
fn param_owner(target: Node<'_>, src: &str, ctx_of_fn: &HashMap<usize, usize>) -> Option<String> {
    let name = text(target, src);
    let mut p = target.parent();
    while let Some(x) = p {
        if is_function(x) {
            if ctx_of_fn.contains_key(&x.id()) {
                return None;
            }
            if first_param(x, src).as_deref() == Some(name) {
                return x
                    .child_by_field_name("name")
                    .map(|n| text(n, src).to_owned())
                    .or_else(|| enclosing_function(x, src));
            }
        }
        p = x.parent();
    }
    None
}

/// `fp(fn)` / `fastifyPlugin(fn)`: the plugin shares its parent's context.
fn unwrap_fp<'t>(arg: Node<'t>, src: &str) -> (Node<'t>, bool) {
    if arg.kind() == "call_expression" {
        if let Some(f) = arg.child_by_field_name("function") {
            let name = text(f, src);
            if name == "fp" || name.eq_ignore_ascii_case("fastifyPlugin") {
                if let Some(inner) = args(arg).into_iter().next() {
                    return (unwrap_expr(inner), true);
                }
            }
        }
    }
    (arg, false)
}

/// A function declared as `const x = fp(async (app) => …)`.
fn wrapped_by_fp(f: Node<'_>, src: &str) -> bool {
    f.parent()
        .and_then(|a| a.parent())
        .is_some_and(|call| call.kind() == "call_expression" && unwrap_fp(call, src).1)
}

/// The context an instance name refers to at `at`: the innermost enclosing plugin
/// whose first parameter it is, else the root instance of that name.
fn resolve(
    name: &str,
    at: Node<'_>,
    file: usize,
    ctxs: &[Ctx],
    ctx_of_fn: &HashMap<usize, usize>,
    sources: &[Source],
) -> Option<usize> {
    let mut p = at.parent();
    while let Some(x) = p {
        if let Some(&c) = ctx_of_fn.get(&x.id()) {
            if ctxs[c].instance == name {
                return Some(c);
            }
        }
        if is_function(x) && first_param(x, &sources[file].text).as_deref() == Some(name) {
            // A parameter of a function that is not a registered plugin: unknown.
            if !ctx_of_fn.contains_key(&x.id()) {
                return root_named(name, file, ctxs).or(None);
            }
        }
        p = x.parent();
    }
    root_named(name, file, ctxs)
}

fn root_named(name: &str, file: usize, ctxs: &[Ctx]) -> Option<usize> {
    ctxs.iter()
        .position(|c| c.root && c.instance == name && c.file == file)
        .or_else(|| ctxs.iter().position(|c| c.root && c.instance == name))
}

/// A key that is an HMAC secret: a string, `new TextEncoder().encode(...)`,
/// `createSecretKey(...)`, `Buffer.from(...)`, or a constant holding one.
fn is_shared_secret(key: Node<'_>, src: &str, consts: &HashMap<String, Node<'_>>) -> bool {
    match key.kind() {
        "string" | "template_string" => true,
        "call_expression" => key.child_by_field_name("function").is_some_and(|f| {
            let t = text(f, src);
            t.ends_with(".encode") || t.ends_with("createSecretKey") || t == "Buffer.from"
        }),
        "identifier" => consts
            .get(text(key, src))
            .is_some_and(|v| v.id() != key.id() && is_shared_secret(unwrap_expr(*v), src, consts)),
        _ => false,
    }
}

/// Seconds in a number, a jose duration string, or a constant holding one.
fn seconds(v: Node<'_>, src: &str, consts: &HashMap<String, Node<'_>>) -> Option<i64> {
    let v = unwrap_expr(v);
    match v.kind() {
        "number" => number(v, src),
        "string" | "template_string" => string_value(v, src).and_then(|s| duration_seconds(&s)),
        "identifier" => consts
            .get(text(v, src))
            .filter(|c| c.id() != v.id() && c.kind() != "identifier")
            .and_then(|c| seconds(*c, src, consts)),
        _ => None,
    }
}

fn enclosing_function(n: Node<'_>, src: &str) -> Option<String> {
    let mut p = n.parent();
    while let Some(x) = p {
        match x.kind() {
            "function_declaration" | "method_definition" => {
                return x
                    .child_by_field_name("name")
                    .map(|k| text(k, src).to_owned())
            }
            "variable_declarator" => {
                return x
                    .child_by_field_name("name")
                    .map(|k| text(k, src).to_owned())
            }
            _ => {}
        }
        p = x.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::guardrails::RepoModel;

    use super::super::fastify;

    /// Every TypeScript/JavaScript file under `dir` (relative path, text).
    fn scripts(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                scripts(&path, root, out);
            } else if let Some(rel) = path.strip_prefix(root).ok().and_then(|p| p.to_str()) {
                let named = rel.trim_end_matches(".hbs");
                if super::Lang::of(named).is_some_and(|l| l != super::Lang::Python) {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        out.push((named.to_owned(), text));
                    }
                }
            }
        }
    }

    /// The reader's facts, the reference's and the parallel read's, for every
    /// selection and notion of authentication the callers use.
    fn assert_same(files: &[(String, String)]) {
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let install = |n: &str| n == fastify::INSTALL;
        let auth_name = |n: &str| fastify::is_auth_name(n);
        let is_auths: [&dyn Fn(&str) -> bool; 2] = [&install, &auth_name];
        for is_auth in is_auths {
            for under_src in [true, false] {
                let include = |p: &str| {
                    (!under_src || p.starts_with("src/")) && fastify::is_shipped_script(p)
                };
                let want = format!(
                    "{:?}",
                    super::analyse(&RepoModel::from_memory(&refs), include, is_auth)
                );
                let repo = RepoModel::from_memory(&refs);
                assert_eq!(
                    want,
                    format!("{:?}", fastify::analyse(&repo, include, is_auth)),
                    "{files:#?}"
                );
                let repo = RepoModel::from_memory(&refs);
                assert_eq!(
                    want,
                    format!("{:?}", fastify::read_in_parallel(&repo, include, is_auth)),
                    "{files:#?}"
                );
            }
        }
    }

    fn blueprint() -> Vec<(String, String)> {
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/typescript-fastify/template");
        let mut files = Vec::new();
        scripts(&root, &root, &mut files);
        assert!(files.iter().any(|(p, _)| p == fastify::HOOK_FILE));
        files
    }

    #[test]
    fn fixtures_and_blueprint_read_as_the_reference_does() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut trees = vec![blueprint()];
        for dir in ["tests/fixtures", "blueprints"] {
            let mut all = Vec::new();
            scripts(&manifest.join(dir), &manifest.join(dir), &mut all);
            // Each file alone at the paths the reader treats apart, and every
            // template tree as one service.
            for (path, text) in &all {
                for at in [
                    "src/server.ts",
                    fastify::HOOK_FILE,
                    "src/auth/apiKey.ts",
                    "src/app.tsx",
                ] {
                    trees.push(vec![(at.to_owned(), text.clone())]);
                }
                let _ = path;
            }
            for root in [
                "before-layers/typescript-fastify/template",
                "typescript-fastify/template",
            ] {
                let mut tree = Vec::new();
                scripts(
                    &manifest.join(dir).join(root),
                    &manifest.join(dir).join(root),
                    &mut tree,
                );
                if !tree.is_empty() {
                    trees.push(tree);
                }
            }
        }
        assert!(trees.len() > 40, "{}", trees.len());
        for files in &trees {
            assert_same(files);
        }
    }

    #[test]
    fn mutated_services_read_as_the_reference_does() {
        // Words the reader reacts to, swapped in for others.
        const WORDS: &[&str] = &[
            "app",
            "api",
            "instance",
            "fastify",
            "Fastify",
            "register",
            "fp",
            "fastifyPlugin",
            "addHook",
            "\"onRequest\"",
            "\"preHandler\"",
            "installAuthentication",
            "authenticate",
            "get",
            "post",
            "route",
            "jwtVerify",
            "decodeJwt",
            "algorithms",
            "clockTolerance",
            "config",
            "PUBLIC_ENDPOINTS",
            "JWT_ALGORITHM",
            "\"HS256\"",
            "\"none\"",
            "120",
            "\"5m\"",
            "equals",
            "===",
            "digest",
            "apiKey",
            "authorization",
            "require",
            "export",
            "const",
            "async",
            "await",
            "if",
            "&&",
            "(",
            ")",
            "{",
            "}",
            ",",
            ";",
            "\"/healthz\"",
        ];
        let base = blueprint();
        let mut next = paved_model::samples::below(0x51_7cc1_b727_220a);
        for _ in 0..40 {
            let mut files = base.clone();
            for _ in 0..1 + next(6) {
                let f = next(files.len());
                let mut lines: Vec<String> = files[f].1.lines().map(str::to_owned).collect();
                if lines.is_empty() {
                    continue;
                }
                let l = next(lines.len());
                match next(6) {
                    0 => {
                        lines.remove(l);
                    }
                    1 => {
                        let copy = lines[l].clone();
                        let at = next(lines.len());
                        lines.insert(at, copy);
                    }
                    2 => {
                        // A line moved to another file.
                        let moved = lines.remove(l);
                        let g = next(files.len());
                        if g != f {
                            let at = next(files[g].1.lines().count() + 1);
                            let mut other: Vec<String> =
                                files[g].1.lines().map(str::to_owned).collect();
                            other.insert(at, moved);
                            files[g].1 = other.join("\n");
                        }
                    }
                    3 => {
                        let words: Vec<&str> = lines[l].split(' ').collect();
                        let w = next(words.len());
                        let mut words: Vec<String> = words.into_iter().map(str::to_owned).collect();
                        words[w] = WORDS[next(WORDS.len())].to_owned();
                        lines[l] = words.join(" ");
                    }
                    4 => {
                        let at = next(lines.len() + 1);
                        let w = WORDS[next(WORDS.len())];
                        let v = WORDS[next(WORDS.len())];
                        lines.insert(
                            at,
                            format!("{w}.{v}({w}, async ({v}) => {{ {v}.{w}(\"/x\", {v}); }});"),
                        );
                    }
                    _ => {
                        // A file cut short or renamed.
                        if next(2) == 0 {
                            lines.truncate(l);
                        } else {
                            files[f].0 = [
                                "src/auth/hook.ts",
                                "src/apiKey.ts",
                                "src/extra.js",
                                "src/x.tsx",
                                "test/a.ts",
                            ][next(5)]
                            .to_owned();
                        }
                    }
                }
                files[f].1 = lines.join("\n");
            }
            files.sort_by(|a, b| a.0.cmp(&b.0));
            files.dedup_by(|a, b| a.0 == b.0);
            assert_same(&files);
        }
    }
}
