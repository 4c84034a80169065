//! Embeds `blueprints/` into the binary so a single static `paved` works with no
//! files beside it. Each file keeps its relative path, bytes and executable bit,
//! which `include_dir`-style crates drop.
//!
//! Frozen releases (`blueprints/<id>/releases/<version>/`) repeat most files of the
//! latest version, so every distinct content is stored once in one blob and each
//! file points into it: a release costs only the files it actually changed.
//!
//! It also computes the content hash of every embedded blueprint, layer and release
//! (`HASHES`), which `paved new` records and `paved drift` compares: hashing a
//! blueprint at run time costs more than the rest of loading it. The digest and the
//! flattened manifest come from the very files the engine uses
//! (`src/blueprint/{digest,flatten}.rs`); which files a composed blueprint takes from
//! which layer is re-derived here, and a unit test (`embedded_hashes_match_runtime`)
//! proves every hash equal to the one computed at run time. Whatever this script
//! cannot compose (an invalid blueprint, a path two sources write) gets no entry and
//! is hashed at run time, where its errors are reported as before.

use std::collections::{BTreeMap, HashMap};
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

#[allow(dead_code)]
#[path = "src/blueprint/digest.rs"]
mod digest;
#[allow(dead_code)]
#[path = "src/blueprint/flatten.rs"]
mod flatten;
/// Rule registration: the registry of each rule folder (see the file).
#[path = "build/rules.rs"]
mod rules;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = env::var("OUT_DIR").expect("OUT_DIR");
    rules::generate(root, Path::new(&out_dir));
    let out = Path::new(&out_dir).join("embedded_blueprints.rs");
    let blob_path = Path::new(&out_dir).join("embedded_blueprints.bin");
    let mut blob: Vec<u8> = Vec::new();
    let mut offsets: HashMap<Vec<u8>, usize> = HashMap::new();
    println!("cargo:rerun-if-changed=blueprints");

    let mut code = String::from("pub static FILES: &[EmbeddedFile] = &[\n");
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut all: Tree = BTreeMap::new();
    let dir = root.join("blueprints");
    if dir.is_dir() {
        let mut entries: Vec<_> = walkdir::WalkDir::new(&dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.expect("walk blueprints/"))
            .collect();
        entries.retain(|e| !e.file_type().is_dir());
        for entry in entries {
            let path = entry.path();
            println!("cargo:rerun-if-changed={}", path.display());
            if entry.file_type().is_symlink() {
                panic!(
                    "{}: symbolic links are not allowed in blueprints",
                    path.display()
                );
            }
            let rel = path
                .strip_prefix(&dir)
                .expect("inside blueprints/")
                .to_str()
                .expect("blueprint paths must be UTF-8")
                .replace('\\', "/");
            let mode = file_mode(&fs::metadata(path).expect("stat blueprint file"));
            let bytes = fs::read(path).expect("read blueprint file");
            let len = bytes.len();
            all.insert(rel.clone(), (bytes.clone(), mode & 0o111 != 0));
            index_of.insert(rel.clone(), index_of.len());
            let offset = *offsets.entry(bytes).or_insert_with_key(|bytes| {
                blob.extend_from_slice(bytes);
                blob.len() - bytes.len()
            });
            writeln!(
                code,
                "    EmbeddedFile {{ path: {rel:?}, offset: {offset}, len: {len}, executable: {exe} }},",
                exe = mode & 0o111 != 0,
            )
            .unwrap();
        }
    }
    code.push_str("];\n");
    let (hashes, flat, composed) = hashes(&all);
    code.push_str("pub static HASHES: &[(&str, &str)] = &[\n");
    for (key, hash) in hashes {
        writeln!(code, "    ({key:?}, {hash:?}),").unwrap();
    }
    code.push_str("];\npub static FLAT_MANIFESTS: &[(&str, &str)] = &[\n");
    for (key, text) in flat {
        writeln!(code, "    ({key:?}, {text:?}),").unwrap();
    }
    code.push_str("];\n");
    // The files of each composed blueprint, as `compose` picks them: path in the
    // composed folder, index into FILES, and the layer it comes from ("" for the
    // blueprint's own).
    code.push_str("pub static COMPOSED: &[(&str, &[ComposedFile])] = &[\n");
    for (id, files) in composed {
        writeln!(code, "    ({id:?}, &[").unwrap();
        for (path, key, layer) in files {
            let file = index_of[&key];
            writeln!(
                code,
                "        ComposedFile {{ path: {path:?}, file: {file}, layer: {layer:?} }},"
            )
            .unwrap();
        }
        code.push_str("    ]),\n");
    }
    code.push_str("];\n");
    writeln!(
        code,
        "static BLOB: &[u8] = include_bytes!({:?});",
        blob_path.to_str().expect("UTF-8 OUT_DIR")
    )
    .unwrap();
    fs::write(&blob_path, &blob).expect("write embedded_blueprints.bin");
    fs::write(out, code).expect("write embedded_blueprints.rs");
}

