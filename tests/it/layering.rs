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

use std::fs;
use std::path::{Path, PathBuf};

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
    let shim = fs::read_to_string(root().join("src/parse/mod.rs")).unwrap();
    assert!(
        !shim.contains("crate::"),
        "src/parse must not reach into the crate"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its `#[cfg(test)]` tail (tests may share fixtures) and
/// without comment lines (docs may name any module).
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Words that follow `prefix` in `text`: `super::name` → `name`.
fn after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

fn declares_a_rule(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|t| t.contains("rule! {"))
}

#[test]
fn rule_modules_never_import_each_other() {
    let rules_dir = root().join("src/guardrails/rules");
    let mut files = Vec::new();
    rust_files(&rules_dir, &mut files);
    let domains: Vec<String> = fs::read_dir(&rules_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &rules_dir.join("mod.rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut edges = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&rules_dir).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts.last().is_some_and(|p| p == "tests") {
            continue;
        }
        let domain = &parts[0];
        let text = code(file);
        // Another domain, by absolute path.
        for d in after(&text, "guardrails::rules::") {
            if d != domain {
                edges.push(format!("{} -> {d}", rel.display()));
            }
        }
        let nested = parts.len() == 2 && parts[1] != "mod";
        if nested {
            // A rule file: `super::x` may name the domain's own items and support
            // modules (files that declare no rule, e.g. a domain's analysis), never a
            // sibling rule file; `super::super::x` never another domain.
            let dir = file.parent().unwrap();
            for s in after(&text, "super::") {
                let sibling = dir.join(format!("{s}.rs"));
                if sibling.exists() && declares_a_rule(&sibling) || dir.join(s).is_dir() {
                    edges.push(format!("{} -> {domain}/{s}", rel.display()));
                }
            }
            for d in after(&text, "super::super::") {
                if domains.iter().any(|x| x == d) {
                    edges.push(format!("{} -> {d}", rel.display()));
                }
            }
        } else {
            // A domain's own module: `super::x` must not name another domain.
            for d in after(&text, "super::") {
                if d != domain && domains.iter().any(|x| x == d) {
                    edges.push(format!("{} -> {d}", rel.display()));
                }
            }
        }
    }
    assert!(
        edges.is_empty(),
        "rule modules import each other (move what they share into paved_model): {edges:#?}"
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
    let src = root().join("src");
    let mut edges = Vec::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let Some(rank) = layer_of(&name) else {
            panic!("src/{name} is in no layer: add it to LAYERS in tests/it/layering.rs");
        };
        let mut files = Vec::new();
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path.clone());
        }
        for file in &files {
            let text = code(file);
            for used in after(&text, "crate::") {
                if layer_of(used).is_some_and(|r| r > rank) {
                    let rel = file.strip_prefix(root()).unwrap().display().to_string();
                    edges.push(format!("{rel} -> {used}"));
                }
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
fn the_guardrails_core_never_names_the_rules_built_on_it() {
    let core = root().join("src/guardrails");
    let mut edges = Vec::new();
    for entry in fs::read_dir(&core).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() || path.file_name().is_some_and(|n| n == "mod.rs") {
            continue;
        }
        let text = code(&path);
        if text.contains("super::rules") || text.contains("guardrails::rules") {
            edges.push(path.strip_prefix(root()).unwrap().display().to_string());
        }
    }
    assert!(
        edges.is_empty(),
        "the guardrails core names guardrails::rules: {edges:?}"
    );
}

#[test]
fn engine_rule_declarations_name_only_the_guardrails_core() {
    let dir = root().join("src/drift/rules");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut edges = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "mod.rs"))
    {
        let rel = file.strip_prefix(root()).unwrap().display().to_string();
        let text = code(file);
        for used in after(&text, "crate::") {
            if used != "guardrails" {
                edges.push(format!("{rel} -> crate::{used}"));
            }
        }
        if text.contains("super::") {
            edges.push(format!("{rel} -> super::"));
        }
        for path in after(&text, "guardrails::") {
            if !["declare", "params"].contains(&path) {
                edges.push(format!("{rel} -> guardrails::{path}"));
            }
        }
    }
    assert!(
        edges.is_empty(),
        "engine rule files declare a rule and nothing else: {edges:#?}"
    );
}
