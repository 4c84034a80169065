//! `.paved/answers.toml`: what generated a repository, so `paved drift` can render
//! the same blueprint version with the same answers and compare.

use toml_edit::{Array, DocumentMut, Item, Table};

use super::answers::Answers;
use super::composition::ComposedLayer;
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
    /// The layers a composed blueprint was built from, in composition order, with
    /// their content hashes when it was generated (`blueprint.layers`); empty for a
    /// blueprint that is not composed.
    pub layers: Vec<ComposedLayer>,
    pub paved_version: String,
    pub answers: toml::Table,
    pub managed: Vec<String>,
    pub seeded: Vec<String>,
    pub shared: Vec<String>,
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
    if let Some(layers) = layers_array(bp) {
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

/// `blueprint.layers` for a composed blueprint, one `{ id, hash }` a line; `None`
/// when it is not composed. `paved update` writes the same value.
pub fn layers_array(bp: &Blueprint) -> Option<Array> {
    if bp.manifest.composed.is_empty() {
        return None;
    }
    let mut layers = Array::new();
    for layer in &bp.manifest.composed {
        let mut entry = toml_edit::InlineTable::new();
        entry.insert("id", layer.id.as_str().into());
        entry.insert("hash", layer.hash.as_str().into());
        layers.push_formatted(toml_edit::Value::InlineTable(entry).decorated("\n  ", ""));
    }
    layers.set_trailing("\n");
    layers.set_trailing_comma(true);
    Some(layers)
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
        layers: layers(blueprint, file)?,
        paved_version: table("paved")
            .and_then(|t| string(t, "paved", "version"))
            .unwrap_or_default(),
        answers: table("answers")?.clone(),
        managed: list("managed"),
        seeded: list("seeded"),
        shared: list("shared"),
    })
}

/// `blueprint.layers`, as `render` writes it: an array of `{ id, hash }` tables.
/// Absent means not composed. A malformed entry is an error rather than skipped, so
/// a hand-edited record never silently loses a layer.
fn layers(blueprint: &toml::Table, file: &str) -> Result<Vec<ComposedLayer>> {
    let Some(value) = blueprint.get("layers") else {
        return Ok(Vec::new());
    };
    let bad = |what: String| {
        BlueprintError::invalid(
            file,
            None,
            format!("blueprint.layers{what}: expected {{ id = \"LAYER\", hash = \"sha256:…\" }}"),
        )
    };
    let entries = value
        .as_array()
        .ok_or_else(|| bad(" is not an array".to_string()))?;
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let field = |key: &str| {
                entry
                    .get(key)
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("[{i}] has no string {key}")))
            };
            Ok(ComposedLayer {
                id: field("id")?,
                hash: field("hash")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSED: &str = r#"
[blueprint]
id = "go-chi"
version = "1.0.0"
hash = "sha256:aa"
layers = [
  { id = "kubernetes", hash = "sha256:01" },
  { id = "terraform", hash = "sha256:02" },
]

[paved]
version = "0.1.0"

[answers]
name = "demo"

[files]
managed = ["a"]
seeded = ["b"]
shared = ["c"]
"#;

    #[test]
    fn reads_back_the_layers_and_every_file_list() {
        let prov = parse(COMPOSED, ".paved/answers.toml").unwrap();
        let layers: Vec<(&str, &str)> = prov
            .layers
            .iter()
            .map(|l| (l.id.as_str(), l.hash.as_str()))
            .collect();
        assert_eq!(
            layers,
            [("kubernetes", "sha256:01"), ("terraform", "sha256:02")]
        );
        assert_eq!(
            (prov.managed, prov.seeded, prov.shared),
            (vec!["a".into()], vec!["b".into()], vec!["c".into()])
        );
    }

    #[test]
    fn a_blueprint_that_is_not_composed_records_no_layers() {
        let text = COMPOSED.replace(
            "layers = [\n  { id = \"kubernetes\", hash = \"sha256:01\" },\n  { id = \"terraform\", hash = \"sha256:02\" },\n]\n",
            "",
        );
        assert!(!text.contains("layers"));
        assert_eq!(parse(&text, "f").unwrap().layers, vec![]);
    }

    #[test]
    fn a_malformed_layer_record_is_an_error_naming_the_entry() {
        for (bad, expect) in [
            (
                r#"{ id = "kubernetes" }"#,
                "blueprint.layers[0] has no string hash",
            ),
            (
                r#"{ hash = "sha256:01" }"#,
                "blueprint.layers[0] has no string id",
            ),
            (r#""kubernetes""#, "blueprint.layers[0] has no string id"),
        ] {
            let text = COMPOSED.replace(r#"{ id = "kubernetes", hash = "sha256:01" }"#, bad);
            let err = parse(&text, ".paved/answers.toml").unwrap_err().to_string();
            assert!(err.contains(expect), "{err}");
            assert!(err.contains(".paved/answers.toml"), "{err}");
        }
        let text = COMPOSED.replace("layers = [", "layers = 3\nold = [");
        let err = parse(&text, "f").unwrap_err().to_string();
        assert!(err.contains("blueprint.layers is not an array"), "{err}");
    }
}
