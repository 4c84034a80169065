//! Moving a built-in blueprint's shared files onto the layers (`blueprints/_layers/`)
//! must not change what it generates. `tests/fixtures/before-layers/<id>/` holds each
//! moved blueprint exactly as it was just before its move. When the move was made,
//! the whole output was compared (every file, for every answer set `paved blueprint
//! check` renders: identical). The blueprints keep evolving after their move, so this
//! test keeps the part that must stay true: for every answer set, every file the
//! layers generate is byte-identical to what the blueprint generated itself before
//! the move, with the same mode and ownership, and the layers generate exactly the
//! files those templates generated.
//!
//! A deliberate change to a layer file therefore fails here until the copy gets the
//! same edit: a layer change never alters a blueprint's output unnoticed.
//!
//! What differs on purpose: the blueprint hash (it covers the composed manifest) and
//! `.paved/answers.toml`, which records that hash and the layers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use paved::blueprint::check::answer_sets;
use paved::blueprint::{answers, render, Blueprint, BlueprintError, Catalog, RenderedFile};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tree(bp: &Blueprint, a: &answers::Answers) -> BTreeMap<String, RenderedFile> {
    render::render(bp, a)
        .unwrap_or_else(|e| panic!("{}: {e}", bp.origin))
        .files
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect()
}

/// `old`'s answers, given to the current blueprint: the same values for every
/// variable it still has, so that only templates and rules can differ (the
/// blueprint may since have changed a default of its own, or added a question).
fn same_answers(old: &answers::Answers, new: &Blueprint) -> answers::Answers {
    let mut values = toml::Table::new();
    for (key, value) in old.iter().skip(1) {
        if new.manifest.variable(key).is_some() {
            let item: toml::Table = toml::from_str(&format!("v = {}", value.to_toml())).unwrap();
            values.insert(key.to_string(), item["v"].clone());
        }
    }
    loop {
        let inputs = answers::Inputs {
            sets: Vec::new(),
            file: Some(answers::AnswersFile {
                path: "answers before the move".into(),
                values: values.clone(),
            }),
        };
        match answers::resolve(new, old.service_name(), &inputs, None) {
            Ok(a) => return a,
            // A question that no longer applies to these answers is left out.
            Err(BlueprintError::InvalidAnswer {
                variable, message, ..
            }) if message.contains("does not apply") && values.remove(&variable).is_some() => {}
            Err(e) => panic!("{}: {e}", new.origin),
        }
    }
}

#[test]
fn files_from_layers_are_byte_identical_to_the_blueprints_own_before_the_move() {
    let before = Catalog::from_dir(&root().join("tests/fixtures/before-layers")).unwrap();
    let current = Catalog::from_dir(&root().join("blueprints")).unwrap();
    assert!(
        !before.ids().is_empty(),
        "no blueprint frozen before its move"
    );
    // Every file of every layer is covered: some blueprint copied here takes it from
    // its layer, so its output is compared below.
    let mut covered = std::collections::BTreeSet::new();
    for id in before.ids() {
        let new = current.load(id).unwrap();
        for t in &new.templates {
            if let Some(layer) = new.layer_of(&t.path) {
                covered.insert(format!("{layer}/template/{}", t.path));
            }
        }
    }
    let layers = root().join("blueprints/_layers");
    for entry in walkdir::WalkDir::new(&layers) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(&layers)
            .unwrap()
            .to_string_lossy();
        if entry.file_type().is_file() && rel.contains("/template/") {
            assert!(
                covered.contains(rel.as_ref()),
                "{rel}: no blueprint in tests/fixtures/before-layers takes it from its layer"
            );
        }
    }
    for id in before.ids() {
        let old = before.load(id).unwrap();
        let new = current.load(id).unwrap();
        assert!(
            !new.manifest.composed.is_empty(),
            "{id} is not composed from layers"
        );
        let moved: Vec<&str> = new
            .templates
            .iter()
            .map(|t| t.path.as_str())
            .filter(|p| new.from_layer(p))
            .collect();
        assert!(!moved.is_empty(), "{id}: nothing comes from a layer");
        for path in &moved {
            assert!(
                old.templates.iter().any(|t| &t.path == path),
                "{id}: layer template {path} did not exist in the blueprint before its move"
            );
        }

        let mut compared = 0;
        for (label, inputs) in answer_sets(&old) {
            let old_answers = match answers::resolve(&old, "example-svc", &inputs, None) {
                Ok(a) => a,
                // As in `paved blueprint check`: a choice of a skipped variable.
                Err(BlueprintError::InvalidAnswer { message, .. })
                    if message.contains("does not apply") =>
                {
                    continue
                }
                Err(e) => panic!("{id} with {label}: {e}"),
            };
            let old_tree = tree(&old, &old_answers);
            let new_tree = tree(&new, &same_answers(&old_answers, &new));
            let from_moved = |tree: &BTreeMap<String, RenderedFile>| -> Vec<String> {
                tree.values()
                    .filter(|f| f.source.as_deref().is_some_and(|s| moved.contains(&s)))
                    .map(|f| f.path.clone())
                    .collect()
            };
            assert_eq!(
                from_moved(&old_tree),
                from_moved(&new_tree),
                "{id} with {label}"
            );
            for path in from_moved(&new_tree) {
                let (a, b) = (&old_tree[&path], &new_tree[&path]);
                assert!(
                    a.contents == b.contents,
                    "{id} with {label}: {path} differs:\n{}",
                    similar::TextDiff::from_lines(
                        &String::from_utf8_lossy(&a.contents),
                        &String::from_utf8_lossy(&b.contents)
                    )
                    .unified_diff()
                );
                assert_eq!(a.executable, b.executable, "{id} with {label}: {path}");
                assert_eq!(a.ownership, b.ownership, "{id} with {label}: {path}");
                compared += 1;
            }
        }
        assert!(
            compared >= moved.len(),
            "{id}: only {compared} files compared"
        );
    }
}
