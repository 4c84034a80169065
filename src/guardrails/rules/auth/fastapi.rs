//! FastAPI services read with tree-sitter-python: where the application is built,
//! which authentication middleware or dependency it applies, the routes registered on
//! it, what its JWT verifier accepts. Used for the python-fastapi blueprint's contract
//! ([`wiring`]) and, with a looser notion of "authentication", to find services that
//! have none at all ([`service`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rayon::prelude::*;
use tree_sitter::Node;

use crate::guardrails::{RepoModel, SourceFile};

use super::contract::{self, Contract, ALLOW_LIST};
use super::syntax::{
    self, any_descendant, children, descendants, each_descendant, guarding_condition, line, number,
    string_value, text, Grammar, Lang,
};
use super::wiring::{
    duration_seconds, is_api_key_module, is_secret_name, weak_algorithm, Exemption, Leeway, Spot,
    Wiring, REQUIRED_CLAIMS,
};

/// The blueprint's package, its application factory and its middleware.
const PACKAGE: &str = "src/app/";
const APP_FILE: &str = "src/app/app.py";
const MIDDLEWARE_FILE: &str = "src/app/auth/middleware.py";
const MIDDLEWARE_CLASS: &str = "AuthMiddleware";

const CONTRACT: Contract = Contract {
    module: MIDDLEWARE_FILE,
    provides: "authentication middleware",
    definition: "`class AuthMiddleware`",
    app_file: APP_FILE,
    constructor: "`FastAPI(...)`",
    applied: "the authentication middleware is applied",
};

const ROUTE_DECORATORS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "options",
    "head",
    "trace",
    "api_route",
    "route",
    "websocket",
];
const ROUTE_CALLS: &[&str] = &[
    "add_api_route",
    "add_route",
    "add_websocket_route",
    "include_router",
    "mount",
];
const APP_CLASSES: &[&str] = &["FastAPI", "Starlette"];

/// The fields the reading asks for, looked up once in [`PY`].
const FIELDS: &[&str] = &[
    "function",
    "arguments",
    "name",
    "value",
    "left",
    "right",
    "attribute",
    "object",
    "property",
    "definition",
    "parameters",
    "body",
    "key",
];

/// Python's node kinds and the fields the reading asks for, looked up once.
static PY: LazyLock<Grammar> = LazyLock::new(|| Grammar::new(Lang::Python, FIELDS));

/// `n.kind()`, from [`PY`] (of a node or a reference to one, as `filter` gives).
fn kind<'t>(n: impl std::borrow::Borrow<Node<'t>>) -> &'static str {
    PY.kind(*n.borrow())
}

/// `n.child_by_field_name(name)`, from [`PY`].
fn field<'t>(n: Node<'t>, name: &str) -> Option<Node<'t>> {
    PY.field(n, name)
}

/// `syntax::last_name` with the lookups of [`PY`].
fn last_name<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    match kind(node) {
        "attribute" => field(node, "attribute").map_or("", |n| text(n, src)),
        "member_expression" => field(node, "property").map_or("", |n| text(n, src)),
        _ => text(node, src),
    }
}

/// `syntax::receiver` with the lookups of [`PY`].
fn receiver(callee: Node<'_>) -> Option<Node<'_>> {
    match kind(callee) {
        "attribute" | "member_expression" => field(callee, "object"),
        _ => None,
    }
}

/// An application construction (`app = FastAPI(...)`).
#[derive(Debug, Clone)]
pub(super) struct App {
    pub file: PathBuf,
    pub line: u32,
    pub var: Option<String>,
    /// Where authentication is applied to all of it, when it is.
    pub auth: Option<u32>,
}

/// A route, router or mounted application added to an application or router.
#[derive(Debug, Clone)]
pub(super) struct Route {
    pub file: PathBuf,
    pub line: u32,
    pub receiver: String,
    /// `get`, `include_router`, `mount`, …
    pub how: String,
    pub path: Option<String>,
    /// It carries its own authentication dependency.
    pub protected: bool,
    /// `mount` of static files: public by design.
    pub static_files: bool,
    /// What `mount` mounts, when it is a name (`app.mount("/admin", admin)`).
    pub mounted: Option<String>,
    /// `include_router(notes.router, prefix="/notes")`: the router as written and the
    /// prefix its routes are served under.
    pub included: Option<(String, String)>,
}

/// What one service's Python sources say.
#[derive(Debug, Default, Clone)]
pub(super) struct Facts {
    pub apps: Vec<App>,
    pub routes: Vec<Route>,
    /// Routers constructed with an authentication dependency, by variable name.
    pub protected_routers: HashSet<String>,
    /// Any authentication dependency, middleware or security scheme used anywhere.
    pub any_auth: Option<(PathBuf, u32)>,
    pub exemptions: Vec<Exemption>,
    pub weak: Vec<Spot>,
    pub leeway: Vec<Leeway>,
    /// Files the audit could not read, and why.
    pub unreadable: Vec<Spot>,
    /// Whether `PUBLIC_ENDPOINTS` was found in the middleware module.
    pub allow_list_found: bool,
    /// Whether the middleware class is defined.
    pub middleware_defined: bool,
    /// Authentication middleware applied only under a condition.
    pub conditional: Vec<Spot>,
    /// PyJWT decodes that do not require or check `exp`, `iss` or `aud`.
    pub claims: Vec<Spot>,
    /// `==`/`!=` on key material in an API-key module.
    pub variable_time: Vec<Spot>,
}

/// Sources that never run in production: tests, examples, docs, migrations.
pub(super) fn is_shipped_python(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.ends_with(".py")
        && !name.starts_with("test_")
        && !name.ends_with("_test.py")
        && name != "conftest.py"
        && !path.split('/').any(|seg| {
            matches!(
                seg,
                "tests"
                    | "test"
                    | "testing"
                    | "examples"
                    | "example"
                    | "docs"
                    | "doc"
                    | "docs_src"
                    | "migrations"
                    | "alembic"
                    | "scripts"
                    | "benchmarks"
                    | "fixtures"
                    | ".venv"
                    | "venv"
                    | "site-packages"
                    | "node_modules"
            )
        })
}

/// A name that reads as authentication: `AuthMiddleware`, `get_current_user`,
/// `verify_token`, `oauth2_scheme`, `require_api_key`, `JWTBearer`, …
pub(super) fn is_auth_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "auth",
        "jwt",
        "token",
        "bearer",
        "api_key",
        "apikey",
        "oauth",
        "oidc",
        "current_user",
        "get_user",
        "current_active",
        "principal",
        "credential",
        "login_required",
        "session",
        "verify",
        "permission",
        "security",
        "guard",
        "protect",
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

/// The python-fastapi middleware module is present: `class AuthMiddleware` beside
/// `PUBLIC_ENDPOINTS` (see `wiring::contract`).
pub(super) fn carries_contract(repo: &RepoModel) -> bool {
    if repo.file(MIDDLEWARE_FILE).is_none() {
        return false;
    }
    let facts = analyse_contract(repo, |p| p == MIDDLEWARE_FILE);
    facts.middleware_defined && facts.allow_list_found
}

/// The sources [`wiring`] reads: the package's shipped Python.
fn is_contract_source(path: &str) -> bool {
    path.starts_with(PACKAGE) && is_shipped_python(path)
}

/// Reads, on all cores, what [`wiring`] will read: each file parsed and read in one
/// task, so the memoised analysis only joins the files' facts (see `syntax::parse_ahead`
/// for why this runs before the rules, outside any memoised fact). `files` are the
/// repository's, in the model's order; [`install`] hands the reading to the rules.
pub(super) fn read_ahead(files: &[SourceFile]) -> ReadAhead {
    let mut files: Vec<(usize, &SourceFile, String)> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.text.is_some())
        .map(|(i, f)| (i, f, f.path_str()))
        .filter(|(_, _, path)| is_contract_source(path))
        .collect();
    // Largest first, one file per task, so the cores finish together (a parse costs
    // about its length).
    files.sort_by_key(|(_, f, _)| std::cmp::Reverse(f.text.as_ref().map_or(0, String::len)));
    let read: HashMap<usize, FileFacts> = files
        .par_iter()
        .with_max_len(1)
        .filter_map(|(i, f, path)| {
            let src = f.text.as_deref()?;
            Some((*i, read_source(&f.path, path, src, &is_middleware_class)))
        })
        .collect();
    ReadAhead(read)
}

