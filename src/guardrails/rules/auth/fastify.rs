//! fastify services read with tree-sitter-typescript (JavaScript too): the instances
//! `Fastify()` builds, the plugin contexts `register` opens, the hooks that
//! authenticate and which context they cover, the routes, and what the JWT verifier
//! (jose's `jwtVerify`) accepts. Used for the typescript-fastify blueprint's contract
//! ([`wiring`]) and, with a looser notion of "authentication", to find services with
//! none at all ([`analyse`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

use tree_sitter::{Node, Tree};

use crate::guardrails::{RepoModel, SourceFile};

use super::contract::{self, Contract, ALLOW_LIST};
use super::syntax::{
    self, any_descendant, children, descendants, guarding_condition, line, number, string_value,
    text, Lang,
};
use super::wiring::{
    duration_seconds, is_api_key_module, is_secret_name, Exemption, Leeway, Spot, Wiring,
};

const APP_FILE: &str = "src/app.ts";
pub(super) const HOOK_FILE: &str = "src/auth/hook.ts";
pub(super) const INSTALL: &str = "installAuthentication";

const CONTRACT: Contract = Contract {
    module: HOOK_FILE,
    provides: "authentication hook",
    definition: "`function installAuthentication` adding an `onRequest` hook",
    app_file: APP_FILE,
    constructor: "`Fastify(...)`",
    applied: "the authentication hook is installed",
};

pub(super) const ROUTE_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "all", "route",
];
/// Hooks that run before the handler for every route of their context.
pub(super) const REQUEST_HOOKS: &[&str] =
    &["onRequest", "preParsing", "preValidation", "preHandler"];

/// Sources that never run in production.
pub(super) fn is_shipped_script(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    Lang::of(path).is_some_and(|l| l != Lang::Python)
        && !name.ends_with(".d.ts")
        && !name.contains(".test.")
        && !name.contains(".spec.")
        && !name.contains(".config.")
        && !path.split('/').any(|seg| {
            matches!(
                seg,
                "test"
                    | "tests"
                    | "__tests__"
                    | "spec"
                    | "examples"
                    | "example"
                    | "docs"
                    | "node_modules"
                    | "dist"
                    | "build"
                    | "coverage"
                    | "fixtures"
                    | "scripts"
                    | "benchmarks"
                    | "bench"
                    | ".next"
                    | "public"
                    | "vendor"
            )
        })
}

/// A name that reads as authentication: `authenticate`, `verifyJWT`, `requireAuth`,
/// `installAuthentication`, `apiKeyGuard`, …
pub(super) fn is_auth_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "auth",
        "jwt",
        "token",
        "bearer",
        "apikey",
        "api_key",
        "oauth",
        "oidc",
        "session",
        "verify",
        "guard",
        "protect",
        "credential",
        "login",
        "passport",
        "permission",
        "principal",
        "signature",
        "basic",
        "secure",
        "role",
        "acl",
        "scope",
        "admin",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// Plugins that authenticate when registered (their hooks or decorators are the
/// authentication).
pub(super) fn is_auth_plugin(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("auth") || n.contains("jwt") || n.contains("session") || n.contains("passport")
}

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

/// An application the service builds.
#[derive(Debug, Clone)]
pub(super) struct App {
    pub file: PathBuf,
    pub line: u32,
    pub var: String,
}

/// A route registration and whether authentication covers it.
#[derive(Debug, Clone)]
pub(super) struct Route {
    pub file: PathBuf,
    pub line: u32,
    pub receiver: String,
    pub how: String,
    pub path: Option<String>,
    /// An authentication hook covers its context.
    pub covered: bool,
    /// Its own options name an authentication hook (`onRequest: app.authenticate`).
    pub own_auth: bool,
    /// The line of the plugin that installs authentication, when it is not this
    /// route's context.
    pub auth_elsewhere: Option<u32>,
    /// `config: {...}` in its options.
    pub config_line: Option<u32>,
    /// Not covered, while another root instance (`Fastify()`) has the authentication
    /// hook: the file and line where that one installs it.
    pub root_guard: Option<(PathBuf, u32)>,
    /// Serves static files (`@fastify/static`).
    pub static_files: bool,
}

#[derive(Debug, Default)]
pub(super) struct Facts {
    pub apps: Vec<App>,
    pub routes: Vec<Route>,
    /// An authentication hook, plugin or route option anywhere.
    pub any_auth: Option<(PathBuf, u32)>,
    pub exemptions: Vec<Exemption>,
    pub weak: Vec<Spot>,
    pub leeway: Vec<Leeway>,
    pub unreadable: Vec<Spot>,
    pub allow_list_found: bool,
    pub install_defined: bool,
    /// The hook module reads route `config`, so a route's config can opt out.
    pub hook_reads_config: bool,
    /// Authentication installed only under a condition.
    pub conditional: Vec<Spot>,
    /// `jwtVerify` calls that do not require or check `exp`, `iss` or `aud`.
    pub claims: Vec<Spot>,
    /// `===`/`Buffer.equals` on key material in an API-key module.
    pub variable_time: Vec<Spot>,
}

