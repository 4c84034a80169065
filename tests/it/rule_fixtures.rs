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
//! here, except in the domains listed in [`NOT_YET_CONVERTED`]. New or changed
//! snapshots: `cargo insta review` (or `INSTA_UPDATE=always cargo test --test it
//! rule_fixtures`), see docs/contributing-rules.md.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use paved::blueprint::provenance;
use paved::drift::context;
use paved::guardrails::model::{Model, RepoModel};
use paved::guardrails::{check_all, rules, Domain, Params, Rule};

/// Domains still declared the legacy way (`legacy::Rule` arrays), whose rules have
/// no fixtures yet. Converting a domain removes it from this list.
const NOT_YET_CONVERTED: &[Domain] = &[];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn needs_fixtures(rule: &Rule) -> bool {
    rule.meta.source.is_some()
        || !NOT_YET_CONVERTED.contains(&rule.meta.domain)
        // A legacy rule that already has fixtures is held to them too.
        || fixtures().join(rule.meta.id).is_dir()
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

#[test]
fn every_rule_is_flagged_by_its_bad_fixture_and_quiet_on_its_good_one() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for rule in rules::all().filter(|r| needs_fixtures(r)) {
        let id = rule.meta.id;
        let dir = fixtures().join(id);
        if !dir.join("bad").is_dir() || !dir.join("good").is_dir() {
            missing.push(id);
            continue;
        }
        let params = params(&dir);
        let bad = findings(rule, &dir.join("bad"), &params);
        assert!(!bad.is_empty(), "{id}: the bad fixture is not flagged");
        insta::with_settings!({
            snapshot_path => dir.clone(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("{id} on tests/fixtures/rules/{id}/bad"),
        }, {
            insta::assert_snapshot!("bad", bad);
        });
        let good = findings(rule, &dir.join("good"), &params);
        assert!(
            good.is_empty(),
            "{id}: the good fixture is flagged:\n{good}"
        );
        checked += 1;
    }
    assert!(
        missing.is_empty(),
        "rules without tests/fixtures/rules/<ID>/{{bad,good}}: {missing:?}"
    );
    assert!(checked > 0);
}

#[test]
fn unconverted_domains_are_still_unconverted() {
    // Keeps NOT_YET_CONVERTED honest: a converted domain must leave the list (and so
    // get fixtures for every rule).
    for domain in NOT_YET_CONVERTED {
        assert!(
            rules::all().any(|r| r.meta.domain == *domain && r.meta.source.is_none()),
            "{} has no legacy rule left: remove it from NOT_YET_CONVERTED",
            domain.as_str()
        );
    }
}

#[test]
fn every_fixture_names_a_rule() {
    for entry in fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("PVD-") {
            assert!(
                rules::find(&name).is_some(),
                "tests/fixtures/rules/{name} names no rule"
            );
        }
    }
}