/// Gives [`wiring`] what [`read_ahead`] read from `repo`'s files.
pub(super) fn install(repo: &RepoModel, read: ReadAhead) {
    repo.memo(move |_| read);
}

/// The contract's reading of each file [`read_ahead`] read, by its index in the model.
#[derive(Default)]
pub(super) struct ReadAhead(HashMap<usize, FileFacts>);

fn is_middleware_class(name: &str) -> bool {
    name == MIDDLEWARE_CLASS
}

/// [`analyse`] with the contract's notion of authentication, from the files
/// [`read_ahead`] read where it did.
fn analyse_contract(repo: &RepoModel, include: impl Fn(&str) -> bool) -> Facts {
    let ahead = repo.memo(|_| ReadAhead::default());
    join(
        select(repo, include)
            .into_iter()
            .map(|(i, f, path, src)| match ahead.0.get(&i) {
                Some(read) => read.clone(),
                None => read_source(&f.path, &path, src, &is_middleware_class),
            }),
    )
}

/// The python-fastapi contract as [`Wiring`].
pub(super) fn wiring(repo: &RepoModel) -> Wiring {
    let facts = analyse_contract(repo, is_contract_source);
    let mut w = Wiring::default();
    CONTRACT.check_files(
        repo,
        facts.middleware_defined,
        facts.allow_list_found,
        facts.apps.iter().map(|a| &a.file),
        &mut w,
    );
    unprotected_and_outside(&facts, MIDDLEWARE_CLASS, &mut w);
    w.unprotected.extend(facts.conditional.iter().cloned());
    w.exemptions = facts.exemptions;
    w.weak = facts.weak;
    w.leeway = facts.leeway;
    w.claims = facts.claims;
    w.variable_time = facts.variable_time;
    w.unverifiable.extend(facts.unreadable);
    w
}

/// PVD-AUTH-002 when no application applies the authentication; PVD-AUTH-003 for what
/// is registered on an application without it while another has it.
fn unprotected_and_outside(facts: &Facts, what: &str, w: &mut Wiring) {
    let any_protected = facts.apps.iter().any(|a| a.auth.is_some());
    for app in facts.uncovered_apps() {
        let name = app.var.as_deref().unwrap_or("the application");
        if !any_protected {
            w.unprotected.push(Spot::new(
                app.file.clone(),
                Some(app.line),
                format!(
                    "`{name}` is built without `{what}`, so every route is served without \
                     authentication"
                ),
            ));
            continue;
        }
        for r in facts.routes_on(app) {
            w.outside.push(Spot::new(
                r.file.clone(),
                Some(r.line),
                format!(
                    "`{}.{}(...)` adds to `{}`, an application built without `{what}`, so it \
                     is served without authentication",
                    r.receiver, r.how, r.receiver
                ),
            ));
        }
    }
}

impl Facts {
    /// Applications that no authentication wraps: built without it, and not mounted
    /// (directly or through other mounts) into one built with it.
    pub(super) fn uncovered_apps(&self) -> impl Iterator<Item = &App> {
        // An application mounted into a protected one is served behind its middleware.
        let mut covered: HashSet<(PathBuf, String)> = self
            .apps
            .iter()
            .filter(|a| a.auth.is_some())
            .filter_map(|a| Some((a.file.clone(), a.var.clone()?)))
            .collect();
        loop {
            let more: Vec<_> = self
                .routes
                .iter()
                .filter(|r| covered.contains(&(r.file.clone(), r.receiver.clone())))
                .filter_map(|r| Some((r.file.clone(), r.mounted.clone()?)))
                .filter(|k| !covered.contains(k))
                .collect();
            if more.is_empty() {
                break;
            }
            covered.extend(more);
        }
        self.apps.iter().filter(move |a| {
            a.auth.is_none()
                && !a
                    .var
                    .as_ref()
                    .is_some_and(|v| covered.contains(&(a.file.clone(), v.clone())))
        })
    }

