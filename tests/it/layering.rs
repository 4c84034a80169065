//! The layers point one way and rule modules never import each other.
//!
//! The lower layers are crates (`crates/paved-parse` ← `crates/paved-model` ←
//! `paved`), so the compiler already refuses an upward import; this checks that their
//! manifests keep it that way. Inside `paved`, the top-level modules form layers too
//! ([`LAYERS`]): none names a module of a higher layer outside its tests, and the
//! guardrails core never names the rules built on it. Rule modules under
//! `src/guardrails/rules/` may use the model, the guardrails core and shared
//! knowledge (`guardrails::ci_tools`), never another rule module: what several rules
//! need belongs in a view of `paved_model`. The rules the engine raises
//! (`src/drift/rules/`) are declarations only: they name the guardrails core and
//! nothing of the engine or of each other.
//!
//! The crate is read as the compiler reads it: [`crate_modules`] follows the `mod`
//! declarations from `src/lib.rs` (`#[path]` included, `#[cfg(test)]` modules and
//! items left out) and parses each file with syn, so every path a module names is
//! resolved to the module it points at, however it is written: `crate::a::b`,
//! `super::super::x`, a `use` group (`use crate::{a, b::c}`), a path inside a macro
//! call, or a path in an expression or a type.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `[dependencies]` table of a crate's manifest, as text.
fn dependencies(manifest: &Path) -> String {
    let text = fs::read_to_string(manifest).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table
        .get("dependencies")
        .map(|d| d.to_string())
        .unwrap_or_default()
}

#[test]
fn lower_layers_do_not_depend_on_upper_ones() {
    let parse = dependencies(&root().join("crates/paved-parse/Cargo.toml"));
    assert!(!parse.contains("paved"), "paved-parse depends on {parse}");
    let model = dependencies(&root().join("crates/paved-model/Cargo.toml"));
    assert!(model.contains("paved-parse"));
    assert!(
        !model.contains("paved-model") && !model.contains("paved ="),
        "paved-model depends on {model}"
    );
    // src/parse only re-exports the parser crate.
    let parse_shim = crate_modules()
        .iter()
        .find(|m| m.path == ["parse"])
        .expect("src/parse is a module");
    assert!(
        parse_shim.uses.is_empty(),
        "src/parse must not reach into the crate: {:?}",
        parse_shim.uses
    );
}

/// One module of the `paved` library crate, as the compiler sees it.
struct Module {
    /// Its path below the crate root: `["guardrails", "rules", "kubernetes", "privileged"]`.
    path: Vec<String>,
    /// The file it is written in, relative to the repository root.
    file: String,
    /// Whether the file declares a rule (a `rule! {` item).
    declares_rule: bool,
    /// Every module of the crate it names, resolved to a path below the crate root,
    /// with the line that names it. Paths outside the crate are not kept.
    uses: Vec<Named>,
}

#[derive(Debug)]
struct Named {
    target: Vec<String>,
    line: usize,
}

impl Module {
    fn starts_with(&self, prefix: &[&str]) -> bool {
        self.path.len() >= prefix.len() && self.path.iter().zip(prefix).all(|(a, b)| a == b)
    }

    fn at(&self, line: usize) -> String {
        format!("{}:{line} ({})", self.file, self.path.join("::"))
    }
}

fn starts_with(path: &[String], prefix: &[&str]) -> bool {
    path.len() >= prefix.len() && path.iter().zip(prefix).all(|(a, b)| a == b)
}

/// Whether an item is compiled only for tests: `#[cfg(test)]`.
fn test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item::*;
    match item {
        Const(i) => &i.attrs,
        Enum(i) => &i.attrs,
        ExternCrate(i) => &i.attrs,
        Fn(i) => &i.attrs,
        ForeignMod(i) => &i.attrs,
        Impl(i) => &i.attrs,
        Macro(i) => &i.attrs,
        Mod(i) => &i.attrs,
        Static(i) => &i.attrs,
        Struct(i) => &i.attrs,
        Trait(i) => &i.attrs,
        TraitAlias(i) => &i.attrs,
        Type(i) => &i.attrs,
        Union(i) => &i.attrs,
        Use(i) => &i.attrs,
        _ => &[],
    }
}