/// The typescript-fastify hook module is present: `function installAuthentication`
/// beside `PUBLIC_ENDPOINTS` (see `wiring::contract`).
pub(super) fn carries_contract(repo: &RepoModel) -> bool {
    if repo.file(HOOK_FILE).is_none() {
        return false;
    }
    let facts = analyse(repo, |p| p == HOOK_FILE, &|n| n == INSTALL);
    facts.install_defined && facts.allow_list_found
}

/// The sources [`wiring`] reads: the shipped scripts under `src/`.
fn is_contract_source(path: &str) -> bool {
    path.starts_with("src/") && is_shipped_script(path)
}

/// The facts [`wiring`] reads, computed by [`read_ahead`]; taken by the first `wiring`.
#[derive(Default)]
struct Prepared(Mutex<Option<Facts>>);

/// Reads, on all cores, what [`wiring`] will read: each source parsed and read on its
/// own in one task (see [`read`]). Called by the rule engine before it spawns the
/// rules, outside any memoised fact (a thread computing a memoised fact that waited
/// for parallel work could be handed, by rayon, a rule asking for that very fact), so
/// the facts are ready when the rules start and no tree outlives this call. `files`
/// are the repository's, in the model's order; [`install`] hands the facts to the
/// rules.
pub(super) fn read_ahead(files: &[SourceFile]) -> Facts {
    read(files, is_contract_source, &|n| n == INSTALL, true)
}

/// Gives [`wiring`] the facts [`read_ahead`] read from `repo`'s files.
pub(super) fn install(repo: &RepoModel, facts: Facts) {
    repo.memo(|_| Prepared::default())
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .replace(facts);
}

/// The typescript-fastify contract as [`Wiring`].
pub(super) fn wiring(repo: &RepoModel) -> Wiring {
    let prepared = repo
        .memo(|_| Prepared::default())
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let facts = prepared.unwrap_or_else(|| analyse(repo, is_contract_source, &|n| n == INSTALL));
    let mut w = Wiring::default();
    CONTRACT.check_files(
        repo,
        facts.install_defined,
        facts.allow_list_found,
        facts.apps.iter().map(|a| &a.file),
        &mut w,
    );
    let any_covered = facts.routes.iter().any(|r| r.covered);
    if !any_covered && facts.routes.iter().all(|r| r.auth_elsewhere.is_none()) {
        for app in &facts.apps {
            w.unprotected.push(Spot::new(
                app.file.clone(),
                Some(app.line),
                format!(
                    "`{}` is built without the authentication hook (`{INSTALL}`), so every \
                     route is served without authentication",
                    app.var
                ),
            ));
        }
    } else {
        for r in facts.routes.iter().filter(|r| !r.covered && !r.own_auth) {
            let why = match r.auth_elsewhere {
                Some(l) => format!(
                    "is outside the plugin (line {l}) that installs the authentication hook"
                ),
                None => "is on an instance without the authentication hook".to_owned(),
            };
            w.outside.push(Spot::new(
                r.file.clone(),
                Some(r.line),
                format!(
                    "`{}.{}(...)` {why}, so it is served without authentication",
                    r.receiver, r.how
                ),
            ));
        }
    }
    if facts.hook_reads_config {
        for r in facts.routes.iter().filter(|r| r.config_line.is_some()) {
            let path = r.path.as_deref().unwrap_or("(computed)");
            w.exemptions.push(Exemption::OptOut {
                spot: Spot::new(
                    r.file.clone(),
                    r.config_line,
                    format!(
                        "route `{path}` sets `config`, which the authentication hook reads to \
                         let requests through"
                    ),
                ),
            });
        }
    }
    let mut conditional = facts.conditional;
    conditional.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    conditional.dedup();
    w.unprotected.extend(conditional);
    w.exemptions.extend(facts.exemptions);
    w.weak = facts.weak;
    w.leeway = facts.leeway;
    w.claims = facts.claims;
    w.variable_time = facts.variable_time;
    w.unverifiable.extend(facts.unreadable);
    w
}

/// One file's read: its nodes and what it says on its own, or why it was not read.
type FileRead<'t> = Result<(Scan<'t>, Facts), String>;

struct Source<'r> {
    path: PathBuf,
    text: &'r str,
    tree: Tree,
}