    /// The path a route is served under: its router's `include_router(…, prefix=)`
    /// before its own path (the FastAPI tutorial's `GET /{id}/` on `notes.router`,
    /// included with `prefix="/notes"`, is `GET /notes/{id}/`). The router is matched
    /// by name, and by module when the include names one (`notes.router` is the
    /// `router` of `notes.py`).
    pub(super) fn served_path(&self, route: &Route) -> Option<String> {
        let path = route.path.as_deref()?;
        let stem = route.file.file_stem().and_then(|s| s.to_str());
        let prefix = self.routes.iter().find_map(|r| {
            let (router, prefix) = r.included.as_ref()?;
            let (module, name) = match router.rsplit_once('.') {
                Some((m, n)) => (Some(m.rsplit('.').next().unwrap_or(m)), n),
                None => (None, router.as_str()),
            };
            let same = name == route.receiver
                && match module {
                    Some(m) => stem == Some(m),
                    None => r.file == route.file,
                };
            same.then_some(prefix.as_str())
        });
        Some(match prefix {
            Some(p) => format!("{}{path}", p.trim_end_matches('/')),
            None => path.to_owned(),
        })
    }

    /// What is registered directly on `app` (routes, routers, mounts).
    pub(super) fn routes_on<'a>(&'a self, app: &'a App) -> impl Iterator<Item = &'a Route> {
        self.routes
            .iter()
            .filter(move |r| r.file == app.file && Some(&r.receiver) == app.var.as_ref())
    }
}

/// Reads every file `include` selects. `is_auth` says which middleware or dependency
/// names count as authentication.
pub(super) fn analyse(
    repo: &RepoModel,
    include: impl Fn(&str) -> bool,
    is_auth: &dyn Fn(&str) -> bool,
) -> Facts {
    join(
        select(repo, include)
            .into_iter()
            .map(|(_, f, path, src)| read_source(&f.path, &path, src, is_auth)),
    )
}

/// The files `include` selects, in the model's order, with their indices, paths and
/// texts.
fn select(
    repo: &RepoModel,
    include: impl Fn(&str) -> bool,
) -> Vec<(usize, &SourceFile, String, &str)> {
    repo.files()
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let path = f.path_str();
            let src = f.text.as_deref().filter(|_| include(&path))?;
            Some((i, f, path, src))
        })
        .collect()
}

/// What one file says on its own, before [`join`] puts the files together.
#[derive(Debug, Default, Clone)]
struct FileFacts {
    facts: Facts,
    /// `include_router(x, ...)` routes (by index in `facts.routes`) that nothing in
    /// this file protects, with `x`'s name: protected after all when an earlier file
    /// builds a router of that name with an authentication dependency.
    includes: Vec<(usize, String)>,
}

/// Parses and reads one file.
fn read_source(
    path: &Path,
    path_str: &str,
    src: &str,
    is_auth: &dyn Fn(&str) -> bool,
) -> FileFacts {
    let mut out = FileFacts::default();
    match syntax::parse(Lang::Python, src) {
        Ok(tree) => {
            let mut file = FileReader {
                path: path.to_path_buf(),
                src,
                is_auth,
                facts: &mut out.facts,
                includes: Some(&mut out.includes),
                constants: HashMap::new(),
            };
            file.read(tree.root_node(), path_str == MIDDLEWARE_FILE);
        }
        Err(why) => out.facts.unreadable.push(Spot::new(
            path.to_path_buf(),
            None,
            format!("authentication source {why}"),
        )),
    }
    out
}

/// The facts of a service from those of its files, in file order: what reading the
/// files one after the other into one [`Facts`] gives (the reading of a file depends
/// on the files before it only through the routers they protect).
fn join(files: impl IntoIterator<Item = FileFacts>) -> Facts {
    let mut all = Facts::default();
    for FileFacts {
        mut facts,
        includes,
    } in files
    {
        for (i, router) in includes {
            if all.protected_routers.contains(&router) {
                facts.routes[i].protected = true;
            }
        }
        all.apps.append(&mut facts.apps);
        all.routes.append(&mut facts.routes);
        all.protected_routers.extend(facts.protected_routers);
        all.any_auth = all.any_auth.take().or(facts.any_auth);
        all.exemptions.append(&mut facts.exemptions);
        all.weak.append(&mut facts.weak);
        // A file's constants are deduplicated along with everything read before them.
        all.weak.dedup();
        all.leeway.append(&mut facts.leeway);
        all.unreadable.append(&mut facts.unreadable);
        all.allow_list_found |= facts.allow_list_found;
        all.middleware_defined |= facts.middleware_defined;
        all.conditional.append(&mut facts.conditional);
        all.claims.append(&mut facts.claims);
        all.variable_time.append(&mut facts.variable_time);
    }
    all
}

struct FileReader<'a, 's> {
    path: PathBuf,
    src: &'s str,
    is_auth: &'a dyn Fn(&str) -> bool,
    facts: &'a mut Facts,
    /// Where to note `include_router` routes the routers read so far do not protect
    /// (see [`FileFacts`]); `None` when every file is read into the same `facts`.
    includes: Option<&'a mut Vec<(usize, String)>>,
    /// Module-level `NAME = value` assignments.
    constants: HashMap<String, Node<'s>>,
}

/// The value of keyword argument `name` of a call.
fn kwarg<'t>(call: Node<'t>, name: &str, src: &str) -> Option<Node<'t>> {
    let args = field(call, "arguments")?;
    let mut cursor = args.walk();
    let found = args.named_children(&mut cursor).find_map(|a| {
        (kind(a) == "keyword_argument" && field(a, "name").is_some_and(|n| text(n, src) == name))
            .then(|| field(a, "value"))
            .flatten()
    });
    found
}