#[cfg(unix)]
fn file_mode(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode()
}

#[cfg(not(unix))]
fn file_mode(_meta: &fs::Metadata) -> u32 {
    0o644
}

/// Every embedded file by path relative to `blueprints/`: bytes and executable bit.
type Tree = BTreeMap<String, (Vec<u8>, bool)>;

/// A file below some folder: path relative to it, bytes, executable bit.
type Entry<'a> = (&'a str, &'a [u8], bool);

/// The files below `prefix` (which ends in '/'), sorted by path, as the engine
/// sorts them; a blueprint's own `releases/` is not part of it.
fn under<'a>(all: &'a Tree, prefix: &str) -> Vec<Entry<'a>> {
    all.range(prefix.to_string()..)
        .take_while(|(path, _)| path.starts_with(prefix))
        .map(|(path, (bytes, exe))| (&path[prefix.len()..], bytes.as_slice(), *exe))
        .filter(|(rel, _, _)| !rel.starts_with("releases/"))
        .collect()
}

/// `(key, hash)` for every layer (`_layers/ID`), blueprint (`ID`) and frozen release
/// (`ID/releases/VERSION`) this script can hash, and `(ID, flattened manifest)` for
/// every blueprint it composed from layers; both sorted by key.
type Hashes = (
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, Vec<ComposedFile>)>,
);

/// A file of a composed blueprint: its path there (`template/…`, `partials/…`), its
/// path under `blueprints/`, and the layer it comes from ("" for the blueprint's own).
type ComposedFile = (String, String, String);

/// A composed blueprint's flattened manifest and files.
type Composition = (String, Vec<ComposedFile>);

fn hashes(all: &Tree) -> Hashes {
    let mut out = Vec::new();
    let mut flat = Vec::new();
    let mut composed = Vec::new();
    let mut layer_hashes = BTreeMap::new();
    for path in all.keys() {
        let Some(folder) = path.strip_suffix("/layer.toml") else {
            continue;
        };
        let Some(id) = folder
            .strip_prefix("_layers/")
            .filter(|id| !id.contains('/'))
        else {
            continue;
        };
        let files = under(all, &format!("{folder}/"));
        let Some(manifest) = files.iter().find(|f| f.0 == "layer.toml") else {
            continue;
        };
        let own = files
            .iter()
            .filter(|f| f.0.starts_with("template/") || f.0.starts_with("partials/"));
        let hash =
            digest::digest(std::iter::once(("layer.toml", manifest.1, false)).chain(own.copied()));
        layer_hashes.insert(id.to_string(), hash.clone());
        out.push((folder.to_string(), hash));
    }
    for path in all.keys() {
        let Some(folder) = path.strip_suffix("/blueprint.toml") else {
            continue;
        };
        if folder.starts_with('_') {
            continue;
        }
        let parts: Vec<&str> = folder.split('/').collect();
        let hash = match parts.as_slice() {
            [_] => composed_hash(all, folder, &layer_hashes).map(|(hash, text)| {
                if let Some((text, files)) = text {
                    flat.push((folder.to_string(), text));
                    composed.push((folder.to_string(), files));
                }
                hash
            }),
            [_, "releases", _] => Some(flat_hash(&under(all, &format!("{folder}/")), None)),
            _ => None,
        };
        if let Some(hash) = hash {
            out.push((folder.to_string(), hash));
        }
    }
    // The engine looks keys up by binary search.
    out.sort();
    flat.sort();
    composed.sort();
    (out, flat, composed)
}

