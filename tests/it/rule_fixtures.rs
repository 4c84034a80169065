//! One flagged and one fixed fixture per rule, side by side with the rule's snapshot:
//!
//! ```text
//! tests/fixtures/rules/<RULE-ID>/bad/…      a small repository tree the rule flags
//! tests/fixtures/rules/<RULE-ID>/good/…     the same, fixed: the rule stays quiet
//! tests/fixtures/rules/<RULE-ID>/params.toml  optional: the profile's [params]
//! tests/fixtures/rules/<RULE-ID>/bad.snap   `file:line: message` of every finding
//! ```
//!
//! A tree may hold `.paved/answers.toml` or `.paved/context.toml`: provenance and
//! context are read as the drift engine reads them. A rule without fixtures fails
//! here. New or changed
//! snapshots: `cargo insta review` (or `INSTA_UPDATE=always cargo test --test it
//! rule_fixtures`), see docs/contributing-rules.md.
//!
//! Rules the drift engine raises (`src/drift/rules/`) have no check to run alone:
//! their trees go through the whole audit, in memory and on [`FIXTURE_TODAY`], and
//! the snapshot keeps that rule's findings; `profile.toml` (a whole guardrails
//! profile) may stand in for `params.toml`. The blueprint rules need a re-render of
//! a real blueprint, which a fixture tree cannot hold without copying a generated
//! service; [`ENGINE_RULES_TESTED_BY_CLI`] names the CLI test that covers each.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use paved::blueprint::{provenance, Catalog};
use paved::drift::{self, context};
use paved::guardrails::model::{Model, RepoModel};
use paved::guardrails::policy::Policy;
use paved::guardrails::{check_all, rules, Params, Rule};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// Every file below `dir`, by `/`-separated path relative to it.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                let rel = rel.to_string_lossy().replace('\\', "/");
                let text =
                    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.insert(rel, text);
            }
        }
    }
    out
}

/// The repository a fixture tree describes, built as the drift engine builds it.
fn repo(tree: &BTreeMap<String, String>) -> RepoModel {
    let files: Vec<(&str, &str)> = tree.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let model = Model::from_memory(&files);
    let answers = provenance::answers_path();
    let prov = model
        .file(&answers)
        .and_then(|f| f.text.as_deref())
        .and_then(|text| provenance::parse(text, &answers).ok());
    let (ctx, _) = context::resolve(&model, prov.as_ref());
    RepoModel::new(PathBuf::from("."), model, prov, ctx)
}

fn params(dir: &Path) -> Params {
    match fs::read_to_string(dir.join("params.toml")) {
        Ok(text) => Params::new(toml::from_str(&text).expect("params.toml is TOML")),
        Err(_) => Params::default(),
    }
}

/// `file:line: message`, one finding per line.
fn findings(rule: &Rule, tree: &Path, params: &Params) -> String {
    let repo = repo(&read_tree(tree));
    let mut out = String::new();
    for hit in check_all(&repo, params, [rule]) {
        let file = hit.file.to_string_lossy().replace('\\', "/");
        match hit.line {
            Some(line) => out.push_str(&format!("{file}:{line}: {}\n", hit.message)),
            None => out.push_str(&format!("{file}: {}\n", hit.message)),
        }
    }
    out
}

/// `bad/` is flagged as `bad.snap` pins it; `good/` is not flagged. `run` gives the
/// findings of the rule on a tree.
fn judge(id: &str, dir: &Path, run: impl Fn(&Path) -> String) {
    let bad = run(&dir.join("bad"));
    assert!(!bad.is_empty(), "{id}: the bad fixture is not flagged");
    insta::with_settings!({
        snapshot_path => dir,
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => format!("{id} on tests/fixtures/rules/{id}/bad"),
    }, {
        insta::assert_snapshot!("bad", bad);
    });
    let good = run(&dir.join("good"));
    assert!(
        good.is_empty(),
        "{id}: the good fixture is flagged:\n{good}"
    );
}

#[test]
fn every_rule_is_flagged_by_its_bad_fixture_and_quiet_on_its_good_one() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for rule in rules::all() {
        let id = rule.meta.id;
        let dir = fixtures().join(id);
        if !dir.join("bad").is_dir() || !dir.join("good").is_dir() {
            missing.push(id);
            continue;
        }
        let params = params(&dir);
        judge(id, &dir, |tree| findings(rule, tree, &params));
        checked += 1;
    }
    assert!(
        missing.is_empty(),
        "rules without tests/fixtures/rules/<ID>/{{bad,good}}: {missing:?}"
    );
    assert!(checked > 0);
}