fn positional<'t>(call: Node<'t>, i: usize) -> Option<Node<'t>> {
    let args = field(call, "arguments")?;
    let mut cursor = args.walk();
    let found = args
        .named_children(&mut cursor)
        .filter(|a| !matches!(kind(*a), "keyword_argument" | "comment"))
        .nth(i);
    found
}

/// The function or class body a node is in (the module for top-level code).
fn scope(node: Node<'_>) -> usize {
    let mut n = node;
    while let Some(p) = n.parent() {
        if kind(p) == "function_definition" {
            return p.id();
        }
        n = p;
    }
    n.id()
}

fn is_docstring(node: Node<'_>) -> bool {
    node.parent().is_some_and(|p| {
        kind(p) == "expression_statement"
            && p.named_child_count() == 1
            && p.parent().is_some_and(|b| {
                matches!(kind(b), "block" | "module")
                    && b.named_child(0).is_some_and(|first| first.id() == p.id())
            })
    })
}

impl<'s> FileReader<'_, 's> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn read(&mut self, root: Node<'s>, middleware_module: bool) {
        for stmt in children(root) {
            if kind(stmt) == "expression_statement" {
                if let Some(a) = stmt.named_child(0).filter(|a| kind(a) == "assignment") {
                    if let Some(left) = field(a, "left") {
                        if let Some(right) = field(a, "right") {
                            self.constants.insert(self.t(left).to_owned(), right);
                        }
                    }
                }
            }
        }
        // Calls of an application class, and (in the middleware module) strings, for
        // the passes below, which need what this one finds everywhere in the file.
        let mut app_calls: Vec<Node<'s>> = Vec::new();
        let mut strings: Vec<Node<'s>> = Vec::new();
        // Lists that receive the authentication middleware, by (scope, name); the apps
        // it goes to directly; receivers of add_middleware(auth).
        let mut auth_lists: HashSet<(usize, String)> = HashSet::new();
        let mut auth_apps: HashMap<usize, u32> = HashMap::new();
        let mut add_middleware: HashMap<String, u32> = HashMap::new();
        let api_key_module = is_api_key_module(&self.path);
        each_descendant(root, |n| match kind(n) {
            "call" => {
                if field(n, "function")
                    .is_some_and(|f| APP_CLASSES.contains(&last_name(f, self.src)))
                {
                    app_calls.push(n);
                }
                self.call(n, &mut auth_lists, &mut auth_apps, &mut add_middleware);
            }
            "string" if middleware_module => strings.push(n),
            "decorated_definition" => self.decorated(n, &mut add_middleware),
            "class_definition" => {
                let name = field(n, "name").map(|x| self.t(x));
                if middleware_module && name == Some(MIDDLEWARE_CLASS) {
                    self.facts.middleware_defined = true;
                }
            }
            "keyword_argument" => self.keyword(n),
            "pair" => self.pair(n),
            "comparison_operator" if api_key_module => self.comparison(n),
            _ => {}
        });
        if middleware_module {
            self.middleware_module(&strings);
        }
        self.algorithm_constants(root);
        // Apps built in this file: authenticated through their `middleware=` list, a
        // list variable of their scope, or `add_middleware` on their variable.
        for n in app_calls {
            let var = n
                .parent()
                .filter(|p| kind(p) == "assignment")
                .and_then(|p| field(p, "left"))
                .map(|l| self.t(l).to_owned());
            let mut auth = auth_apps.get(&n.id()).copied();
            if let Some(m) = kwarg(n, "middleware", self.src).filter(|m| kind(m) == "identifier") {
                if auth_lists.contains(&(scope(n), self.t(m).to_owned())) {
                    auth = auth.or(Some(line(m)));
                }
            }
            if let Some(deps) = kwarg(n, "dependencies", self.src) {
                if self.has_auth_dependency(deps) {
                    auth = auth.or(Some(line(deps)));
                }
            }
            if let Some(v) = &var {
                auth = auth.or(add_middleware.get(v).copied());
            }
            self.facts.apps.push(App {
                file: self.path.clone(),
                line: line(n),
                var,
                auth,
            });
        }
    }

    /// `Depends(x)` / `Security(x)` with an authentication callable anywhere below `n`,
    /// or a security scheme (`HTTPBearer()`, `OAuth2PasswordBearer(...)`, `APIKeyHeader`).
    fn has_auth_dependency(&self, n: Node<'_>) -> bool {
        any_descendant(n, |c| {
            if kind(c) != "call" {
                return false;
            }
            let Some(f) = field(c, "function") else {
                return false;
            };
            let callee = last_name(f, self.src);
            match callee {
                "Depends" | "Security" => positional(c, 0)
                    .is_some_and(|a| (self.is_auth)(self.t(a)) || self.t(a).contains("Bearer")),
                _ => is_security_scheme(callee),
            }
        })
    }

    /// A handler that authenticates by hand: it calls an authentication function or
    /// reads the `Authorization` (or an API-key) header.
    fn reads_credentials(&self, body: Node<'_>) -> bool {
        any_descendant(body, |n| match kind(n) {
            "call" => field(n, "function").is_some_and(|f| (self.is_auth)(last_name(f, self.src))),
            "string" => string_value(n, self.src).is_some_and(|v| is_credential_header(&v)),
            _ => false,
        })
    }

    fn call(
        &mut self,
        n: Node<'s>,
        auth_lists: &mut HashSet<(usize, String)>,
        auth_apps: &mut HashMap<usize, u32>,
        add_middleware: &mut HashMap<String, u32>,
    ) {
        let Some(f) = field(n, "function") else {
            return;
        };
        let callee = last_name(f, self.src);
        let recv = receiver(f).map(|r| self.t(r));
        let first = positional(n, 0);
        // PyJWT's decode (it takes `algorithms=`): the expected issuer and audience.
        if callee == "decode" && kwarg(n, "algorithms", self.src).is_some() {
            for (arg, what) in [
                ("issuer", "tokens of any issuer are accepted"),
                ("audience", "tokens minted for any audience are accepted"),
            ] {
                if kwarg(n, arg, self.src).is_none() {
                    self.facts.claims.push(Spot::new(
                        self.path.clone(),
                        Some(line(n)),
                        format!("`{}` is given no `{arg}=`: {what}", self.t(f)),
                    ));
                }
            }
        }
        match callee {
            "Middleware" if first.is_some_and(|a| (self.is_auth)(last_name(a, self.src))) => {
                self.note_auth(n);
                self.note_condition(n, first);
                // Where does this middleware go?
                let mut p = n.parent();
                while let Some(x) = p {
                    match kind(x) {
                        "keyword_argument"
                            if field(x, "name").is_some_and(|k| self.t(k) == "middleware") =>
                        {
                            if let Some(app) = x.parent().and_then(|a| a.parent()) {
                                auth_apps.insert(app.id(), line(n));
                            }
                            break;
                        }
                        "assignment" | "augmented_assignment" => {
                            if let Some(l) = field(x, "left") {
                                auth_lists.insert((scope(x), self.t(l).to_owned()));
                            }
                            break;
                        }
                        "call" => {
                            if let Some(g) = field(x, "function") {
                                if matches!(last_name(g, self.src), "append" | "insert" | "extend")
                                {
                                    if let Some(r) = receiver(g) {
                                        auth_lists.insert((scope(x), self.t(r).to_owned()));
                                    }
                                    break;
                                }
                            }
                        }
                        "function_definition" | "module" => break,
                        _ => {}
                    }
                    p = x.parent();
                }
            }
            "add_middleware" => {
                if let (Some(r), Some(a)) = (recv, first) {
                    if (self.is_auth)(last_name(a, self.src)) {
                        self.note_auth(n);
                        self.note_condition(n, Some(a));
                        add_middleware.entry(r.to_owned()).or_insert(line(n));
                    }
                }
            }
            "APIRouter" => {
                let protected =
                    kwarg(n, "dependencies", self.src).is_some_and(|d| self.has_auth_dependency(d));
                if protected {
                    self.note_auth(n);
                    if let Some(v) = n
                        .parent()
                        .filter(|p| kind(p) == "assignment")
                        .and_then(|p| field(p, "left"))
                    {
                        self.facts.protected_routers.insert(self.t(v).to_owned());
                    }
                }
            }
            "Depends" | "Security" if first.is_some_and(|a| (self.is_auth)(self.t(a))) => {
                self.note_auth(n);
            }
            c if is_security_scheme(c) => self.note_auth(n),
            c if ROUTE_CALLS.contains(&c) && !is_decorator(n) => {
                let Some(r) = recv else { return };
                let path = first.and_then(|a| string_value(a, self.src));
                let protected = kwarg(n, "dependencies", self.src)
                    .is_some_and(|d| self.has_auth_dependency(d))
                    || (c == "include_router"
                        && first.is_some_and(|a| {
                            self.facts
                                .protected_routers
                                .contains(last_name(a, self.src))
                        }));
                if let (false, "include_router", Some(a), Some(includes)) =
                    (protected, c, first, self.includes.as_deref_mut())
                {
                    includes.push((self.facts.routes.len(), last_name(a, self.src).to_owned()));
                }
                let static_files = c == "mount"
                    && positional(n, 1)
                        .or_else(|| kwarg(n, "app", self.src))
                        .is_some_and(|a| self.t(a).contains("StaticFiles"));
                let mounted = (c == "mount")
                    .then(|| positional(n, 1).or_else(|| kwarg(n, "app", self.src)))
                    .flatten()
                    .filter(|a| kind(a) == "identifier")
                    .map(|a| self.t(a).to_owned());
                let included = (c == "include_router")
                    .then(|| first.zip(kwarg(n, "prefix", self.src)))
                    .flatten()
                    .and_then(|(router, prefix)| {
                        Some((self.t(router).to_owned(), string_value(prefix, self.src)?))
                    });
                self.facts.routes.push(Route {
                    file: self.path.clone(),
                    line: line(n),
                    receiver: r.to_owned(),
                    how: c.to_owned(),
                    path,
                    protected,
                    static_files,
                    mounted,
                    included,
                });
            }
            _ => {}
        }
    }

    /// Authentication applied under a condition is off whenever the condition is.
    fn note_condition(&mut self, n: Node<'_>, what: Option<Node<'_>>) {
        if let Some(cond) = guarding_condition(n, self.src) {
            let what = what.map_or("the authentication middleware", |w| self.t(w));
            self.facts.conditional.push(Spot::new(
                self.path.clone(),
                Some(line(n)),
                format!(
                    "`{what}` is applied only when `{cond}`: otherwise every route is served \
                     without authentication"
                ),
            ));
        }
    }

    fn note_auth(&mut self, n: Node<'_>) {
        if self.facts.any_auth.is_none() {
            self.facts.any_auth = Some((self.path.clone(), line(n)));
        }
    }

    /// `@app.get("/x")` and friends; `@app.middleware("http")` with an authentication
    /// function.
    fn decorated(&mut self, n: Node<'s>, add_middleware: &mut HashMap<String, u32>) {
        let def = field(n, "definition");
        let func_name = def
            .and_then(|d| field(d, "name"))
            .map(|x| self.t(x).to_owned())
            .unwrap_or_default();
        let params_auth = def
            .and_then(|d| field(d, "parameters"))
            .is_some_and(|p| self.has_auth_dependency(p))
            || def
                .and_then(|d| field(d, "body"))
                .is_some_and(|b| self.reads_credentials(b));
        for dec in children(n).into_iter().filter(|c| kind(c) == "decorator") {
            let Some(call) = dec.named_child(0).filter(|c| kind(c) == "call") else {
                continue;
            };
            let Some(f) = field(call, "function") else {
                continue;
            };
            let Some(r) = receiver(f) else { continue };
            let method = last_name(f, self.src);
            if method == "middleware" && (self.is_auth)(&func_name) {
                self.note_auth(call);
                add_middleware
                    .entry(self.t(r).to_owned())
                    .or_insert(line(call));
            }
            if !ROUTE_DECORATORS.contains(&method) {
                continue;
            }
            let protected = params_auth
                || kwarg(call, "dependencies", self.src)
                    .is_some_and(|d| self.has_auth_dependency(d));
            if protected {
                self.note_auth(call);
            }
            self.facts.routes.push(Route {
                file: self.path.clone(),
                line: line(call),
                receiver: self.t(r).to_owned(),
                how: method.to_owned(),
                path: positional(call, 0).and_then(|a| string_value(a, self.src)),
                protected,
                static_files: false,
                mounted: None,
                included: None,
            });
        }
    }

    /// `algorithms=[...]` and `leeway=` of any call.
    fn keyword(&mut self, n: Node<'s>) {
        let (Some(k), Some(v)) = (field(n, "name"), field(n, "value")) else {
            return;
        };
        match self.t(k) {
            "algorithms" => self.weak_strings(v),
            "leeway" => {
                if let Some(seconds) = self.seconds(v) {
                    self.facts.leeway.push(Leeway {
                        file: self.path.clone(),
                        line: line(n),
                        what: format!("`{}`", self.t(n)),
                        seconds,
                    });
                }
            }
            "verify" if kind(v) == "false" && self.in_decode(n) => self.facts.weak.push(Spot::new(
                self.path.clone(),
                Some(line(n)),
                "signature validation is disabled",
            )),
            _ => {}
        }
    }

    fn in_decode(&self, n: Node<'_>) -> bool {
        n.parent()
            .and_then(|args| args.parent())
            .and_then(|c| field(c, "function"))
            .is_some_and(|f| last_name(f, self.src) == "decode")
    }

    /// `{"verify_signature": False}` in the options of a decode.
    fn pair(&mut self, n: Node<'s>) {
        let (Some(k), Some(v)) = (field(n, "key"), field(n, "value")) else {
            return;
        };
        let key = string_value(k, self.src);
        if key.as_deref() == Some("verify_signature") && kind(v) == "false" {
            self.facts.weak.push(Spot::new(
                self.path.clone(),
                Some(line(n)),
                "signature validation is disabled",
            ));
        }
        let off = match key.as_deref() {
            Some("verify_exp") => Some("expired tokens are accepted"),
            Some("verify_aud") => Some("tokens minted for any audience are accepted"),
            Some("verify_iss") => Some("tokens of any issuer are accepted"),
            _ => None,
        };
        // Where the pair is matters only for these keys, and asking is the dear part
        // (each `parent` walks down from the root).
        if (off.is_none() && key.as_deref() != Some("require")) || !self.in_decode_options(n) {
            return;
        }
        if let (Some(what), "false") = (off, kind(v)) {
            self.facts.claims.push(Spot::new(
                self.path.clone(),
                Some(line(n)),
                format!("`{}`: {what}", self.t(n)),
            ));
        }
        if key.as_deref() == Some("require") {
            let named: Vec<String> = descendants(v)
                .into_iter()
                .filter_map(|c| string_value(c, self.src))
                .collect();
            for claim in REQUIRED_CLAIMS {
                if !named.iter().any(|c| c == claim) {
                    self.facts.claims.push(Spot::new(
                        self.path.clone(),
                        Some(line(n)),
                        format!("the decode options do not require `{claim}`"),
                    ));
                }
            }
        }
    }

    /// A pair of the `options={...}` of a `decode(...)` call.
    fn in_decode_options(&self, pair: Node<'_>) -> bool {
        pair.parent()
            .filter(|d| kind(d) == "dictionary")
            .and_then(|d| d.parent())
            .filter(|k| {
                kind(k) == "keyword_argument"
                    && field(*k, "name").is_some_and(|n| self.t(n) == "options")
            })
            .is_some_and(|k| self.in_decode(k))
    }

    /// `presented == digest` in an API-key module.
    fn comparison(&mut self, n: Node<'s>) {
        let mut cursor = n.walk();
        let op = n
            .children(&mut cursor)
            .map(|c| self.t(c))
            .find(|t| matches!(*t, "==" | "!="));
        let Some(op) = op else { return };
        let operands: Vec<Node<'s>> = children(n);
        let literal = |c: &Node<'_>| {
            matches!(
                kind(c),
                "string" | "integer" | "float" | "none" | "true" | "false" | "concatenated_string"
            )
        };
        if operands.len() != 2 || operands.iter().any(literal) {
            return;
        }
        let mut name = None;
        for &o in &operands {
            let found = any_descendant(o, |c| {
                let secret = kind(c) == "identifier" && is_secret_name(self.t(c));
                if secret {
                    name = Some(self.t(c));
                }
                secret
            });
            if found {
                break;
            }
        }
        if let Some(name) = name {
            self.facts.variable_time.push(Spot::new(
                self.path.clone(),
                Some(line(n)),
                format!(
                    "`{name}` is compared with `{op}`, which takes longer the more leading bytes \
                     match"
                ),
            ));
        }
    }

    /// Weak algorithm names among the strings of `v` (following module constants).
    fn weak_strings(&mut self, v: Node<'s>) {
        for (l, what) in contract::weak_strings(v, &self.constants, self.src) {
            self.facts
                .weak
                .push(Spot::new(self.path.clone(), Some(l), what));
        }
    }

    /// Module constants that list algorithms (`ALLOWED_ALGORITHMS = {...}`).
    fn algorithm_constants(&mut self, root: Node<'s>) {
        let lists: Vec<Node<'s>> = children(root)
            .into_iter()
            .filter(|s| kind(s) == "expression_statement")
            .filter_map(|s| s.named_child(0).filter(|a| kind(a) == "assignment"))
            .filter(|a| {
                field(*a, "left")
                    .is_some_and(|l| self.t(l).to_ascii_uppercase().contains("ALGORITHM"))
            })
            .filter_map(|a| field(a, "right"))
            .collect();
        for v in lists {
            for c in descendants(v) {
                if let Some(what) = string_value(c, self.src).and_then(|s| weak_algorithm(&s)) {
                    self.facts
                        .weak
                        .push(Spot::new(self.path.clone(), Some(line(c)), what));
                }
            }
        }
        self.facts.weak.dedup();
    }

    /// Seconds in a literal, a module constant or `timedelta(...)`.
    fn seconds(&self, v: Node<'s>) -> Option<i64> {
        match kind(v) {
            "integer" | "float" => number(v, self.src),
            "identifier" => self
                .constants
                .get(self.t(v))
                .and_then(|&c| (kind(c) != "identifier").then(|| self.seconds(c)).flatten()),
            "call" => {
                let f = field(v, "function")?;
                if last_name(f, self.src) != "timedelta" {
                    return None;
                }
                let mut total = 0i64;
                for (unit, factor) in [
                    ("seconds", 1),
                    ("minutes", 60),
                    ("hours", 3600),
                    ("days", 86_400),
                ] {
                    if let Some(x) = kwarg(v, unit, self.src) {
                        total += self.seconds(x)? * factor;
                    }
                }
                if let Some(x) = positional(v, 0) {
                    total += self.seconds(x)? * 86_400;
                }
                Some(total)
            }
            "string" => string_value(v, self.src).and_then(|s| duration_seconds(&s)),
            _ => None,
        }
    }

    /// `PUBLIC_ENDPOINTS` and path literals the middleware module special-cases.
    fn middleware_module(&mut self, strings: &[Node<'s>]) {
        let mut in_list: HashSet<usize> = HashSet::new();
        if let Some(&value) = self.constants.get(ALLOW_LIST) {
            self.facts.allow_list_found = true;
            in_list.extend(descendants(value).iter().map(|n| n.id()));
            let mut v = value;
            // frozenset({...}) / set([...]) / tuple(...)
            while kind(v) == "call" {
                match positional(v, 0) {
                    Some(a) => v = a,
                    None => break,
                }
            }
            let entries = matches!(kind(v), "set" | "list" | "tuple").then(|| children(v));
            self.facts.exemptions.extend(contract::listed(
                &self.path,
                value,
                entries,
                |e| matches!(kind(e), "string" | "tuple"),
                self.src,
            ));
        }
        for &n in strings {
            if kind(n) != "string" || in_list.contains(&n.id()) || is_docstring(n) {
                continue;
            }
            let found = contract::special_case(&self.path, n, self.src, || {
                enclosing_definition(n, self.src)
            });
            self.facts.exemptions.extend(found);
        }
    }
}