/// The engine's content hash of a flat blueprint folder: the manifest (`manifest`
/// when given: a composed one), then `template/**` and `partials/**` by path.
fn flat_hash(files: &[Entry<'_>], manifest: Option<&[u8]>) -> String {
    let manifest = manifest
        .or_else(|| files.iter().find(|f| f.0 == "blueprint.toml").map(|f| f.1))
        .unwrap_or_default();
    let templates = files.iter().filter(|f| f.0.starts_with("template/"));
    let partials = files.iter().filter(|f| f.0.starts_with("partials/"));
    digest::digest(
        std::iter::once(("blueprint.toml", manifest, false))
            .chain(templates.copied())
            .chain(partials.copied()),
    )
}

/// The hash of blueprint `id` composed with its `[[layers]]`, as `compose` builds it,
/// and, when it has layers, its flattened manifest and composed files.
fn composed_hash(
    all: &Tree,
    id: &str,
    layer_hashes: &BTreeMap<String, String>,
) -> Option<(String, Option<Composition>)> {
    let own = under(all, &format!("{id}/"));
    let text = std::str::from_utf8(own.iter().find(|f| f.0 == "blueprint.toml")?.1).ok()?;
    let table: toml::Table = toml::from_str(text).ok()?;
    let uses = match table.get("layers") {
        None => return Some((flat_hash(&own, None), None)),
        Some(v) => v.as_array()?,
    };
    if uses.is_empty() {
        return Some((flat_hash(&own, None), None));
    }
    let empty = toml::Table::new();
    struct Used<'a> {
        id: &'a str,
        defaults: &'a toml::Table,
        text: &'a str,
        files: Vec<Entry<'a>>,
    }
    let mut layers = Vec::new();
    for used in uses {
        let used = used.as_table()?;
        let layer_id = used.get("id")?.as_str()?;
        let defaults = match used.get("defaults") {
            Some(d) => d.as_table()?,
            None => &empty,
        };
        let files = under(all, &format!("_layers/{layer_id}/"));
        let text = std::str::from_utf8(files.iter().find(|f| f.0 == "layer.toml")?.1).ok()?;
        layers.push(Used {
            id: layer_id,
            defaults,
            text,
            files,
        });
    }

    // Variables: layers in order, then the blueprint; a later layer repeating one
    // keeps the first, the blueprint's own declaration moves it to its place.
    let names = |text: &str| -> Option<Vec<String>> {
        let table: toml::Table = toml::from_str(text).ok()?;
        let Some(vars) = table.get("variables") else {
            return Some(Vec::new());
        };
        vars.as_array()?
            .iter()
            .map(|v| Some(v.as_table()?.get("name")?.as_str()?.to_string()))
            .collect()
    };
    let mut chosen: Vec<(String, flatten::Declaration)> = Vec::new();
    let sources = layers
        .iter()
        .enumerate()
        .map(|(i, l)| (Some(i), l.text))
        .chain(std::iter::once((None, text)));
    for (layer, source) in sources {
        for (index, name) in names(source)?.into_iter().enumerate() {
            let here = flatten::Declaration { layer, index };
            if !chosen.iter().any(|(n, _)| n == &name) {
                chosen.push((name, here));
            } else if layer.is_none() {
                chosen.retain(|(n, _)| n != &name);
                chosen.push((name, here));
            }
        }
    }
    let declarations: Vec<flatten::Declaration> = chosen.into_iter().map(|(_, d)| d).collect();
    let parts: Vec<flatten::LayerPart<'_>> = layers
        .iter()
        .map(|l| {
            Some(flatten::LayerPart {
                id: l.id,
                hash: layer_hashes.get(l.id)?,
                manifest_text: l.text,
                label: String::new(),
                defaults: l.defaults,
            })
        })
        .collect::<Option<_>>()?;
    let flat = flatten::flatten_manifest(text, &parts, &declarations).ok()?;

    // Templates by the path file rules see (without `.hbs`): one writer each, or the
    // blueprint's `[[overrides]]` decide, which is left to run time.
    let mut writers: BTreeMap<&str, Vec<Option<usize>>> = BTreeMap::new();
    let mut templates: Vec<Entry<'_>> = Vec::new();
    let folder_of = |source: Option<usize>| match source {
        Some(i) => format!("_layers/{}/", layers[i].id),
        None => format!("{id}/"),
    };
    let layer_of = |source: Option<usize>| source.map_or("", |i| layers[i].id).to_string();
    let mut picked: Vec<ComposedFile> = Vec::new();
    let sources = layers
        .iter()
        .enumerate()
        .map(|(i, l)| (Some(i), &l.files))
        .chain(std::iter::once((None, &own)));
    for (source, files) in sources {
        for f in files.iter().filter(|f| f.0.starts_with("template/")) {
            let rule_path = f.0.strip_suffix(".hbs").unwrap_or(f.0);
            let by = writers.entry(rule_path).or_default();
            if by.last() != Some(&source) {
                by.push(source);
            }
            templates.push(*f);
            picked.push((
                f.0.to_string(),
                format!("{}{}", folder_of(source), f.0),
                layer_of(source),
            ));
        }
    }
    if writers.values().any(|w| w.len() > 1) {
        return None;
    }
    // Partials: each layer's default, replaced by the blueprint's own.
    let mut partials: BTreeMap<&str, (Entry<'_>, Option<usize>)> = BTreeMap::new();
    for (i, l) in layers.iter().enumerate() {
        for f in l.files.iter().filter(|f| f.0.starts_with("partials/")) {
            if partials.insert(f.0, (*f, Some(i))).is_some() {
                return None;
            }
        }
    }
    for f in own.iter().filter(|f| f.0.starts_with("partials/")) {
        partials.insert(f.0, (*f, None));
    }
    for (f, source) in partials.values() {
        picked.push((
            f.0.to_string(),
            format!("{}{}", folder_of(*source), f.0),
            layer_of(*source),
        ));
    }
    picked.sort();
    templates.sort_by(|a, b| a.0.cmp(b.0));
    let mut files = templates;
    files.extend(partials.into_values().map(|(f, _)| f));
    let hash = flat_hash(&files, Some(flat.as_bytes()));
    Some((hash, Some((flat, picked))))
}