/// "Today" for the engine rules' fixtures (waiver expiry).
const FIXTURE_TODAY: jiff::civil::Date = jiff::civil::date(2026, 6, 1);

/// Engine rules without fixtures, and the CLI test (file, function) that checks
/// each on a rendered service: conformance re-renders the recorded blueprint.
const ENGINE_RULES_TESTED_BY_CLI: &[(&str, &str, &str)] = &[
    (
        "PVD-BLUEPRINT-001",
        "cli_drift.rs",
        "conformance_findings_and_exit_codes",
    ),
    (
        "PVD-BLUEPRINT-002",
        "cli_drift.rs",
        "conformance_findings_and_exit_codes",
    ),
    (
        "PVD-BLUEPRINT-003",
        "cli_drift.rs",
        "provenance_and_catalog_problems_are_findings",
    ),
    (
        "PVD-BLUEPRINT-004",
        "cli_update.rs",
        "rust_axum_1_0_0_is_checked_against_1_0_0_and_reported_behind",
    ),
    (
        "PVD-BLUEPRINT-005",
        "cli_update.rs",
        "rust_axum_1_0_0_is_checked_against_1_0_0_and_reported_behind",
    ),
];

/// `location: message` of `rule`'s findings that no waiver covers, when the whole
/// audit runs on `tree`.
fn engine_findings(rule: &Rule, tree: &Path, policy: &Policy, catalog: &Catalog) -> String {
    let tree = read_tree(tree);
    let files: Vec<(&str, &[u8])> = tree
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    let opts = drift::Options {
        policy,
        catalog,
        today: FIXTURE_TODAY,
    };
    let report = drift::audit_in_memory(&files, &opts);
    let mut out = String::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.rule == rule.meta.id && f.waived.is_none())
    {
        out.push_str(&format!("{}: {}\n", f.location(), f.message));
    }
    out
}

fn engine_policy(dir: &Path) -> Policy {
    let known = || drift::rules::catalog().map(|r| &r.meta);
    match fs::read_to_string(dir.join("profile.toml")) {
        Ok(text) => Policy::from_text("fixture", &text, known()).expect("profile.toml loads"),
        Err(_) => Policy::load(None, "baseline", known()).unwrap(),
    }
}

#[test]
fn every_engine_rule_has_fixtures_or_a_named_cli_test() {
    let catalog = Catalog::embedded();
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let mut missing = Vec::new();
    for rule in drift::rules::engine() {
        let id = rule.meta.id;
        let dir = fixtures().join(id);
        if let Some((_, file, function)) = ENGINE_RULES_TESTED_BY_CLI.iter().find(|t| t.0 == id) {
            assert!(
                !dir.exists(),
                "{id} has fixtures: drop it from ENGINE_RULES_TESTED_BY_CLI"
            );
            let code = fs::read_to_string(tests.join(file)).unwrap();
            let start = code
                .find(&format!("fn {function}("))
                .unwrap_or_else(|| panic!("{id}: no fn {function} in tests/it/{file}"));
            let body = &code[start..];
            let body = &body[..body[1..].find("\nfn ").map_or(body.len(), |e| e + 1)];
            assert!(
                body.contains(id),
                "{id}: tests/it/{file} {function} does not check it"
            );
            continue;
        }
        if !dir.join("bad").is_dir() || !dir.join("good").is_dir() {
            missing.push(id);
            continue;
        }
        let policy = engine_policy(&dir);
        judge(id, &dir, |tree| {
            engine_findings(rule, tree, &policy, &catalog)
        });
    }
    assert!(
        missing.is_empty(),
        "engine rules without tests/fixtures/rules/<ID>/{{bad,good}} (or a CLI test in ENGINE_RULES_TESTED_BY_CLI): {missing:?}"
    );
}

#[test]
fn every_fixture_names_a_rule() {
    for entry in fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("PVD-") {
            assert!(
                drift::rules::find(&name).is_some(),
                "tests/fixtures/rules/{name} names no rule"
            );
        }
    }
}