/// A `mod name;` whose file is still to be read.
struct FileModule {
    path: Vec<String>,
    /// `#[path = "…"]`, relative to the declaring file's directory.
    path_attr: Option<String>,
    /// Inline modules between the declaring file's module and this one.
    inline: Vec<String>,
}

/// Collects what one file's modules name.
struct Collector {
    /// The file's own module path.
    base: Vec<String>,
    /// Inline modules entered below `base`.
    inline: Vec<String>,
    /// Child modules of each module being visited (innermost last), to resolve a
    /// relative path (`child::item`) that starts with one of them.
    children: Vec<BTreeSet<String>>,
    uses: Vec<(Vec<String>, Named)>,
    files: Vec<FileModule>,
    /// `#[cfg(test)] mod name;`: files compiled only into the unit tests.
    test_files: Vec<FileModule>,
}

impl Collector {
    fn current(&self) -> Vec<String> {
        self.base.iter().chain(&self.inline).cloned().collect()
    }

    /// `segments` as written in the current module, resolved below the crate root;
    /// `None` for a path outside the crate (std, a dependency, a local item).
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let mut here = self.current();
        let mut rest = segments;
        match first.as_str() {
            "crate" => return Some(segments[1..].to_vec()),
            "self" | "super" => {
                while let Some(s) = rest.first() {
                    match s.as_str() {
                        "self" => {}
                        "super" => {
                            here.pop()?;
                        }
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            name if self.children.last().is_some_and(|c| c.contains(name)) => {}
            _ => return None,
        }
        here.extend(rest.iter().cloned());
        Some(here)
    }

    fn record(&mut self, segments: &[String], line: usize) {
        if let Some(target) = self.resolve(segments) {
            self.uses.push((self.current(), Named { target, line }));
        }
    }

    fn visit_items(&mut self, items: &[syn::Item]) {
        let children = items
            .iter()
            .flat_map(|i| match i {
                syn::Item::Mod(m) if !test_only(&m.attrs) => vec![m.ident.to_string()],
                syn::Item::Macro(m) => registered(&m.mac),
                _ => Vec::new(),
            })
            .collect();
        self.children.push(children);
        for item in items {
            self.visit_item(item);
        }
        self.children.pop();
    }

    /// Paths written inside a macro call's tokens: `crate :: a :: b`, `super :: x`.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let flat = flatten(tokens);
        let mut i = 0;
        while i < flat.len() {
            let TokenTree::Ident(ident) = &flat[i] else {
                i += 1;
                continue;
            };
            let word = ident.to_string();
            let after_dollar =
                i > 0 && matches!(&flat[i - 1], TokenTree::Punct(p) if p.as_char() == '$');
            if !["crate", "super", "self"].contains(&word.as_str()) || after_dollar {
                i += 1;
                continue;
            }
            let line = ident.span().start().line;
            let mut segments = vec![word];
            let mut j = i + 1;
            loop {
                let colons = matches!(
                    (flat.get(j), flat.get(j + 1)),
                    (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                        if a.as_char() == ':' && b.as_char() == ':'
                );
                match flat.get(j + 2) {
                    Some(TokenTree::Ident(next)) if colons => {
                        segments.push(next.to_string());
                        j += 3;
                    }
                    _ => break,
                }
            }
            if segments.len() > 1 {
                self.record(&segments, line);
            }
            i = j;
        }
    }
}

/// The modules a domain's `register!` (or `register_engine!`) declares. Written as
/// `register!("guardrails/rules/dockerfile")`, it expands the list build.rs generated
/// in `$OUT_DIR/rules/<folder>.rs` (build/rules.rs), which is read here as the compiler
/// reads it; written as `register! { module::Rule, … }`, it expands to `mod module;`
/// for each entry.
fn registered(mac: &syn::Macro) -> Vec<String> {
    let name = mac.path.segments.last().map(|s| s.ident.to_string());
    if !matches!(name.as_deref(), Some("register" | "register_engine")) {
        return Vec::new();
    }
    if let Ok(folder) = syn::parse2::<syn::LitStr>(mac.tokens.clone()) {
        return generated_registry(&folder.value());
    }
    entries(&flatten(mac.tokens.clone()))
}

/// The modules the registry build.rs generated for a rule folder declares: each
/// `module::Rule` it hands back to `register!`, and each `mod module;` of a file it
/// could not read.
fn generated_registry(folder: &str) -> Vec<String> {
    let path = Path::new(env!("OUT_DIR")).join(format!("rules/{folder}.rs"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "register!(\"{folder}\"): no generated {}: {e}",
            path.display()
        )
    });
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for item in &ast.items {
        let syn::Item::Macro(m) = item else { continue };
        let flat = flatten(m.mac.tokens.clone());
        out.extend(entries(&flat));
        for w in flat.windows(3) {
            if let [TokenTree::Ident(kw), TokenTree::Ident(module), TokenTree::Punct(semi)] = w {
                if kw == "mod" && semi.as_char() == ';' {
                    out.push(module.to_string());
                }
            }
        }
    }
    out
}

/// `module::Rule` entries of a registry list: the first of a list (after `!` or at
/// the start) or after a comma.
fn entries(flat: &[TokenTree]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in flat.iter().enumerate() {
        let TokenTree::Ident(module) = t else {
            continue;
        };
        let starts_entry = i == 0
            || matches!(&flat[i - 1], TokenTree::Punct(p) if matches!(p.as_char(), ',' | '!'));
        let colons = matches!(
            (flat.get(i + 1), flat.get(i + 2)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == ':' && b.as_char() == ':'
        );
        if starts_entry && colons {
            out.push(module.to_string());
        }
    }
    out
}

fn flatten(tokens: TokenStream) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for t in tokens {
        match t {
            TokenTree::Group(g) => out.extend(flatten(g.stream())),
            other => out.push(other),
        }
    }
    out
}

/// Every path a `use` tree names: `a::{b, c::d}` → `a::b`, `a::c::d`.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            if n.ident != "self" {
                path.push(n.ident.to_string());
            }
            out.push(path);
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push(path);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !test_only(item_attrs(item)) {
            visit::visit_item(self, item);
        } else if let syn::Item::Mod(m) = item {
            if m.content.is_none() {
                let mut path = self.current();
                path.push(m.ident.to_string());
                self.test_files.push(FileModule {
                    path,
                    path_attr: path_attr(&m.attrs),
                    inline: self.inline.clone(),
                });
            }
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let name = m.ident.to_string();
        match &m.content {
            Some((_, items)) => {
                self.inline.push(name);
                self.visit_items(items);
                self.inline.pop();
            }
            None => {
                let path_attr = path_attr(&m.attrs);
                let mut path = self.current();
                path.push(name);
                self.files.push(FileModule {
                    path,
                    path_attr,
                    inline: self.inline.clone(),
                });
            }
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let line = u.use_token.span.start().line;
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for p in paths {
            self.record(&p, line);
        }
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        // A macro definition's paths resolve where it is called, not here.
        if m.mac.path.is_ident("macro_rules") {
            return;
        }
        for name in registered(&m.mac) {
            let mut path = self.current();
            path.push(name);
            self.files.push(FileModule {
                path,
                path_attr: None,
                inline: self.inline.clone(),
            });
        }
        visit::visit_item_macro(self, m);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        visit::visit_macro(self, m);
        self.scan_tokens(m.tokens.clone());
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = p.segments.first() {
            self.record(&segments, first.ident.span().start().line);
        }
        visit::visit_path(self, p);
    }

    // `pub(crate)`, `pub(super)`: visibility, not a use of a module.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}
}