/// Reads every file `include` selects; `is_auth` says which hook handlers, plugins and
/// installers count as authentication.
pub(super) fn analyse(
    repo: &RepoModel,
    include: impl Fn(&str) -> bool,
    is_auth: &dyn Fn(&str) -> bool,
) -> Facts {
    read(repo.files(), include, is_auth, false)
}

/// [`analyse`] on all cores, as [`read_ahead`] reads (for the differential tests).
#[cfg(test)]
pub(super) fn read_in_parallel(
    repo: &RepoModel,
    include: impl Fn(&str) -> bool + Sync,
    is_auth: &dyn Fn(&str) -> bool,
) -> Facts {
    read(repo.files(), include, is_auth, true)
}

/// [`analyse`], with each file parsed and read on its own in one task, on all cores
/// when `parallel` (largest first, so the cores finish together: a parse costs about
/// the file's length), else one after the other (this runs inside memoised facts).
/// What needs every file (contexts, registrations, hooks, routes) is then read in
/// file order, and each file's own facts appended in file order, so both ways give
/// the facts of reading the files one after the other.
fn read(
    files: &[SourceFile],
    include: impl Fn(&str) -> bool,
    is_auth: &dyn Fn(&str) -> bool,
    parallel: bool,
) -> Facts {
    let mut facts = Facts::default();
    let selected: Vec<(&SourceFile, &str, Lang)> = files
        .iter()
        .filter_map(|f| {
            let path = f.path_str();
            if !include(&path) {
                return None;
            }
            Some((f, f.text.as_deref()?, Lang::of(&path)?))
        })
        .collect();
    // Each file's tree, kept here so the nodes read from it (in its task) can be
    // handed back to the reading of every file.
    let slots: Vec<OnceLock<Source<'_>>> = selected.iter().map(|_| OnceLock::new()).collect();
    let one = |i: usize, parsed: Result<Tree, String>| -> FileRead<'_> {
        let (f, text, _) = selected[i];
        let source = Source {
            path: f.path.clone(),
            text,
            tree: parsed?,
        };
        let s = slots[i].get_or_init(|| source);
        let scan = Scan::of(s);
        let own = scan.own_facts(s);
        Ok((scan, own))
    };
    let read: Vec<FileRead<'_>> = if parallel {
        let mut order: Vec<usize> = (0..selected.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(selected[i].1.len()));
        let mut done: Vec<(usize, FileRead<'_>)> = order
            .par_iter()
            .with_max_len(1)
            .map(|&i| {
                let (_, text, lang) = selected[i];
                (i, one(i, syntax::parse(lang, text)))
            })
            .collect();
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, r)| r).collect()
    } else {
        (0..selected.len())
            .map(|i| {
                let (_, text, lang) = selected[i];
                one(i, syntax::parse(lang, text))
            })
            .collect()
    };
    let mut sources = Vec::new();
    let mut scans = Vec::new();
    let mut owns = Vec::new();
    for (i, result) in read.into_iter().enumerate() {
        match result {
            Ok((scan, own)) => {
                sources.push(slots[i].get().unwrap_or_else(|| unreachable!("read above")));
                scans.push(scan);
                owns.push(own);
            }
            Err(why) => facts.unreadable.push(Spot::new(
                selected[i].0.path.clone(),
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
    .run(&scans);
    for own in owns {
        // As when the files were read in turn: each file's `weak` sorted into all
        // before it.
        facts.weak.extend(own.weak);
        facts
            .weak
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        facts.weak.dedup();
        facts.leeway.extend(own.leeway);
        facts.claims.extend(own.claims);
        facts.variable_time.extend(own.variable_time);
        facts.exemptions.extend(own.exemptions);
        facts.allow_list_found |= own.allow_list_found;
        facts.install_defined |= own.install_defined;
        facts.hook_reads_config |= own.hook_reads_config;
    }
    facts
}

/// The node kinds the reader tells apart. A node's kind is looked up by its grammar's
/// symbol id (`Grammar::kinds`) rather than compared as a string: `Node::kind`
/// converts a C string on each call, which was a tenth of the reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum K {
    Other,
    CallExpression,
    FunctionDeclaration,
    VariableDeclarator,
    Pair,
    BinaryExpression,
    PropertyIdentifier,
    String,
    TemplateString,
    Program,
    LexicalDeclaration,
    VariableDeclaration,
    ExportStatement,
    MemberExpression,
    Attribute,
    ArrowFunction,
    FunctionExpression,
    Function,
    Comment,
    AwaitExpression,
    ParenthesizedExpression,
    AsExpression,
    SatisfiesExpression,
    NonNullExpression,
}

impl K {
    fn named(kind: &str) -> K {
        match kind {
            "call_expression" => K::CallExpression,
            "function_declaration" => K::FunctionDeclaration,
            "variable_declarator" => K::VariableDeclarator,
            "pair" => K::Pair,
            "binary_expression" => K::BinaryExpression,
            "property_identifier" => K::PropertyIdentifier,
            "string" => K::String,
            "template_string" => K::TemplateString,
            "program" => K::Program,
            "lexical_declaration" => K::LexicalDeclaration,
            "variable_declaration" => K::VariableDeclaration,
            "export_statement" => K::ExportStatement,
            "member_expression" => K::MemberExpression,
            "attribute" => K::Attribute,
            "arrow_function" => K::ArrowFunction,
            "function_expression" => K::FunctionExpression,
            "function" => K::Function,
            "comment" => K::Comment,
            "await_expression" => K::AwaitExpression,
            "parenthesized_expression" => K::ParenthesizedExpression,
            "as_expression" => K::AsExpression,
            "satisfies_expression" => K::SatisfiesExpression,
            "non_null_expression" => K::NonNullExpression,
            _ => K::Other,
        }
    }
}

/// Field names the reader follows, looked up once per grammar: `child_by_field_name`
/// searches the grammar's field names on each call.
#[derive(Clone, Copy)]
enum F {
    Function,
    Arguments,
    Property,
    Attribute,
    Object,
    Name,
    Value,
}

const FIELDS: [&str; 7] = [
    "function",
    "arguments",
    "property",
    "attribute",
    "object",
    "name",
    "value",
];

/// A grammar's kinds by symbol id ([`K`]) and the ids of [`FIELDS`].
struct Grammar {
    language: tree_sitter::Language,
    /// Every symbol id's kind, by its name, so a node's kind matches exactly when
    /// its name would (a name may have several ids, named and anonymous).
    kinds: Vec<K>,
    fields: [Option<u16>; FIELDS.len()],
}

impl Grammar {
    fn new(language: tree_sitter::Language) -> Grammar {
        let count = u16::try_from(language.node_kind_count()).unwrap_or(u16::MAX);
        let kinds = (0..count)
            .map(|id| language.node_kind_for_id(id).map_or(K::Other, K::named))
            .collect();
        let fields = FIELDS.map(|name| language.field_id_for_name(name).map(u16::from));
        Grammar {
            language,
            kinds,
            fields,
        }
    }

    fn kind(&self, n: Node<'_>) -> K {
        self.kinds
            .get(usize::from(n.kind_id()))
            .copied()
            .unwrap_or(K::Other)
    }
}

/// The grammars fastify sources are read with (TypeScript, TSX).
fn grammars() -> &'static [Grammar; 2] {
    static GRAMMARS: OnceLock<[Grammar; 2]> = OnceLock::new();
    GRAMMARS.get_or_init(|| {
        [
            Grammar::new(tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()),
            Grammar::new(tree_sitter_typescript::LANGUAGE_TSX.into()),
        ]
    })
}

fn grammar_of(n: Node<'_>) -> Option<&'static Grammar> {
    let language = n.language();
    grammars().iter().find(|g| g.language == *language)
}

/// `n.kind()`, as a [`K`].
fn kind(n: Node<'_>) -> K {
    match grammar_of(n) {
        Some(g) => g.kind(n),
        None => K::named(n.kind()),
    }
}

/// `n.child_by_field_name(..)`, by the field's id.
fn field(n: Node<'_>, f: F) -> Option<Node<'_>> {
    match grammar_of(n) {
        Some(g) => n.child_by_field_id(g.fields[f as usize]?),
        None => n.child_by_field_name(FIELDS[f as usize]),
    }
}

/// `syntax::last_name`, by kind and field ids.
fn callee_name<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    match kind(node) {
        K::Attribute => field(node, F::Attribute).map_or("", |n| text(n, src)),
        K::MemberExpression => field(node, F::Property).map_or("", |n| text(n, src)),
        _ => text(node, src),
    }
}

/// `syntax::receiver`, by kind and field ids.
fn callee_receiver(callee: Node<'_>) -> Option<Node<'_>> {
    match kind(callee) {
        K::Attribute | K::MemberExpression => field(callee, F::Object),
        _ => None,
    }
}

/// A call, with what every pass over the calls asks of it first.
#[derive(Clone, Copy)]
struct Call<'t> {
    node: Node<'t>,
    /// Its `function` field.
    function: Option<Node<'t>>,
    /// [`callee_name`] of that field (`""` without one).
    callee: &'t str,
}

/// One source's nodes the reader looks at, from one walk of its tree.
struct Scan<'t> {
    /// Every call, in source order, read in the file's own task: the passes over
    /// every file's calls run on one core, and each asked again for the function
    /// field and its name (a field lookup walks the node's children).
    calls: Vec<Call<'t>>,
    /// Functions declared by name (`function f`, `const f = () => …`), in source
    /// order.
    functions: Vec<(String, Node<'t>)>,
    /// Top-level constants by name (the last of a name), their values unwrapped.
    consts: HashMap<String, Node<'t>>,
    /// What [`verifier`] reacts to, in source order: pairs, top-level declarators,
    /// calls and (in an API-key module) comparisons.
    checks: Vec<Node<'t>>,
    /// What [`hook_module`] reacts to in the hook module, in source order.
    hook: Vec<Node<'t>>,
}

impl<'t> Scan<'t> {
    fn of(s: &'t Source<'_>) -> Scan<'t> {
        let g = grammar_of(s.tree.root_node());
        let kind = |n: Node<'_>| match g {
            Some(g) => g.kind(n),
            None => K::named(n.kind()),
        };
        let src = s.text;
        let api_key = is_api_key_module(&s.path);
        let hook = s.path.to_string_lossy() == HOOK_FILE;
        let mut scan = Scan {
            calls: Vec::new(),
            functions: Vec::new(),
            consts: HashMap::new(),
            checks: Vec::new(),
            hook: Vec::new(),
        };
        // For each node on the cursor's path: it is the program, or a declaration
        // directly in it (through `export`), so a declarator below it is top-level.
        let mut top: Vec<bool> = Vec::new();
        let mut cursor = s.tree.walk();
        loop {
            let n = cursor.node();
            let k = kind(n);
            match k {
                K::CallExpression => {
                    let function = field(n, F::Function);
                    scan.calls.push(Call {
                        node: n,
                        function,
                        callee: function.map_or("", |f| callee_name(f, src)),
                    });
                    scan.checks.push(n);
                }
                K::FunctionDeclaration => {
                    if let Some(name) = field(n, F::Name) {
                        scan.functions.push((text(name, src).to_owned(), n));
                    }
                    if hook {
                        scan.hook.push(n);
                    }
                }
                K::VariableDeclarator => {
                    let top_level = top.last().copied().unwrap_or(false);
                    if let (Some(name), Some(value)) = (field(n, F::Name), field(n, F::Value)) {
                        let name = text(name, src).to_owned();
                        let value = unwrap_expr(value);
                        if is_function(value) {
                            scan.functions.push((name.clone(), value));
                        }
                        if top_level {
                            scan.consts.insert(name, value);
                        }
                    }
                    if top_level {
                        scan.checks.push(n);
                    }
                }
                K::Pair => scan.checks.push(n),
                K::BinaryExpression if api_key => scan.checks.push(n),
                K::PropertyIdentifier | K::String | K::TemplateString if hook => {
                    scan.hook.push(n);
                }
                _ => {}
            }
            let here = k == K::Program
                || (matches!(
                    k,
                    K::LexicalDeclaration | K::VariableDeclaration | K::ExportStatement
                ) && top.last().copied().unwrap_or(false));
            if cursor.goto_first_child() {
                top.push(here);
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return scan;
                }
                top.pop();
            }
        }
    }

    /// What the file says on its own: the verifier's settings and, in the hook
    /// module, the allow-list and what the hook lets through.
    fn own_facts(&self, s: &Source<'_>) -> Facts {
        let mut own = Facts::default();
        verifier(&mut own, s, &self.checks, &self.consts);
        if s.path.to_string_lossy() == HOOK_FILE {
            hook_module(&mut own, s, &self.hook, &self.consts);
        }
        own
    }
}

