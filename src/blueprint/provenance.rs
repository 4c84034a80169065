//! `.paved/answers.toml`: what generated a repository, so `paved drift` can render
//! the same blueprint version with the same answers and compare.

use toml_edit::{Array, DocumentMut, Item, Table};

use super::answers::Answers;
use super::error::{BlueprintError, Result};
use super::manifest::Ownership;
use super::model::{Blueprint, PROVENANCE_DIR};
use super::render::{RenderedFile, RenderedTree};

pub const ANSWERS_FILE: &str = "answers.toml";
pub const PAVED_VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn answers_path() -> String {
    format!("{PROVENANCE_DIR}/{ANSWERS_FILE}")
}

/// What `.paved/answers.toml` records.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    pub blueprint_id: String,
    pub blueprint_version: semver::Version,
    pub blueprint_hash: String,
    pub paved_version: String,
    pub answers: toml::Table,
    pub managed: Vec<String>,
    pub seeded: Vec<String>,
}

/// Renders the provenance document. It holds no timestamp, so the same blueprint and
/// answers always give the same bytes.
pub fn render(bp: &Blueprint, answers: &Answers, tree: &RenderedTree) -> String {
    let mut doc = DocumentMut::new();
    doc.decor_mut().set_prefix(
        "# Written by `paved new` when this repository was generated.\n\
         # `paved drift` renders the same blueprint version with these answers and compares\n\
         # the files it manages. Keep this file under version control.\n\n",
    );

    let mut blueprint = Table::new();
    blueprint.insert("id", bp.manifest.id.as_str().into());
    blueprint.insert("version", bp.manifest.version.to_string().into());
    blueprint.insert("hash", bp.hash.as_str().into());
    // A composed blueprint records the layers it was built from; the hash above
    // already covers their content.
    if !bp.manifest.composed.is_empty() {
        let mut layers = Array::new();
        for layer in &bp.manifest.composed {
            let mut entry = toml_edit::InlineTable::new();
            entry.insert("id", layer.id.as_str().into());
            entry.insert("hash", layer.hash.as_str().into());
            layers.push_formatted(toml_edit::Value::InlineTable(entry).decorated("\n  ", ""));
        }
        layers.set_trailing("\n");
        layers.set_trailing_comma(true);
        blueprint.insert("layers", toml_edit::value(layers));
    }
    doc.insert("blueprint", Item::Table(blueprint));

    let mut paved = Table::new();
    paved.insert("version", PAVED_VERSION.into());
    doc.insert("paved", Item::Table(paved));

    let mut table = Table::new();
    for (key, value) in answers.iter() {
        table.insert(key, value.to_toml().into());
    }
    doc.insert("answers", Item::Table(table));

    let mut files = Table::new();
    for (key, which) in [
        ("managed", Ownership::Managed),
        ("seeded", Ownership::Seeded),
        ("shared", Ownership::Shared),
    ] {
        // Listed only when used, so blueprints without shared files record exactly
        // what earlier paved versions recorded.
        if which == Ownership::Shared && !tree.files.iter().any(|f| f.ownership == Some(which)) {
            continue;
        }
        let mut list = Array::new();
        for f in tree.files.iter().filter(|f| f.ownership == Some(which)) {
            list.push_formatted(toml_edit::Value::from(f.path.as_str()).decorated("\n  ", ""));
        }
        list.set_trailing("\n");
        list.set_trailing_comma(true);
        files.insert(key, toml_edit::value(list));
    }
    doc.insert("files", Item::Table(files));
    doc.to_string()
}

/// Adds `.paved/answers.toml` to a rendered tree.
pub fn attach(bp: &Blueprint, answers: &Answers, tree: &mut RenderedTree) {
    let text = render(bp, answers, tree);
    tree.insert(RenderedFile {
        path: answers_path(),
        contents: text.into_bytes(),
        executable: false,
        ownership: None,
        source: None,
    });
}

/// Reads `.paved/answers.toml` back.
pub fn parse(text: &str, file: &str) -> Result<Provenance> {
    let doc: toml::Table = toml::from_str(text)
        .map_err(|e| BlueprintError::invalid(file, None, e.message().trim().to_string()))?;
    let table = |key: &str| -> Result<&toml::Table> {
        doc.get(key)
            .and_then(toml::Value::as_table)
            .ok_or_else(|| BlueprintError::invalid(file, None, format!("missing [{key}] table")))
    };
    let string = |t: &toml::Table, section: &str, key: &str| -> Result<String> {
        t.get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| BlueprintError::invalid(file, None, format!("missing {section}.{key}")))
    };
    let blueprint = table("blueprint")?;
    let version_text = string(blueprint, "blueprint", "version")?;
    let blueprint_version = semver::Version::parse(&version_text).map_err(|e| {
        BlueprintError::invalid(
            file,
            None,
            format!("blueprint.version {version_text:?}: {e}"),
        )
    })?;
    let files = doc.get("files").and_then(toml::Value::as_table);
    let list = |key: &str| -> Vec<String> {
        files
            .and_then(|f| f.get(key))
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Provenance {
        blueprint_id: string(blueprint, "blueprint", "id")?,
        blueprint_version,
        blueprint_hash: string(blueprint, "blueprint", "hash").unwrap_or_default(),
        paved_version: table("paved")
            .and_then(|t| string(t, "paved", "version"))
            .unwrap_or_default(),
        answers: table("answers")?.clone(),
        managed: list("managed"),
        seeded: list("seeded"),
    })
}