/// `#[path = "…"]` of a `mod` item.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The library crate as the compiler reads it from `src/lib.rs` (once per test run).
struct Crate {
    /// Every module outside its tests.
    modules: Vec<Module>,
    /// The files of `#[cfg(test)]` modules, relative to the repository root (not read).
    test_files: BTreeSet<String>,
}

fn read_crate() -> &'static Crate {
    static CRATE: OnceLock<Crate> = OnceLock::new();
    CRATE.get_or_init(read_crate_modules)
}

/// Every module of the library crate outside its tests, read from `src/lib.rs` down.
fn crate_modules() -> &'static [Module] {
    &read_crate().modules
}

fn read_crate_modules() -> Crate {
    let mut out = Vec::new();
    let mut test_files = BTreeSet::new();
    let mut queue: Vec<(PathBuf, Vec<String>)> = vec![(root().join("src/lib.rs"), Vec::new())];
    while let Some((file, path)) = queue.pop() {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut c = Collector {
            base: path.clone(),
            inline: Vec::new(),
            children: Vec::new(),
            uses: Vec::new(),
            files: Vec::new(),
            test_files: Vec::new(),
        };
        c.visit_items(&ast.items);
        let rel = file.strip_prefix(root()).unwrap().display().to_string();
        // Inline modules are modules of their own; a file's module comes first.
        let mut modules: Vec<Module> = Vec::new();
        for (at, named) in c.uses {
            match modules.iter_mut().find(|m| m.path == at) {
                Some(m) => m.uses.push(named),
                None => modules.push(Module {
                    path: at,
                    file: rel.clone(),
                    declares_rule: false,
                    uses: vec![named],
                }),
            }
        }
        if !modules.iter().any(|m| m.path == path) {
            modules.push(Module {
                path: path.clone(),
                file: rel.clone(),
                declares_rule: false,
                uses: Vec::new(),
            });
        }
        let declares_rule = text.lines().any(|l| l.starts_with("rule! {"));
        for m in &mut modules {
            m.declares_rule = m.path == path && declares_rule;
        }
        out.extend(modules);
        // Where this file's child modules live.
        let dir = file.parent().unwrap().to_path_buf();
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let mod_rs = ["lib", "main", "mod"].contains(&stem.as_str());
        let file_of = |child: &FileModule| {
            let name = child.path.last().unwrap().clone();
            match &child.path_attr {
                Some(p) => dir.join(p),
                None => {
                    let mut base = if mod_rs { dir.clone() } else { dir.join(&stem) };
                    for i in &child.inline {
                        base.push(i);
                    }
                    let flat = base.join(format!("{name}.rs"));
                    if flat.exists() {
                        flat
                    } else {
                        base.join(&name).join("mod.rs")
                    }
                }
            }
        };
        for child in c.test_files {
            let found = file_of(&child);
            test_files.insert(found.strip_prefix(root()).unwrap().display().to_string());
        }
        for child in c.files {
            let found = file_of(&child);
            assert!(
                found.exists(),
                "module {} declared in {rel}: no file {}",
                child.path.join("::"),
                found.display()
            );
            queue.push((found, child.path));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Crate {
        modules: out,
        test_files,
    }
}

#[test]
fn the_module_reader_sees_the_whole_crate_and_every_kind_of_path() {
    let modules = crate_modules();
    let find = |p: &str| {
        let path: Vec<&str> = p.split("::").collect();
        modules
            .iter()
            .find(|m| m.path == path)
            .unwrap_or_else(|| panic!("no module {p}"))
    };
    // A `#[path]` module, its rule files, and a nested support module.
    assert!(find("guardrails::rules::terraform_google::bucket_public").declares_rule);
    assert!(!find("guardrails::rules::auth::analysis").declares_rule);
    // Test-only modules are not part of the layering.
    assert!(!modules
        .iter()
        .any(|m| m.path.last().is_some_and(|l| l == "tests")));
    // Every rule of the catalog is a module the reader found (most are declared by
    // `register!`, not by a `mod` item).
    let rules = modules.iter().filter(|m| m.declares_rule).count();
    assert_eq!(rules, paved::drift::rules::catalog().count());

    // The resolver, on code written every way a path can be.
    let code = r#"
        use crate::{report::{self, human}, text};
        use super::super::sibling::Thing;
        use child::Item;
        mod child {}
        register! {
            one::One,
            two::Two,
        }
        macro_rules! m {
            () => { $crate::defined::where_called() };
        }
        fn f() -> crate::drift::Report {
            let x = format!("{}", crate::report::plural(1, "x"));
            self::child::g();
        }
    "#;
    let ast = syn::parse_file(code).unwrap();
    let mut c = Collector {
        base: vec!["a".into(), "b".into(), "c".into()],
        inline: Vec::new(),
        children: Vec::new(),
        uses: Vec::new(),
        files: Vec::new(),
        test_files: Vec::new(),
    };
    c.visit_items(&ast.items);
    let named: BTreeSet<String> = c.uses.iter().map(|(_, n)| n.target.join("::")).collect();
    for expected in [
        "report",
        "report::human",
        "text",
        "a::sibling::Thing",
        "a::b::c::child::Item",
        "drift::Report",
        "report::plural",
        "a::b::c::child::g",
    ] {
        assert!(named.contains(expected), "{expected} not in {named:?}");
    }
    assert!(!named.iter().any(|n| n.starts_with("defined")), "{named:?}");
    let files: Vec<String> = c.files.iter().map(|f| f.path.join("::")).collect();
    assert_eq!(files, ["a::b::c::one", "a::b::c::two"]);
}

/// Every `.rs` file under `src/`, as (path from the repository root, full path), in
/// file-name order.
fn rust_sources() -> Vec<(String, PathBuf)> {
    walkdir::WalkDir::new(root().join("src"))
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let rel = path.strip_prefix(root()).unwrap().display().to_string();
            (rel, path)
        })
        .collect()
}