fn is_decorator(n: Node<'_>) -> bool {
    n.parent().is_some_and(|p| kind(p) == "decorator")
}

/// Header names that carry credentials.
pub(super) fn is_credential_header(name: &str) -> bool {
    ["authorization", "x-api-key", "api-key", "x-auth-token"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// FastAPI's security schemes: using one means the route expects credentials.
fn is_security_scheme(callee: &str) -> bool {
    matches!(
        callee,
        "HTTPBearer"
            | "HTTPBasic"
            | "HTTPDigest"
            | "OAuth2PasswordBearer"
            | "OAuth2AuthorizationCodeBearer"
            | "OpenIdConnect"
            | "APIKeyHeader"
            | "APIKeyQuery"
            | "APIKeyCookie"
            | "AuthenticationMiddleware"
    )
}

/// The nearest enclosing function or class name.
fn enclosing_definition(n: Node<'_>, src: &str) -> Option<String> {
    let mut p = n.parent();
    while let Some(x) = p {
        if matches!(kind(x), "function_definition" | "class_definition") {
            return field(x, "name").map(|k| text(k, src).to_owned());
        }
        p = x.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reading before files were read apart: every file into the same [`Facts`],
    /// one after the other (kept as the reference for [`join`]).
    fn analyse_shared(
        repo: &RepoModel,
        include: impl Fn(&str) -> bool,
        is_auth: &dyn Fn(&str) -> bool,
    ) -> Facts {
        let mut facts = Facts::default();
        for (_, f, path, src) in select(repo, include) {
            match syntax::parse(Lang::Python, src) {
                Ok(tree) => FileReader {
                    path: f.path.clone(),
                    src,
                    is_auth,
                    facts: &mut facts,
                    includes: None,
                    constants: HashMap::new(),
                }
                .read(tree.root_node(), path == MIDDLEWARE_FILE),
                Err(why) => facts.unreadable.push(Spot::new(
                    f.path.clone(),
                    None,
                    format!("authentication source {why}"),
                )),
            }
        }
        facts
    }

    /// `facts` as text, the routers in name order (a set's order is not its own).
    fn summary(facts: &Facts) -> String {
        let mut facts = facts.clone();
        let mut routers: Vec<String> = facts.protected_routers.drain().collect();
        routers.sort();
        format!("{facts:?} {routers:?}")
    }

    fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                python_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "py") {
                out.push(p);
            }
        }
    }

    /// The repositories to compare on: the Python sources of every blueprint and
    /// fixture, each tree as one repository (paths from its `template/` or fixture
    /// root), and every one of those files in one repository.
    fn fixture_repos() -> Vec<Vec<(String, String)>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        python_files(&root.join("blueprints"), &mut files);
        python_files(&root.join("tests/fixtures"), &mut files);
        assert!(files.len() >= 40, "{files:?}");
        let mut trees: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut all = Vec::new();
        for p in files {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let (tree, path) = match rel.split_once("/template/") {
                Some((t, p)) => (t.to_owned(), p.to_owned()),
                None => rel
                    .match_indices("/good/")
                    .chain(rel.match_indices("/bad/"))
                    .next()
                    .map(|(i, m)| (rel[..i + m.len()].to_owned(), rel[i + m.len()..].to_owned()))
                    .unwrap_or_else(|| (String::new(), rel.clone())),
            };
            let text = std::fs::read_to_string(&p).unwrap();
            all.push((format!("src/app/{}", rel.replace('/', "_")), text.clone()));
            match trees.iter_mut().find(|(t, _)| *t == tree) {
                Some((_, v)) => v.push((path, text)),
                None => trees.push((tree, vec![(path, text)])),
            }
        }
        let mut repos: Vec<Vec<(String, String)>> = trees.into_iter().map(|(_, v)| v).collect();
        repos.push(all);
        repos
    }

    fn model(files: &[(String, String)]) -> RepoModel {
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        RepoModel::from_memory(&refs)
    }

    /// Read apart and joined, or read into one: the same facts, for both notions of
    /// authentication and both selections.
    fn assert_same(files: &[(String, String)]) {
        let repo = model(files);
        let auths: [&dyn Fn(&str) -> bool; 2] = [&is_middleware_class, &is_auth_name];
        for is_auth in auths {
            for include in [is_contract_source as fn(&str) -> bool, |_: &str| true] {
                assert_eq!(
                    summary(&analyse(&repo, include, is_auth)),
                    summary(&analyse_shared(&repo, include, is_auth)),
                    "{files:?}"
                );
            }
        }
        let ahead = model(files);
        install(&ahead, read_ahead(ahead.files()));
        assert_eq!(
            summary(&analyse_contract(&ahead, is_contract_source)),
            summary(&analyse_shared(
                &repo,
                is_contract_source,
                &is_middleware_class
            )),
        );
    }

    #[test]
    fn python_lookups_are_the_nodes_own_over_the_fixtures() {
        // `condition` is not in the table: a field asked for by name must be found too.
        let fields: Vec<&str> = FIELDS.iter().copied().chain(["condition"]).collect();
        for files in fixture_repos() {
            for (_, text) in files {
                let tree = syntax::parse(Lang::Python, &text).unwrap();
                let mut walked = Vec::new();
                each_descendant(tree.root_node(), |n| walked.push(n));
                assert_eq!(walked, descendants(tree.root_node()));
                for n in descendants(tree.root_node()) {
                    assert_eq!(kind(n), n.kind());
                    for &f in &fields {
                        assert_eq!(field(n, f), n.child_by_field_name(f));
                    }
                    assert_eq!(last_name(n, &text), syntax::last_name(n, &text));
                    assert_eq!(receiver(n), syntax::receiver(n));
                }
            }
        }
    }

    #[test]
    fn files_read_apart_give_the_facts_of_one_reading_over_the_fixtures() {
        for files in fixture_repos() {
            assert_same(&files);
        }
    }

    /// Lines the reader reacts to, routers protected in one file and included in
    /// another above all.
    const LINES: &[&str] = &[
        "router = APIRouter(dependencies=[Depends(AuthMiddleware)])",
        "admin = APIRouter(dependencies=[Security(verify_token)])",
        "router = APIRouter()",
        "app.include_router(router)",
        "app.include_router(admin, prefix=\"/admin\")",
        "app.include_router(routes.router, prefix=\"/r\")",
        "app = FastAPI(middleware=[Middleware(AuthMiddleware)])",
        "sub = FastAPI()",
        "app.mount(\"/sub\", sub)",
        "app.add_middleware(AuthMiddleware)",
        "if os.environ.get(\"X\"): app.add_middleware(AuthMiddleware)",
        "PUBLIC_ENDPOINTS = ((\"GET\", \"/x\"),)",
        "jwt.decode(t, k, algorithms=[\"HS256\"], leeway=120)",
        "ALGORITHMS = [\"none\", \"HS256\"]",
        "opts = {\"verify_signature\": False}",
        "scheme = HTTPBearer()",
        "@app.get(\"/open\")",
        "@router.post(\"/x\", dependencies=[Depends(get_current_user)])",
        "if presented == digest: pass",
        "class AuthMiddleware: pass",
    ];

    #[test]
    fn files_read_apart_give_the_facts_of_one_reading_over_random_services() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/python-fastapi/template");
        let mut base = Vec::new();
        python_files(&root.join("src/app"), &mut base);
        let base: Vec<(String, String)> = base
            .iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (rel, std::fs::read_to_string(p).unwrap())
            })
            .collect();
        let mut moved = 0;
        for seed in 1..=150u64 {
            let mut next = paved_model::samples::below(seed);
            let mut files: Vec<(String, Vec<String>)> = base
                .iter()
                .map(|(p, t)| (p.clone(), t.lines().map(str::to_owned).collect()))
                .collect();
            files.push(("src/app/auth/api_keys.py".into(), vec![]));
            files.push(("src/app/extra.py".into(), vec![]));
            for _ in 0..1 + next(12) {
                let f = next(files.len());
                let n = files[f].1.len();
                let at = next(n + 1);
                match next(4) {
                    0 if n > 1 => {
                        let other = next(n);
                        files[f].1.swap(at.min(n - 1), other);
                    }
                    1 if n > 0 => {
                        let l = files[f].1[next(n)].clone();
                        files[f].1.insert(at, l);
                    }
                    2 if n > 0 => {
                        let l = files[f].1.remove(next(n));
                        let g = next(files.len());
                        let to = next(files[g].1.len() + 1);
                        files[g].1.insert(to, l);
                    }
                    _ => files[f].1.insert(at, LINES[next(LINES.len())].to_owned()),
                }
            }
            let files: Vec<(String, String)> = files
                .into_iter()
                .map(|(p, l)| (p, l.join("\n") + "\n"))
                .collect();
            let repo = model(&files);
            let apart: Vec<FileFacts> = select(&repo, |_| true)
                .into_iter()
                .map(|(_, f, path, src)| read_source(&f.path, &path, src, &is_auth_name))
                .collect();
            moved += usize::from(apart.iter().any(|f| !f.includes.is_empty()));
            assert_same(&files);
        }
        // Some services did include a router their own file does not protect.
        assert!(moved > 10, "{moved}");
    }

    #[test]
    fn a_router_protected_in_an_earlier_file_protects_its_inclusion() {
        let files = [
            (
                "src/app/a.py".to_owned(),
                "router = APIRouter(dependencies=[Depends(AuthMiddleware)])\n".to_owned(),
            ),
            (
                "src/app/b.py".to_owned(),
                "app = FastAPI()\napp.include_router(router)\napp.include_router(other)\n"
                    .to_owned(),
            ),
        ];
        let facts = analyse(&model(&files), |_| true, &is_middleware_class);
        let protected: Vec<bool> = facts.routes.iter().map(|r| r.protected).collect();
        assert_eq!(protected, [true, false]);
        assert_same(&files);
    }
}
