//! `.paved/answers.toml` after an update, edited in place with toml_edit: the
//! version, hash, paved version, answers and file lists change; comments, key order
//! and anything else the team added stay as they were.

use toml_edit::{Array, DocumentMut, Item, Table, Value};

use crate::blueprint::answers::Answers;
use crate::blueprint::model::Blueprint;
use crate::blueprint::provenance::{layers_array, PAVED_VERSION};
use crate::blueprint::{Ownership, RenderedTree};

/// The updated document, or why the recorded one cannot be edited.
pub fn update(
    recorded: &str,
    bp: &Blueprint,
    answers: &Answers,
    tree: &RenderedTree,
) -> Result<String, String> {
    let mut doc: DocumentMut = recorded
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().trim().to_string())?;

    let blueprint = table(&mut doc, "blueprint")?;
    set(blueprint, "version", bp.manifest.version.to_string().into());
    set(blueprint, "hash", bp.hash.as_str().into());
    // The layers (and their hashes) of the target version, so provenance keeps
    // saying what the repository was composed from after an update.
    match layers_array(bp) {
        Some(layers) => set(blueprint, "layers", Value::Array(layers)),
        None => {
            blueprint.remove("layers");
        }
    }
    let paved = table(&mut doc, "paved")?;
    set(paved, "version", PAVED_VERSION.into());

    let table_answers = table(&mut doc, "answers")?;
    let keep: Vec<&str> = answers.iter().map(|(k, _)| k).collect();
    let stale: Vec<String> = table_answers
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !keep.contains(&k.as_str()))
        .collect();
    for key in stale {
        table_answers.remove(&key);
    }
    for (key, value) in answers.iter() {
        set(table_answers, key, value.to_toml());
    }

    let files = table(&mut doc, "files")?;
    for (key, which) in [
        ("managed", Ownership::Managed),
        ("seeded", Ownership::Seeded),
        ("shared", Ownership::Shared),
    ] {
        if which == Ownership::Shared && !tree.files.iter().any(|f| f.ownership == Some(which)) {
            files.remove(key);
            continue;
        }
        let mut list = Array::new();
        for f in tree.files.iter().filter(|f| f.ownership == Some(which)) {
            list.push_formatted(Value::from(f.path.as_str()).decorated("\n  ", ""));
        }
        list.set_trailing("\n");
        list.set_trailing_comma(true);
        set(files, key, Value::Array(list));
    }
    Ok(doc.to_string())
}

fn table<'a>(doc: &'a mut DocumentMut, key: &str) -> Result<&'a mut Table, String> {
    doc.entry(key)
        .or_insert(Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| format!("[{key}] must be a table"))
}

/// Replaces a value but keeps the comments and spacing around it.
fn set(table: &mut Table, key: &str, mut value: Value) {
    match table.get_mut(key) {
        // Assigning through the existing entry keeps the key and the comment
        // lines above it, which `insert` would replace.
        Some(item) => {
            if let Some(old) = item.as_value() {
                if old.to_string().trim() == value.to_string().trim() {
                    return;
                }
                *value.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(value);
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_comments_and_skips_equal_values() {
        let mut doc: DocumentMut = "[a]\n# why\nx = 1 # trailing\ny = 2\n".parse().unwrap();
        let t = doc["a"].as_table_mut().unwrap();
        set(t, "x", 5.into());
        set(t, "y", 2.into());
        assert_eq!(doc.to_string(), "[a]\n# why\nx = 5 # trailing\ny = 2\n");
    }
}
