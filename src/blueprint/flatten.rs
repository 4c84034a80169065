//! The text of a composed (flattened) manifest. Shared with `build.rs`, which
//! composes the embedded blueprints to compute their content hashes when the binary
//! is built, so it names nothing outside itself: plain inputs in, text or a
//! `(file, message)` error out.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

/// What the flattened manifest needs of one layer, in `[[layers]]` order.
pub struct LayerPart<'a> {
    pub id: &'a str,
    /// The layer's digest, recorded in `[[composed]]`.
    pub hash: &'a str,
    /// `layer.toml` as written.
    pub manifest_text: &'a str,
    /// How errors name `layer.toml`.
    pub label: String,
    /// `[[layers]] defaults` the blueprint gives this layer's variables.
    pub defaults: &'a toml::Table,
}

/// A variable declaration chosen for the composed manifest: the `index`th
/// `[[variables]]` entry of layer `Some(i)`, or of the blueprint (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declaration {
    pub layer: Option<usize>,
    pub index: usize,
}

/// The file name errors give the blueprint's own manifest.
const MANIFEST_FILE: &str = "blueprint.toml";

/// The composed manifest: the blueprint's header and other tables as written, a
/// `[[composed]]` record per layer, then every variable and file rule, layers first.
/// Comments travel with the tables they precede.
pub fn flatten_manifest(
    text: &str,
    layers: &[LayerPart<'_>],
    declarations: &[Declaration],
) -> Result<String, (String, String)> {
    let parse = |text: &str, file: String| {
        text.parse::<DocumentMut>()
            .map_err(|e| (file, e.to_string()))
    };
    let own = parse(text, MANIFEST_FILE.to_string())?;
    let tables = |doc: &DocumentMut, key: &str| -> Vec<Table> {
        doc.get(key)
            .and_then(Item::as_array_of_tables)
            .map(|a| a.iter().cloned().collect())
            .unwrap_or_default()
    };

    let mut composed = ArrayOfTables::new();
    let mut files = ArrayOfTables::new();
    let mut layer_variables = Vec::new();
    for layer in layers {
        let mut record = Table::new();
        record.insert("layer", layer.id.into());
        record.insert("hash", layer.hash.into());
        composed.push(record);

        let doc = parse(layer.manifest_text, layer.label.clone())?;
        let mut declared = tables(&doc, "variables");
        for table in &mut declared {
            let name = table.get("name").and_then(Item::as_str).map(str::to_string);
            if let Some(value) = name.and_then(|n| layer.defaults.get(&n)) {
                table.insert("default", Item::Value(toml_value(value)));
            }
        }
        layer_variables.push(declared);
        for (i, mut table) in tables(&doc, "files").into_iter().enumerate() {
            if i == 0 {
                mark(&mut table, &format!("file rules of layer {}", layer.id));
            }
            files.push(table);
        }
    }
    let own_variables = tables(&own, "variables");
    let mut variables = ArrayOfTables::new();
    let mut previous = None;
    for d in declarations {
        let mut table = match d.layer {
            Some(l) => layer_variables[l][d.index].clone(),
            None => own_variables[d.index].clone(),
        };
        if previous != Some(d.layer) {
            let what = match d.layer {
                Some(l) => format!("variables of layer {}", layers[l].id),
                None => "variables of the blueprint".to_string(),
            };
            mark(&mut table, &what);
            previous = Some(d.layer);
        }
        variables.push(table);
    }
    for (i, mut table) in tables(&own, "files").into_iter().enumerate() {
        if i == 0 {
            mark(&mut table, "file rules of the blueprint");
        }
        files.push(table);
    }

    let mut out = DocumentMut::new();
    if let Some(header) = own.get("blueprint") {
        out.insert("blueprint", header.clone());
    }
    out.insert("composed", Item::ArrayOfTables(composed));
    for (key, array) in [("variables", variables), ("files", files)] {
        if !array.is_empty() {
            out.insert(key, Item::ArrayOfTables(array));
        }
    }
    const REPLACED: &[&str] = &[
        "blueprint",
        "layers",
        "overrides",
        "composed",
        "variables",
        "files",
    ];
    for (key, item) in own.iter().filter(|(k, _)| !REPLACED.contains(k)) {
        out.insert(key, item.clone());
    }
    // Positions refer to the source files; without them tables print in the order
    // they were inserted.
    clear_positions(out.as_item_mut());
    Ok(out.to_string())
}

fn mark(table: &mut Table, what: &str) {
    let previous = table
        .decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .trim_start_matches('\n')
        .to_string();
    table
        .decor_mut()
        .set_prefix(format!("\n# --- {what} ---\n{previous}"));
}

fn clear_positions(item: &mut Item) {
    match item {
        Item::Table(table) => {
            table.set_position(None);
            for (_, child) in table.iter_mut() {
                clear_positions(child);
            }
        }
        Item::ArrayOfTables(array) => {
            for table in array.iter_mut() {
                table.set_position(None);
                for (_, child) in table.iter_mut() {
                    clear_positions(child);
                }
            }
        }
        _ => {}
    }
}

fn toml_value(value: &toml::Value) -> toml_edit::Value {
    match value {
        toml::Value::String(s) => s.as_str().into(),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => (*f).into(),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Array(items) => {
            toml_edit::Value::Array(items.iter().map(toml_value).collect())
        }
        // Defaults are strings, booleans, integers or lists; `check_default` refused
        // anything else before this point.
        other => other.to_string().as_str().into(),
    }
}