/// Every `.rs` file under `src/` is compiled: a `mod` item declares it (by hand, or
/// generated by build.rs for a rule file, see `registered`), or it is the binary's
/// root. A file nothing declares is silently not built, and a rule written in it
/// would silently not exist.
#[test]
fn every_source_file_is_compiled() {
    let krate = read_crate();
    let compiled: BTreeSet<&str> = krate.modules.iter().map(|m| m.file.as_str()).collect();
    let mut orphans = Vec::new();
    for (rel, _) in rust_sources() {
        if rel == "src/main.rs"
            || compiled.contains(rel.as_str())
            || krate.test_files.contains(&rel)
        {
            continue;
        }
        orphans.push(rel);
    }
    assert!(
        orphans.is_empty(),
        "files under src/ that no module declares, so they are not compiled: {orphans:#?}"
    );
}

/// Every rule declared anywhere in `src/` (a `rule!` call, however its path is
/// written and wherever it sits, as syn reads it) is in the catalog `paved rules`
/// lists, and the catalog holds nothing else: nobody registers a rule by hand, so
/// this is what fails when the generated registry misses one.
#[test]
fn every_rule_declaration_is_in_the_catalog() {
    struct Calls(usize);
    impl<'ast> Visit<'ast> for Calls {
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if m.path.segments.last().is_some_and(|s| s.ident == "rule") {
                self.0 += 1;
            }
            visit::visit_macro(self, m);
        }
    }
    let krate = read_crate();
    let mut declared: BTreeMap<String, usize> = BTreeMap::new();
    for (rel, path) in rust_sources() {
        if krate.test_files.contains(&rel) {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let mut calls = Calls(0);
        calls.visit_file(&ast);
        if calls.0 > 0 {
            declared.insert(rel, calls.0);
        }
    }
    let mut in_catalog: BTreeMap<String, usize> = BTreeMap::new();
    for rule in paved::drift::rules::catalog() {
        let source = rule.meta.source.unwrap_or("(no source)");
        *in_catalog.entry(source.to_owned()).or_default() += 1;
    }
    assert!(declared.len() > 150, "{declared:?}");
    let differ = |a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| -> Vec<String> {
        a.iter()
            .filter(|(file, n)| b.get(*file) != Some(n))
            .map(|(file, n)| format!("{file} ({n})"))
            .collect()
    };
    let missing = differ(&declared, &in_catalog);
    let extra = differ(&in_catalog, &declared);
    assert!(
        missing.is_empty() && extra.is_empty(),
        "rules declared but not in the catalog: {missing:#?}\nin the catalog but not declared so: {extra:#?}"
    );
}