struct Analysis<'a> {
    sources: &'a [&'a Source<'a>],
    is_auth: &'a dyn Fn(&str) -> bool,
    facts: &'a mut Facts,
}

fn args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    field(call, F::Arguments)
        .map(|a| {
            children(a)
                .into_iter()
                .filter(|c| kind(*c) != K::Comment)
                .collect()
        })
        .unwrap_or_default()
}

/// Strips `await`, parentheses and type assertions.
fn unwrap_expr(mut n: Node<'_>) -> Node<'_> {
    loop {
        match kind(n) {
            K::AwaitExpression
            | K::ParenthesizedExpression
            | K::AsExpression
            | K::SatisfiesExpression
            | K::NonNullExpression => match n.named_child(0) {
                Some(c) => n = c,
                None => return n,
            },
            _ => return n,
        }
    }
}

fn is_function(n: Node<'_>) -> bool {
    matches!(
        kind(n),
        K::ArrowFunction | K::FunctionExpression | K::FunctionDeclaration | K::Function
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
        .then(|| field(p, F::Value))
        .flatten()
    })
}

impl Analysis<'_> {
    fn run(&mut self, scans: &[Scan<'_>]) {
        let calls: Vec<&[Call<'_>]> = scans.iter().map(|s| s.calls.as_slice()).collect();
        // Functions of every file by name: a later one of a name wins.
        let mut functions: HashMap<&str, (usize, Node<'_>)> = HashMap::new();
        for (i, scan) in scans.iter().enumerate() {
            for (name, n) in &scan.functions {
                functions.insert(name, (i, *n));
            }
        }

        // Contexts: every Fastify() instance, then every registered plugin.
        let mut ctxs: Vec<Ctx> = Vec::new();
        let mut ctx_of_fn: HashMap<usize, usize> = HashMap::new();
        for (i, s) in self.sources.iter().enumerate() {
            for &Call {
                node: n, function, ..
            } in calls[i]
            {
                let Some(f) = function else {
                    continue;
                };
                // `Fastify(...)`, `fastify(...)`, `require("fastify")(...)`.
                let is_fastify = text(f, s.text).eq_ignore_ascii_case("fastify")
                    || (f.kind() == "call_expression"
                        && field(f, F::Function).is_some_and(|r| text(r, s.text) == "require")
                        && args(f)
                            .first()
                            .and_then(|a| string_value(*a, s.text))
                            .is_some_and(|m| m == "fastify"));
                if !is_fastify {
                    continue;
                }
                let Some(var) = n
                    .parent()
                    .map(unwrap_parent)
                    .filter(|p| p.kind() == "variable_declarator")
                    .and_then(|p| field(p, F::Name))
                else {
                    continue;
                };
                let var = text(var, s.text).to_owned();
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
        for (i, calls) in calls.iter().enumerate() {
            for call in *calls {
                if call
                    .function
                    .is_some_and(|f| f.kind() == "member_expression" && call.callee == "register")
                {
                    registrations.push((i, call.node));
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
                let f = field(call, F::Function).unwrap_or(call);
                let Some(recv) = callee_receiver(f) else {
                    continue;
                };
                let Some(parent) =
                    resolve(text(recv, s.text), recv, i, &ctxs, &ctx_of_fn, self.sources)
                else {
                    continue;
                };
                done.insert(call.id());
                let Some(arg) = args(call).into_iter().next().map(unwrap_expr) else {
                    continue;
                };
                let (plugin, fp) = unwrap_fp(arg, s.text);
                let target = if is_function(plugin) {
                    Some((i, plugin))
                } else if plugin.kind() == "identifier" {
                    functions.get(text(plugin, s.text)).copied()
                } else {
                    None
                };
                let plugin_name = text(plugin, s.text);
                if (self.is_auth)(plugin_name) || is_auth_plugin(plugin_name) {
                    self.note_auth(&s.path, line(call));
                    // A registered auth plugin decorates its parent; it authenticates
                    // only where routes use it, which `own_auth` sees.
                }
                if let Some((fi, fnode)) = target {
                    if ctx_of_fn.contains_key(&fnode.id()) {
                        continue;
                    }
                    let instance = first_param(fnode, self.sources[fi].text).unwrap_or_default();
                    let fp = fp || wrapped_by_fp(fnode, self.sources[fi].text);
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
        // Whether each hook handler authenticates, asked in both passes: the answer
        // depends on the handler alone, and walking it is most of a pass.
        let mut hooks: HashMap<(usize, usize), bool> = HashMap::new();
        for (i, s) in self
            .sources
            .iter()
            .enumerate()
            .chain(self.sources.iter().enumerate())
        {
            for &Call {
                node: n,
                function,
                callee,
            } in calls[i]
            {
                let Some(f) = function else {
                    continue;
                };
                // The arguments only of a call that may install authentication: most
                // calls are neither `addHook` nor an installer.
                let a = std::cell::OnceCell::new();
                let a = || a.get_or_init(|| args(n));
                let target = if callee == "addHook"
                    && a()
                        .first()
                        .and_then(|h| string_value(*h, s.text))
                        .is_some_and(|h| REQUEST_HOOKS.contains(&h.as_str()))
                    && a().get(1).is_some_and(|h| {
                        *hooks
                            .entry((i, h.id()))
                            .or_insert_with(|| self.authenticates(*h, s.text))
                    }) {
                    callee_receiver(f)
                } else if callee_receiver(f).is_none()
                    && ((self.is_auth)(callee) || installers.contains(callee))
                    && callee != "register"
                {
                    // installAuthentication(app, ...)
                    a().first().copied().filter(|x| x.kind() == "identifier")
                } else {
                    None
                };
                let Some(target) = target else { continue };
                // A hook added to a plain function's parameter is installed where that
                // function is called, not here.
                if let Some(installer) = param_owner(target, s.text, &ctx_of_fn) {
                    installers.insert(installer);
                    continue;
                }
                // Only a hook on (or an installer given) a fastify instance counts.
                if let Some(mut c) = resolve(
                    text(target, s.text),
                    target,
                    i,
                    &ctxs,
                    &ctx_of_fn,
                    self.sources,
                ) {
                    self.note_auth(&s.path, line(n));
                    if let Some(cond) = guarding_condition(n, s.text) {
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
            for &Call {
                node: n,
                function,
                callee: method,
            } in calls[i]
            {
                let Some(f) = function else {
                    continue;
                };
                if !ROUTE_METHODS.contains(&method) || f.kind() != "member_expression" {
                    continue;
                }
                let Some(recv) = callee_receiver(f) else {
                    continue;
                };
                let Some(ctx) =
                    resolve(text(recv, s.text), recv, i, &ctxs, &ctx_of_fn, self.sources)
                else {
                    continue;
                };
                let a = args(n);
                let (path, opts) = if method == "route" {
                    let o = a.first().copied().filter(|o| o.kind() == "object");
                    (
                        o.and_then(|o| {
                            property(o, "url", s.text).or_else(|| property(o, "path", s.text))
                        })
                        .and_then(|u| string_value(u, s.text)),
                        o,
                    )
                } else {
                    // `app.get("key")` with one argument reads a decorator or setting.
                    if a.len() < 2 {
                        continue;
                    }
                    let path = a.first().and_then(|p| string_value(*p, s.text));
                    (path, a.get(1).copied().filter(|o| o.kind() == "object"))
                };
                let handler = a.last().copied().filter(|h| is_function(unwrap_expr(*h)));
                let own_auth = opts.is_some_and(|o| {
                    REQUEST_HOOKS.iter().any(|h| {
                        property(o, h, s.text).is_some_and(|v| self.authenticates(v, s.text))
                    })
                }) || handler.is_some_and(|h| self.authenticates(h, s.text));
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
                    receiver: text(recv, s.text).to_owned(),
                    how: method.to_owned(),
                    path,
                    covered: covered.is_some(),
                    own_auth,
                    auth_elsewhere,
                    config_line: opts.and_then(|o| property(o, "config", s.text)).map(line),
                    root_guard,
                    static_files: false,
                });
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
            // Stops at the first node that does, without listing the function's nodes
            // first, and by kind id rather than kind name.
            return any_descendant(h, |n| match kind(n) {
                K::CallExpression => {
                    field(n, F::Function).is_some_and(|f| (self.is_auth)(callee_name(f, src)))
                }
                K::String => {
                    string_value(n, src).is_some_and(|v| v.eq_ignore_ascii_case("authorization"))
                }
                K::PropertyIdentifier => text(n, src) == "authorization",
                _ => false,
            });
        }
        if h.kind() == "array" {
            return children(h).into_iter().any(|x| self.authenticates(x, src));
        }
        if h.kind() == "call_expression" {
            // app.auth([...]) from @fastify/auth, or a factory `requireAuth()`.
            return field(h, F::Function).is_some_and(|f| (self.is_auth)(callee_name(f, src)));
        }
        (self.is_auth)(callee_name(h, src))
    }
}

// What one file says on its own (`Scan::own_facts`).

/// `algorithms`, `clockTolerance`, `decodeJwt`, and `jwtVerify` with a secret.
fn verifier(
    facts: &mut Facts,
    s: &Source<'_>,
    nodes: &[Node<'_>],
    consts: &HashMap<String, Node<'_>>,
) {
    let src = s.text;
    for &n in nodes {
        match n.kind() {
            "pair" => {
                let (Some(k), Some(v)) = (n.child_by_field_name("key"), field(n, F::Value)) else {
                    continue;
                };
                match text(k, src).trim_matches(['"', '\'']) {
                    "algorithms" => weak_strings(facts, s, v, consts),
                    "clockTolerance" | "clockTimestamp_tolerance" | "leeway" => {
                        if let Some(seconds) = seconds(v, src, consts) {
                            facts.leeway.push(Leeway {
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
            "binary_expression" => comparison(facts, s, n),
            "variable_declarator" => {
                let (Some(name), Some(v)) = (field(n, F::Name), field(n, F::Value)) else {
                    continue;
                };
                if text(name, src).to_ascii_uppercase().contains("ALGORITHM") {
                    weak_strings(facts, s, v, consts);
                }
            }
            "call_expression" => {
                let Some(f) = field(n, F::Function) else {
                    continue;
                };
                match callee_name(f, src) {
                    "equals" if is_api_key_module(&s.path) => {
                        let name =
                            secret_operand(callee_receiver(f).into_iter().chain(args(n)), src);
                        if let Some(name) = name {
                            facts.variable_time.push(Spot::new(
                                s.path.clone(),
                                Some(line(n)),
                                format!(
                                    "`{name}` is compared with `equals`, which stops at the \
                                     first differing byte"
                                ),
                            ));
                        }
                    }
                    "decodeJwt" => facts.weak.push(Spot::new(
                        s.path.clone(),
                        Some(line(n)),
                        "`decodeJwt` reads the token's claims without verifying its signature",
                    )),
                    "jwtVerify" => {
                        verify_options(facts, s, n);
                        if let Some(key) = args(n).get(1).copied().map(unwrap_expr) {
                            if is_shared_secret(key, src, consts) {
                                facts.weak.push(Spot::new(
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
    facts
        .weak
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    facts.weak.dedup();
}

/// jose's `jwtVerify(token, key, options)`: `issuer` and `audience` given, `exp`
/// among `requiredClaims` (jose checks `iss`/`aud` only when they are given, and
/// `exp` only when the token carries one).
fn verify_options(facts: &mut Facts, s: &Source<'_>, call: Node<'_>) {
    let src = s.text;
    let Some(opts) = args(call).get(2).copied().map(unwrap_expr) else {
        facts.claims.push(Spot::new(
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
            facts.claims.push(Spot::new(
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
        facts.claims.push(Spot::new(
            s.path.clone(),
            Some(line(opts)),
            "`jwtVerify`'s `requiredClaims` does not name `exp`: tokens without an expiry \
             are accepted",
        ));
    }
}

/// The first name below `operands` that names key material: what a comparison in an
/// API-key module is reported by.
fn secret_operand<'t, 's>(
    operands: impl Iterator<Item = Node<'t>>,
    src: &'s str,
) -> Option<&'s str> {
    operands
        .flat_map(descendants)
        .filter(|c| matches!(c.kind(), "identifier" | "property_identifier"))
        .map(|c| text(c, src))
        .find(|t| is_secret_name(t))
}

/// `presented === digest` or `presented.equals(digest)` in an API-key module.
fn comparison(facts: &mut Facts, s: &Source<'_>, n: Node<'_>) {
    let src = s.text;
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
    let name = secret_operand([l, r].into_iter(), src);
    if let Some(name) = name {
        facts.variable_time.push(Spot::new(
            s.path.clone(),
            Some(line(n)),
            format!(
                "`{name}` is compared with `{op}`, which takes longer the more leading bytes \
                 match"
            ),
        ));
    }
}

fn weak_strings(
    facts: &mut Facts,
    s: &Source<'_>,
    v: Node<'_>,
    consts: &HashMap<String, Node<'_>>,
) {
    for (l, what) in contract::weak_strings(v, consts, s.text) {
        facts.weak.push(Spot::new(s.path.clone(), Some(l), what));
    }
}

/// `PUBLIC_ENDPOINTS`, path literals the hook module special-cases, and whether
/// it reads route `config`.
fn hook_module(
    facts: &mut Facts,
    s: &Source<'_>,
    nodes: &[Node<'_>],
    consts: &HashMap<String, Node<'_>>,
) {
    let src = s.text;
    let mut in_list = HashSet::new();
    if let Some(&value) = consts.get(ALLOW_LIST) {
        facts.allow_list_found = true;
        in_list.extend(descendants(value).iter().map(|n| n.id()));
        let entries = (value.kind() == "array").then(|| children(value));
        facts.exemptions.extend(contract::listed(
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
                if field(n, F::Name).is_some_and(|x| text(x, src) == INSTALL) =>
            {
                facts.install_defined = true;
            }
            "property_identifier" if matches!(text(n, src), "config" | "routeConfig") => {
                facts.hook_reads_config = true;
            }
            "string" | "template_string" if !in_list.contains(&n.id()) && !in_import(n, src) => {
                let found = contract::special_case(&s.path, n, src, || enclosing_function(n, src));
                facts.exemptions.extend(found);
            }
            _ => {}
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

fn in_import(n: Node<'_>, src: &str) -> bool {
    n.parent().is_some_and(|p| {
        matches!(
            p.kind(),
            "import_statement" | "export_statement" | "import_require_clause"
        ) || (p.kind() == "arguments"
            && p.parent()
                .and_then(|c| field(c, F::Function))
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
        if let Some(f) = field(arg, F::Function) {
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
    sources: &[&Source<'_>],
) -> Option<usize> {
    let mut p = at.parent();
    while let Some(x) = p {
        if let Some(&c) = ctx_of_fn.get(&x.id()) {
            if ctxs[c].instance == name {
                return Some(c);
            }
        }
        if is_function(x) && first_param(x, sources[file].text).as_deref() == Some(name) {
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
        "call_expression" => field(key, F::Function).is_some_and(|f| {
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
