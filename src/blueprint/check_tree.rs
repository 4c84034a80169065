//! `paved blueprint check PATH` on more than one blueprint: a layer folder is
//! checked on its own and through every blueprint that uses it; a blueprints
//! directory has every layer and every blueprint checked.

use std::fs;
use std::path::{Path, PathBuf};

use super::check::{self, CheckReport, Diagnostic, Options};
use super::compose::{self, blueprints_dir_of, LayerSource};
use super::layer::{LAYERS_DIR, LAYER_FILE};
use super::manifest::{Manifest, MANIFEST_FILE};
use super::model::{Blueprint, SourceFile};

/// Checks a blueprint folder, a layer folder or a whole blueprints directory.
pub fn check_path(dir: &Path) -> Vec<CheckReport> {
    if dir.join(MANIFEST_FILE).is_file() {
        return vec![check::check_dir(dir)];
    }
    if dir.join(LAYER_FILE).is_file() {
        let root = blueprints_dir_of(&blueprints_dir_of(dir));
        let id = folder_name(dir);
        let mut reports = vec![check_layer(&root, &id)];
        reports.extend(
            blueprints_in(&root)
                .into_iter()
                .filter(|bp| uses_layer(bp, &id))
                .map(|bp| check::check_dir(&bp)),
        );
        return reports;
    }
    let mut reports: Vec<CheckReport> = LayerSource::Directory(dir.to_path_buf())
        .ids()
        .iter()
        .map(|id| check_layer(dir, id))
        .collect();
    reports.extend(blueprints_in(dir).iter().map(|bp| check::check_dir(bp)));
    if reports.is_empty() {
        reports.push(failed(format!(
            "{}: holds no {MANIFEST_FILE}, no {LAYER_FILE} and no blueprint or layer folders",
            dir.display()
        )));
    }
    reports
}

/// Checks layer `id` of blueprints directory `root` on its own: composed, with the
/// layers it requires, into a blueprint that adds nothing, and rendered like one.
pub fn check_layer(root: &Path, id: &str) -> CheckReport {
    let source = LayerSource::Directory(root.to_path_buf());
    let layer = match source.load(id) {
        Ok(Some(layer)) => layer,
        Ok(None) => return failed(format!("layer {id:?} not found in {}", root.display())),
        Err(e) => return failed(e.to_string()),
    };
    let label = format!("{}/{LAYER_FILE}", layer.origin);
    for required in &layer.manifest.requires {
        if !matches!(source.load(required), Ok(Some(_))) {
            return failed(format!(
                "{label}: requires layer {required:?}, which is missing or does not load"
            ));
        }
    }
    let mut manifest = format!(
        "[blueprint]\nid = {id:?}\nversion = \"0.0.0\"\ndescription = \"layer {id} on its own\"\n"
    );
    for used in layer.manifest.requires.iter().chain([&layer.manifest.id]) {
        manifest.push_str(&format!("\n[[layers]]\nid = {used:?}\n"));
    }
    let files = vec![SourceFile {
        path: MANIFEST_FILE.to_string(),
        bytes: manifest.into_bytes().into(),
        executable: false,
    }];
    let loaded = compose::compose(files, &layer.origin, &source)
        .and_then(|c| Blueprint::from_files_with_origins(id, c.files, &layer.origin, c.origins));
    let mut report = match loaded {
        Ok(bp) => check::check_with(
            &bp,
            Options {
                report_unused: false,
            },
        ),
        Err(e) => failed(e.to_string()),
    };
    report.blueprint = report.blueprint.map(|_| format!("layer {id}"));
    report
}

fn failed(message: String) -> CheckReport {
    CheckReport {
        blueprint: None,
        templates: 0,
        renders: 0,
        releases: 0,
        errors: vec![Diagnostic {
            file: String::new(),
            line: None,
            message,
        }],
    }
}

fn folder_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .unwrap_or_default()
}

/// Blueprint folders of a blueprints directory, sorted.
fn blueprints_in(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(root)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    !name.starts_with('.') && !name.starts_with('_') && name != LAYERS_DIR
                })
                .map(|e| e.path())
                .filter(|p| p.join(MANIFEST_FILE).is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether the blueprint in `dir` lists layer `id`. A manifest that does not parse
/// is checked anyway, so its errors are reported.
fn uses_layer(dir: &Path, id: &str) -> bool {
    let path = dir.join(MANIFEST_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => match Manifest::parse(&text, &path.display().to_string()) {
            Ok(m) => m.layers.iter().any(|l| l.id == id),
            Err(_) => true,
        },
        Err(_) => true,
    }
}