/// The top-level modules of the `paved` crate, lowest layer first. A module may name
/// modules of its own layer or below (`crate::x`), never one above. A new top-level
/// module must be placed here.
const LAYERS: &[&[&str]] = &[
    // re-export of paved-parse; wording helpers
    &["parse", "text"],
    // blueprints: manifests, templates, rendering, provenance
    &["blueprint"],
    // rules over the repository model (reads recorded provenance); `paved update`
    &["guardrails", "update"],
    // the audit: walk, model, rules, policy, waivers → Report
    &["drift"],
    // renderers of a Report
    &["report"],
    // argument definitions (name report formats and severities)
    &["cli"],
    // entry points driving everything
    &["commands", "fuzzing"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

#[test]
fn modules_of_the_paved_crate_never_import_upward() {
    let mut edges = Vec::new();
    for m in crate_modules() {
        let Some(top) = m.path.first() else {
            // The crate root declares the modules and nothing else: `crate::x` always
            // names a module of LAYERS.
            assert!(
                m.uses.iter().all(|u| u.target.len() == 1),
                "src/lib.rs re-exports items: {:?}",
                m.uses
            );
            continue;
        };
        let Some(rank) = layer_of(top) else {
            panic!("src/{top} is in no layer: add it to LAYERS in tests/it/layering.rs");
        };
        for u in &m.uses {
            let Some(used) = u.target.first() else {
                continue;
            };
            match layer_of(used) {
                Some(r) if r > rank => edges.push(format!(
                    "{} -> crate::{}",
                    m.at(u.line),
                    u.target.join("::")
                )),
                Some(_) => {}
                None => edges.push(format!(
                    "{} -> crate::{} (no module of LAYERS)",
                    m.at(u.line),
                    u.target.join("::")
                )),
            }
        }
    }
    edges.sort();
    edges.dedup();
    assert!(
        edges.is_empty(),
        "modules import a higher layer (move what they need down): {edges:#?}"
    );
}

#[test]
fn rule_modules_never_import_each_other() {
    let modules = crate_modules();
    let rules = ["guardrails", "rules"];
    // guardrails::rules::<domain>::<module> → whether that module declares a rule.
    let declares = |domain: &str, module: &str| {
        modules.iter().any(|m| {
            m.declares_rule
                && m.path.len() == 4
                && m.starts_with(&rules)
                && m.path[2] == domain
                && m.path[3] == module
        })
    };
    let mut edges = Vec::new();
    for m in modules
        .iter()
        .filter(|m| m.starts_with(&rules) && m.path.len() >= 3)
    {
        let domain = &m.path[2];
        for u in &m.uses {
            if !starts_with(&u.target, &rules) {
                continue;
            }
            // A domain's own module lists its rule files.
            let registry = m.path.len() == 3;
            let edge = match u.target.get(2) {
                // The catalog (`guardrails::rules::all`) or another domain.
                None => true,
                Some(d) if d != domain => true,
                // Another rule file of the same domain; the domain's own module and
                // its support modules (files that declare no rule) are shared.
                Some(_) => match (u.target.get(3), m.path.get(3)) {
                    (Some(target), own) => {
                        !registry && declares(domain, target) && own != Some(target)
                    }
                    (None, _) => false,
                },
            };
            if edge {
                edges.push(format!("{} -> {}", m.at(u.line), u.target.join("::")));
            }
        }
    }
    edges.sort();
    edges.dedup();
    assert!(
        edges.is_empty(),
        "rule modules import each other (move what they share into paved_model): {edges:#?}"
    );
}

#[test]
fn the_guardrails_core_never_names_the_rules_built_on_it() {
    let mut edges = Vec::new();
    for m in crate_modules()
        .iter()
        .filter(|m| m.starts_with(&["guardrails"]) && m.path.len() >= 2 && m.path[1] != "rules")
    {
        for u in &m.uses {
            if starts_with(&u.target, &["guardrails", "rules"]) {
                edges.push(format!("{} -> {}", m.at(u.line), u.target.join("::")));
            }
        }
    }
    assert!(
        edges.is_empty(),
        "the guardrails core names guardrails::rules: {edges:#?}"
    );
}

#[test]
fn engine_rule_declarations_name_only_the_guardrails_core() {
    let mut edges = Vec::new();
    // src/drift/rules/<part>/<rule>.rs
    for m in crate_modules()
        .iter()
        .filter(|m| m.starts_with(&["drift", "rules"]) && m.path.len() >= 4)
    {
        for u in &m.uses {
            let allowed = starts_with(&u.target, &["guardrails", "declare"])
                || starts_with(&u.target, &["guardrails", "params"]);
            if !allowed {
                edges.push(format!(
                    "{} -> crate::{}",
                    m.at(u.line),
                    u.target.join("::")
                ));
            }
        }
    }
    assert!(
        edges.is_empty(),
        "engine rule files declare a rule and nothing else: {edges:#?}"
    );
}
