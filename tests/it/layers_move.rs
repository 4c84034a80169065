//! Moving a built-in blueprint onto the shared layers (`blueprints/_layers/`) must not
//! change what it generates. `tests/fixtures/before-layers/<id>/` holds each moved
//! blueprint exactly as it was before its move (manifest and templates, no layers);
//! for every answer set `paved blueprint check` renders, the frozen copy and the
//! composed blueprint must give the same files, byte for byte, with the same modes
//! and ownership, and the same answers.
//!
//! What does differ, on purpose: the blueprint hash (it now covers the composed
//! manifest) and `.paved/answers.toml`, which records that hash and the layers.
//!
//! The copies are a golden reference: a later, deliberate change to a moved
//! blueprint or to a layer updates the copy in the same commit (apply the same edit
//! to `tests/fixtures/before-layers/<id>/`), so a layer edit can never change a
//! blueprint's output unnoticed.

use std::path::PathBuf;

use paved::blueprint::check::answer_sets;
use paved::blueprint::{answers, render, Blueprint, Catalog};

fn before() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-layers")
}

fn rendered(
    bp: &Blueprint,
    inputs: &answers::Inputs,
) -> Option<(Vec<String>, render::RenderedTree)> {
    match answers::resolve(bp, "example-svc", inputs, None) {
        Ok(a) => {
            let names = a.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            Some((names, render::render(bp, &a).expect("renders")))
        }
        // A choice of a variable that is skipped by default; `check` skips it too.
        Err(paved::blueprint::BlueprintError::InvalidAnswer { message, .. })
            if message.contains("does not apply") =>
        {
            None
        }
        Err(e) => panic!("{}: {e}", bp.origin),
    }
}

#[test]
fn moved_blueprints_render_byte_identical_output() {
    let frozen = Catalog::from_dir(&before()).unwrap();
    let current =
        Catalog::from_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("blueprints")).unwrap();
    assert!(
        !frozen.ids().is_empty(),
        "no blueprint frozen before its move"
    );
    for id in frozen.ids() {
        let old = frozen.load(id).unwrap();
        let new = current.load(id).unwrap();
        assert!(
            !new.manifest.composed.is_empty(),
            "{id} is not composed from layers"
        );
        assert_eq!(old.manifest.version, new.manifest.version, "{id}");
        let names = |bp: &Blueprint| -> Vec<String> {
            bp.manifest
                .variables
                .iter()
                .map(|v| v.name.clone())
                .collect()
        };
        assert_eq!(
            names(&old),
            names(&new),
            "{id}: variables or their order changed"
        );

        let sets = answer_sets(&old);
        let labels = |sets: &[(String, answers::Inputs)]| -> Vec<String> {
            sets.iter().map(|(l, _)| l.clone()).collect()
        };
        assert_eq!(labels(&sets), labels(&answer_sets(&new)), "{id}");
        let mut compared = 0;
        for (label, inputs) in &sets {
            let (Some((old_answers, old_tree)), Some((new_answers, new_tree))) =
                (rendered(&old, inputs), rendered(&new, inputs))
            else {
                continue;
            };
            assert_eq!(
                old_answers, new_answers,
                "{id} with {label}: answers differ"
            );
            let paths = |t: &render::RenderedTree| -> Vec<String> {
                t.files.iter().map(|f| f.path.clone()).collect()
            };
            assert_eq!(paths(&old_tree), paths(&new_tree), "{id} with {label}");
            for (a, b) in old_tree.files.iter().zip(&new_tree.files) {
                assert!(
                    a.contents == b.contents,
                    "{id} with {label}: {} differs",
                    a.path
                );
                assert_eq!(a.executable, b.executable, "{id} with {label}: {}", a.path);
                assert_eq!(a.ownership, b.ownership, "{id} with {label}: {}", a.path);
            }
            compared += 1;
        }
        assert!(compared >= 2, "{id}: only {compared} answer sets rendered");
    }
}
