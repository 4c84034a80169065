//! Composing a blueprint from shared layers into one flat blueprint: a manifest
//! holding every variable and file rule, and one `template/` and `partials/` tree.
//! The result is an ordinary blueprint folder in memory, so rendering, checking,
//! conformance and `paved update` need not know layers exist, and a release can be
//! frozen from it without depending on layers that change later.
//!
//! Precedence: layers in the order `[[layers]]` lists them, then the blueprint.
//! Variables and partials are added in that order; a path written by two sources is
//! an error unless an `[[overrides]]` entry names the winner.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::composition::{LayerUse, Origin};
use super::error::{BlueprintError, Result};
use super::flatten::{flatten_manifest, Declaration, LayerPart};
use super::layer::{Layer, LAYERS_DIR, LAYER_FILE};
use super::manifest::{check_default, Manifest, MANIFEST_FILE};
use super::model::{Origins, SourceFile, PARTIALS_DIR, RENDER_SUFFIX, TEMPLATE_DIR};
use super::source::{build_hash, embedded_files, read_tree};

/// Where a blueprint's layers are read from: the same place as the blueprint.
#[derive(Debug, Clone)]
pub enum LayerSource {
    /// The `_layers/` folder compiled into the binary.
    Embedded,
    /// `<dir>/_layers/`, where `dir` is the blueprints directory.
    Directory(PathBuf),
}

impl LayerSource {
    pub(crate) fn describe(&self, id: &str) -> String {
        match self {
            LayerSource::Embedded => format!("<built-in>/{LAYERS_DIR}/{id}"),
            LayerSource::Directory(dir) => dir.join(LAYERS_DIR).join(id).display().to_string(),
        }
    }

    /// Reads and checks layer `id`; `Ok(None)` when there is no such layer.
    pub fn load(&self, id: &str) -> Result<Option<Layer>> {
        let origin = self.describe(id);
        let mut known_hash = None;
        let files = match self {
            LayerSource::Embedded => {
                let files = embedded_files(&format!("{LAYERS_DIR}/{id}/"));
                if files.is_empty() {
                    return Ok(None);
                }
                known_hash = build_hash(&format!("{LAYERS_DIR}/{id}"));
                files
            }
            LayerSource::Directory(dir) => {
                let layers = dir.join(LAYERS_DIR);
                let folder = layers.join(id);
                // Neither _layers/ nor the layer folder may be a link: a layer is read
                // from inside the blueprints directory only.
                for path in [&layers, &folder] {
                    match fs::symlink_metadata(path) {
                        Ok(meta) if meta.file_type().is_symlink() => {
                            return Err(BlueprintError::Symlink {
                                file: path.display().to_string(),
                            })
                        }
                        Ok(_) => {}
                        Err(_) => return Ok(None),
                    }
                }
                if !folder.join(LAYER_FILE).is_file() {
                    return Ok(None);
                }
                read_tree(&folder)?
            }
        };
        Layer::from_files_hashed(id, files, &origin, known_hash).map(Some)
    }

    /// Ids of every layer available here, sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = match self {
            LayerSource::Embedded => embedded_files(&format!("{LAYERS_DIR}/"))
                .into_iter()
                .filter_map(|f| {
                    f.path
                        .strip_suffix(&format!("/{LAYER_FILE}"))
                        .filter(|id| !id.contains('/'))
                        .map(str::to_string)
                })
                .collect(),
            LayerSource::Directory(dir) => fs::read_dir(dir.join(LAYERS_DIR))
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok())
                        .filter(|e| e.path().join(LAYER_FILE).exists())
                        .filter_map(|e| e.file_name().to_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        };
        ids.sort();
        ids
    }
}

/// A composed blueprint: the files of an equivalent flat blueprint folder and where
/// each piece came from.
#[derive(Debug, Clone)]
pub struct Composed {
    /// `blueprint.toml` (flattened), `template/**` and `partials/**`.
    pub files: Vec<SourceFile>,
    pub origins: Origins,
    /// The layers used, in order.
    pub layers: Vec<Layer>,
}

/// One writer of a template path: the source and its files there (`x` and `x.hbs`
/// from one source both count, and are reported by rendering if both exist).
struct Writer {
    origin: Origin,
    folder: String,
    files: Vec<SourceFile>,
}

/// Composes the blueprint whose folder holds `files` (read from `origin`) with the
/// layers it lists. A blueprint without `[[layers]]` comes back unchanged.
pub fn compose(files: Vec<SourceFile>, origin: &str, source: &LayerSource) -> Result<Composed> {
    compose_with(files, origin, source, None)
}

/// [`compose`], with the flattened manifest already known: the one `build.rs`
/// composed for an embedded blueprint from the same files.
pub(crate) fn compose_with(
    files: Vec<SourceFile>,
    origin: &str,
    source: &LayerSource,
    known_flat: Option<&str>,
) -> Result<Composed> {
    let manifest_label = format!("{origin}/{MANIFEST_FILE}");
    let Some(manifest_file) = files.iter().find(|f| f.path == MANIFEST_FILE) else {
        // Blueprint::from_files reports the missing manifest.
        return Ok(plain(files));
    };
    let text = std::str::from_utf8(&manifest_file.bytes)
        .map_err(|_| BlueprintError::invalid(&manifest_label, None, "is not valid UTF-8"))?
        .to_string();
    let manifest = Manifest::parse(&text, &manifest_label)?;
    if manifest.layers.is_empty() {
        return Ok(plain(files));
    }

    let mut layers: Vec<Layer> = Vec::new();
    for (index, used) in manifest.layers.iter().enumerate() {
        let at = |msg: String| BlueprintError::invalid(&manifest_label, Some(used.line), msg);
        let layer = source.load(&used.id)?.ok_or_else(|| {
            at(format!(
                "layer {:?} not found: there is no {}/{LAYER_FILE} (available: {})",
                used.id,
                source.describe(&used.id),
                list_or_none(&source.ids())
            ))
        })?;
        for required in &layer.manifest.requires {
            if !manifest.layers[..index].iter().any(|l| &l.id == required) {
                return Err(at(format!(
                    "layer {:?} requires layer {required:?}; list `[[layers]] id = {required:?}` before it",
                    used.id
                )));
            }
        }
        check_defaults(used, &layer, &manifest_label)?;
        layers.push(layer);
    }

    let mut origins = Origins::default();
    let variables = merge_variables(&manifest, &layers, &manifest_label, &mut origins)?;
    for layer in &layers {
        for rule in &layer.manifest.files {
            origins
                .rules
                .push((format!("{}/{LAYER_FILE}", layer.origin), rule.line));
        }
    }
    for rule in &manifest.files {
        origins.rules.push((manifest_label.clone(), rule.line));
    }

    let templates = choose_templates(&manifest, &layers, &files, origin, &manifest_label)?;
    let partials = choose_partials(&layers, &files, origin)?;
    check_hooks_filled(&layers, &templates, &partials, origin)?;
    let flat = match known_flat {
        Some(flat) => flat.to_string(),
        None => {
            let parts: Vec<LayerPart<'_>> = layers
                .iter()
                .zip(&manifest.layers)
                .map(|(layer, used)| LayerPart {
                    id: layer.id(),
                    hash: &layer.hash,
                    manifest_text: &layer.manifest_text,
                    label: format!("{}/{LAYER_FILE}", layer.origin),
                    defaults: &used.defaults,
                })
                .collect();
            flatten_manifest(&text, &parts, &variables)
                .map_err(|(file, message)| BlueprintError::invalid(file, None, message))?
        }
    };

    let mut out = vec![SourceFile {
        path: MANIFEST_FILE.to_string(),
        bytes: flat.into_bytes().into(),
        executable: false,
    }];
    for w in templates.into_iter().chain(partials) {
        for f in w.files {
            if w.origin != Origin::Blueprint {
                origins.files.insert(f.path.clone(), w.folder.clone());
            }
            out.push(f);
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Composed {
        files: out,
        origins,
        layers,
    })
}

fn plain(files: Vec<SourceFile>) -> Composed {
    Composed {
        files,
        origins: Origins::default(),
        layers: Vec::new(),
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// The blueprint may give a layer's variable a new default, of the variable's type.
fn check_defaults(used: &LayerUse, layer: &Layer, manifest_label: &str) -> Result<()> {
    for (name, value) in &used.defaults {
        let at = |msg: String| {
            BlueprintError::invalid(
                manifest_label,
                Some(used.line),
                format!("[[layers]] {:?}: defaults.{name}: {msg}", used.id),
            )
        };
        let Some(variable) = layer.manifest.variables.iter().find(|v| &v.name == name) else {
            let declared: Vec<String> = layer
                .manifest
                .variables
                .iter()
                .map(|v| v.name.clone())
                .collect();
            return Err(at(format!(
                "layer {:?} declares no such variable (it declares: {})",
                used.id,
                list_or_none(&declared)
            )));
        };
        check_default(&variable.kind, value.clone()).map_err(at)?;
    }
    Ok(())
}

/// What a template may rely on about a variable's values: its type and every
/// constraint (choices, regex, length, bounds). Prompts, help, defaults and
/// conditions are how it is asked, which a blueprint may change.
fn contract(v: &super::manifest::Variable) -> String {
    format!("{:?}", v.kind)
}

/// Merges the variables of the layers and the blueprint, in that order. Several
/// may declare one variable if they agree on its contract; the blueprint's own
/// declaration then replaces the layers' (and takes its place in the order), else
/// the first layer's is used.
fn merge_variables(
    manifest: &Manifest,
    layers: &[Layer],
    manifest_label: &str,
    origins: &mut Origins,
) -> Result<Vec<Declaration>> {
    let sources = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                Some(i),
                format!("{}/{LAYER_FILE}", l.origin),
                &l.manifest.variables,
            )
        })
        .chain(std::iter::once((
            None,
            manifest_label.to_string(),
            &manifest.variables,
        )));
    let mut chosen: Vec<(String, Declaration)> = Vec::new();
    let mut first: BTreeMap<String, (String, &super::manifest::Variable)> = BTreeMap::new();
    for (layer, file, variables) in sources {
        for (index, variable) in variables.iter().enumerate() {
            let here = Declaration { layer, index };
            match first.get(&variable.name) {
                None => {
                    first.insert(variable.name.clone(), (file.clone(), variable));
                    chosen.push((variable.name.clone(), here));
                    origins
                        .variables
                        .insert(variable.name.clone(), (file.clone(), variable.line));
                }
                Some((first_file, earlier)) => {
                    if contract(earlier) != contract(variable) {
                        return Err(BlueprintError::invalid(
                            &file,
                            Some(variable.line),
                            format!(
                                "variable {:?} is also declared at {first_file}:{}, with other \
                                 values allowed; declarations of one variable must agree on its \
                                 type, choices, regex, max_length, min and max (templates rely \
                                 on them)",
                                variable.name, earlier.line
                            ),
                        ));
                    }
                    if layer.is_none() {
                        chosen.retain(|(name, _)| name != &variable.name);
                        chosen.push((variable.name.clone(), here));
                        origins
                            .variables
                            .insert(variable.name.clone(), (file.clone(), variable.line));
                    }
                }
            }
        }
    }
    Ok(chosen.into_iter().map(|(_, d)| d).collect())
}

fn rule_path(template_path: &str) -> &str {
    template_path
        .strip_suffix(RENDER_SUFFIX)
        .unwrap_or(template_path)
}

/// Picks one writer per template path, applying `[[overrides]]`.
fn choose_templates(
    manifest: &Manifest,
    layers: &[Layer],
    own: &[SourceFile],
    origin: &str,
    manifest_label: &str,
) -> Result<Vec<Writer>> {
    let prefix = format!("{TEMPLATE_DIR}/");
    let sources = layers
        .iter()
        .map(|l| {
            (
                Origin::Layer(l.id().to_string()),
                l.origin.as_str(),
                &l.files[..],
            )
        })
        .chain(std::iter::once((Origin::Blueprint, origin, own)));
    let mut by_path: BTreeMap<String, Vec<Writer>> = BTreeMap::new();
    for (source, folder, files) in sources {
        for f in files {
            let Some(rel) = f.path.strip_prefix(&prefix) else {
                continue;
            };
            let writers = by_path.entry(rule_path(rel).to_string()).or_default();
            match writers.last_mut() {
                Some(w) if w.origin == source => w.files.push(f.clone()),
                _ => writers.push(Writer {
                    origin: source.clone(),
                    folder: folder.to_string(),
                    files: vec![f.clone()],
                }),
            }
        }
    }

    let mut used = vec![false; manifest.overrides.len()];
    let mut chosen = Vec::new();
    for (path, mut writers) in by_path {
        if writers.len() == 1 {
            chosen.extend(writers.pop());
            continue;
        }
        let names = || {
            writers
                .iter()
                .map(|w| format!("{} ({}/{})", w.origin, w.folder, w.files[0].path))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        let matching: Vec<usize> = manifest
            .overrides
            .iter()
            .enumerate()
            .filter(|(_, o)| o.matcher.is_match(&path))
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = matching.first() else {
            let choices: Vec<String> = writers
                .iter()
                .map(|w| match &w.origin {
                    Origin::Blueprint => "\"blueprint\"".to_string(),
                    Origin::Layer(id) => format!("{id:?}"),
                })
                .collect();
            return Err(BlueprintError::invalid(
                manifest_label,
                None,
                format!(
                    "{path:?} is written by {}; say which one wins with [[overrides]] \
                     path = {path:?} from = {}",
                    names(),
                    choices.join(" or ")
                ),
            ));
        };
        let winner = &manifest.overrides[first];
        if let Some(other) = matching
            .iter()
            .map(|&i| &manifest.overrides[i])
            .find(|o| o.from != winner.from)
        {
            return Err(BlueprintError::invalid(
                manifest_label,
                Some(other.line),
                format!(
                    "[[overrides]] on lines {} and {} both match {path:?} but choose {} and {}",
                    winner.line, other.line, winner.from, other.from
                ),
            ));
        }
        for &i in &matching {
            used[i] = true;
        }
        let Some(index) = writers.iter().position(|w| w.origin == winner.from) else {
            return Err(BlueprintError::invalid(
                manifest_label,
                Some(winner.line),
                format!(
                    "[[overrides]] {:?} chooses {} for {path:?}, which is written only by {}",
                    winner.pattern,
                    winner.from,
                    names()
                ),
            ));
        };
        chosen.push(writers.swap_remove(index));
    }
    if let Some(stale) = manifest
        .overrides
        .iter()
        .zip(&used)
        .find_map(|(o, used)| (!used).then_some(o))
    {
        return Err(BlueprintError::invalid(
            manifest_label,
            Some(stale.line),
            format!(
                "[[overrides]] path {:?} matches no path that two sources write; remove it",
                stale.pattern
            ),
        ));
    }
    Ok(chosen)
}

/// Partials are the hooks a layer leaves for the language: a layer ships a default
/// and the blueprint may replace it. Two layers defining one partial is an error.
fn choose_partials(layers: &[Layer], own: &[SourceFile], origin: &str) -> Result<Vec<Writer>> {
    let prefix = format!("{PARTIALS_DIR}/");
    let mut by_path: BTreeMap<String, Writer> = BTreeMap::new();
    for layer in layers {
        for f in layer.files.iter().filter(|f| f.path.starts_with(&prefix)) {
            if let Some(previous) = by_path.get(&f.path) {
                return Err(BlueprintError::invalid(
                    format!("{}/{}", layer.origin, f.path),
                    None,
                    format!(
                        "{} also defines this partial ({}/{}); a partial has one default, \
                         which the blueprint may replace",
                        previous.origin, previous.folder, f.path
                    ),
                ));
            }
            by_path.insert(
                f.path.clone(),
                Writer {
                    origin: Origin::Layer(layer.id().to_string()),
                    folder: layer.origin.clone(),
                    files: vec![f.clone()],
                },
            );
        }
    }
    for f in own.iter().filter(|f| f.path.starts_with(&prefix)) {
        by_path.insert(
            f.path.clone(),
            Writer {
                origin: Origin::Blueprint,
                folder: origin.to_string(),
                files: vec![f.clone()],
            },
        );
    }
    Ok(by_path.into_values().collect())
}

/// A blueprint's partial either fills a hook a layer leaves (replacing the layer's
/// default) or is included by a template of the composed blueprint. Anything else is
/// a misspelt hook, which would otherwise leave the layer's default in place silently.
fn check_hooks_filled(
    layers: &[Layer],
    templates: &[Writer],
    partials: &[Writer],
    origin: &str,
) -> Result<()> {
    let prefix = format!("{PARTIALS_DIR}/");
    let hook = |path: &str| -> Option<String> {
        let name = path.strip_prefix(&prefix)?.strip_suffix(RENDER_SUFFIX)?;
        Some(name.to_string())
    };
    let hooks: Vec<String> = layers
        .iter()
        .flat_map(|l| l.files.iter().filter_map(|f| hook(&f.path)))
        .collect();
    let own = partials
        .iter()
        .filter(|w| w.origin == Origin::Blueprint)
        .flat_map(|w| &w.files);
    for f in own {
        let Some(name) = hook(&f.path) else { continue };
        if hooks.contains(&name) {
            continue;
        }
        let included = templates
            .iter()
            .chain(partials)
            .flat_map(|w| &w.files)
            .filter(|t| t.path.ends_with(RENDER_SUFFIX))
            .any(|t| includes_partial(&String::from_utf8_lossy(&t.bytes), &name));
        if !included {
            let mut known = hooks.clone();
            known.sort();
            known.dedup();
            return Err(BlueprintError::invalid(
                format!("{origin}/{}", f.path),
                None,
                format!(
                    "fills no hook: no layer of this blueprint leaves a hook {name:?} and no \
                     template includes it (the layers' hooks: {}); rename it after a hook, or \
                     remove it",
                    list_or_none(&known)
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `text` holds a partial call `{{> name}}` (any whitespace control, with or
/// without arguments). Partial names are literal (see `limits`), so this finds them all.
fn includes_partial(text: &str, name: &str) -> bool {
    text.match_indices("{{").any(|(at, _)| {
        let rest = text[at + 2..].trim_start_matches('~').trim_start();
        rest.strip_prefix('>').is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.strip_prefix(name).is_some_and(|after| {
                after.starts_with(|c: char| c.is_whitespace() || c == '}' || c == '~')
            })
        })
    })
}

/// The files of blueprint `id` composed and flattened: `blueprint.toml`,
/// `template/**` and `partials/**`, ready to be written as a self-contained folder
/// (e.g. a frozen release). A blueprint without layers comes back as it is stored.
pub fn flattened(catalog: &super::Catalog, id: &str) -> Result<Vec<SourceFile>> {
    let (files, origin, source) = catalog.raw_files(id)?;
    flatten_files(id, files, &origin, &source)
}

/// [`flattened`] for the blueprint folder `dir` of a blueprints directory.
pub fn flattened_dir(dir: &Path) -> Result<Vec<SourceFile>> {
    let files = read_tree(dir)?;
    let id = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .unwrap_or_default();
    let source = LayerSource::Directory(blueprints_dir_of(dir));
    flatten_files(&id, files, &dir.display().to_string(), &source)
}

fn flatten_files(
    id: &str,
    files: Vec<SourceFile>,
    origin: &str,
    source: &LayerSource,
) -> Result<Vec<SourceFile>> {
    let composed = compose(files, origin, source)?;
    // Fail here rather than freeze something that does not load.
    super::Blueprint::from_files_with_origins(
        id,
        composed.files.clone(),
        origin,
        composed.origins.clone(),
    )?;
    if composed.layers.is_empty() {
        return Ok(composed.files);
    }
    Ok(composed
        .files
        .into_iter()
        .filter(|f| {
            f.path == MANIFEST_FILE
                || f.path.starts_with(&format!("{TEMPLATE_DIR}/"))
                || f.path.starts_with(&format!("{PARTIALS_DIR}/"))
        })
        .collect())
}

/// Loads the blueprint folder `dir`, composing it with the layers of the blueprints
/// directory it sits in (`dir/../_layers`).
pub fn load_dir_composed(dir: &Path, id: &str) -> Result<super::Blueprint> {
    let files = read_tree(dir)?;
    let origin = dir.display().to_string();
    let root = blueprints_dir_of(dir);
    let composed = compose(files, &origin, &LayerSource::Directory(root))?;
    super::Blueprint::from_files_with_origins(id, composed.files, &origin, composed.origins)
}

/// The blueprints directory holding folder `dir`, spelled as the user spelled `dir`
/// where possible so that errors name paths they recognise.
pub(crate) fn blueprints_dir_of(dir: &Path) -> PathBuf {
    match dir.components().next_back() {
        Some(std::path::Component::Normal(_)) => match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
        _ => dir
            .canonicalize()
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| dir.join("..")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::{answers, render, Blueprint};

    /// A blueprints directory on disk: `(path, contents)` pairs.
    fn catalog(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    const BASE: &str = "[layer]\nid = \"base\"\ndescription = \"base\"\n\n[[variables]]\nname = \"owner\"\ntype = \"string\"\ndefault = \"@acme/{{name}}\"\n\n[[variables]]\nname = \"tier\"\ntype = \"choice\"\nchoices = [\"a\", \"b\"]\ndefault = \"a\"\n\n[[files]]\npath = \"SECURITY.md\"\nownership = \"seeded\"\n";
    const EXTRA: &str = "[layer]\nid = \"extra\"\ndescription = \"extra\"\nrequires = [\"base\"]\n";

    fn layered(manifest_tail: &str, more: &[(&str, &str)]) -> tempfile::TempDir {
        let manifest = format!(
            "[blueprint]\nid = \"svc\"\nversion = \"1.0.0\"\ndescription = \"svc\"\n{manifest_tail}"
        );
        let mut files = vec![
            ("_layers/base/layer.toml", BASE),
            (
                "_layers/base/template/SECURITY.md.hbs",
                "owner {{owner}} tier {{tier}}\n",
            ),
            ("_layers/base/template/CODEOWNERS.hbs", "* {{owner}}\n"),
            ("_layers/base/partials/steps.hbs", "default steps\n"),
            ("_layers/extra/layer.toml", EXTRA),
            ("_layers/extra/template/extra.txt.hbs", "{{> steps}}"),
            ("svc/template/main.txt", "main\n"),
            ("svc/blueprint.toml", manifest.as_str()),
        ];
        files.extend_from_slice(more);
        catalog(&files)
    }

    fn load(dir: &tempfile::TempDir) -> Result<Blueprint> {
        load_dir_composed(&dir.path().join("svc"), "svc")
    }

    fn err(dir: &tempfile::TempDir) -> String {
        load(dir).unwrap_err().to_string()
    }

    fn rendered(bp: &Blueprint) -> BTreeMap<String, String> {
        let a = answers::resolve(bp, "demo", &Default::default(), None).unwrap();
        render::render(bp, &a)
            .unwrap()
            .files
            .into_iter()
            .map(|f| (f.path, String::from_utf8(f.contents).unwrap()))
            .collect()
    }

    const BOTH: &str = "\n[[layers]]\nid = \"base\"\n\n[[layers]]\nid = \"extra\"\n";

    #[test]
    fn layers_come_first_then_the_blueprint() {
        let dir = layered(
            "\n[[layers]]\nid = \"base\"\ndefaults = { tier = \"b\" }\n\n[[layers]]\nid = \"extra\"\n\n[[variables]]\nname = \"port\"\ntype = \"integer\"\ndefault = 1\n\n[[files]]\npath = \"SECURITY.md\"\nownership = \"managed\"\n",
            &[("svc/partials/steps.hbs", "port {{port}}\n")],
        );
        let bp = load(&dir).unwrap();
        let names: Vec<&str> = bp
            .manifest
            .variables
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, ["owner", "tier", "port"]);
        assert_eq!(bp.manifest.composed.len(), 2);
        assert_eq!(bp.manifest.composed[0].id, "base");
        let out = rendered(&bp);
        // The blueprint's default for a layer variable, and its partial, win.
        assert_eq!(out["SECURITY.md"], "owner @acme/demo tier b\n");
        assert_eq!(out["extra.txt"], "port 1\n");
        assert_eq!(out["main.txt"], "main\n");
        // The blueprint's file rule comes after the layer's, so it decides ownership.
        let a = answers::resolve(&bp, "demo", &Default::default(), None).unwrap();
        let tree = render::render(&bp, &a).unwrap();
        assert_eq!(
            tree.get("SECURITY.md").unwrap().ownership,
            Some(crate::blueprint::Ownership::Managed)
        );
        // Errors name the layer's own files.
        assert!(bp
            .label("SECURITY.md.hbs")
            .contains("_layers/base/template/SECURITY.md.hbs"));
        assert!(bp
            .variable_site("tier", 0)
            .0
            .ends_with("_layers/base/layer.toml"));
    }

    #[test]
    fn flattened_files_load_as_a_plain_blueprint_with_the_same_output() {
        let dir = layered(BOTH, &[]);
        let catalog = crate::blueprint::Catalog::from_dir(dir.path()).unwrap();
        assert_eq!(catalog.ids(), ["svc"]);
        let flat = flattened(&catalog, "svc").unwrap();
        let paths: Vec<&str> = flat.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "blueprint.toml",
                "partials/steps.hbs",
                "template/CODEOWNERS.hbs",
                "template/SECURITY.md.hbs",
                "template/extra.txt.hbs",
                "template/main.txt",
            ]
        );
        let text = std::str::from_utf8(&flat[0].bytes).unwrap();
        assert!(text.contains("[[composed]]\nlayer = \"base\""), "{text}");
        assert!(!text.contains("[[layers]]"), "{text}");
        let frozen = Blueprint::from_files("svc", flat, "frozen").unwrap();
        let composed = catalog.load("svc").unwrap();
        assert_eq!(frozen.hash, composed.hash);
        assert_eq!(rendered(&frozen), rendered(&composed));
    }

    #[test]
    fn hash_covers_layer_content() {
        let a = load(&layered(BOTH, &[])).unwrap().hash;
        let dir = layered(
            BOTH,
            &[("_layers/base/template/CODEOWNERS.hbs", "*  {{owner}}\n")],
        );
        assert_ne!(a, load(&dir).unwrap().hash);
    }

    #[test]
    fn two_sources_writing_one_path_is_an_error_naming_both() {
        let dir = layered(BOTH, &[("svc/template/CODEOWNERS", "* @me\n")]);
        let e = err(&dir);
        assert!(
            e.contains("\"CODEOWNERS\" is written by layer \"base\""),
            "{e}"
        );
        assert!(e.contains("_layers/base/template/CODEOWNERS.hbs"), "{e}");
        assert!(e.contains("the blueprint ("), "{e}");
        assert!(e.contains("svc/template/CODEOWNERS)"), "{e}");
        assert!(e.contains("from = \"base\" or \"blueprint\""), "{e}");
    }

    #[test]
    fn overrides_choose_the_winner_and_must_apply() {
        let over = |from: &str, path: &str| {
            format!("{BOTH}\n[[overrides]]\npath = {path:?}\nfrom = {from:?}\n")
        };
        let mine = [("svc/template/CODEOWNERS", "* @me\n")];
        let bp = load(&layered(&over("blueprint", "CODEOWNERS"), &mine)).unwrap();
        assert_eq!(rendered(&bp)["CODEOWNERS"], "* @me\n");
        let bp = load(&layered(&over("base", "CODE*"), &mine)).unwrap();
        assert_eq!(rendered(&bp)["CODEOWNERS"], "* @acme/demo\n");
        let e = err(&layered(&over("extra", "CODEOWNERS"), &mine));
        assert!(e.contains("chooses layer \"extra\""), "{e}");
        let e = err(&layered(&over("blueprint", "README.md"), &[]));
        assert!(e.contains("matches no path that two sources write"), "{e}");
    }

    #[test]
    fn missing_layers_and_wrong_order_are_refused() {
        let e = err(&layered("\n[[layers]]\nid = \"nope\"\n", &[]));
        assert!(
            e.contains("blueprint.toml:6: layer \"nope\" not found"),
            "{e}"
        );
        assert!(e.contains("available: base, extra"), "{e}");
        let e = err(&layered(
            "\n[[layers]]\nid = \"extra\"\n\n[[layers]]\nid = \"base\"\n",
            &[],
        ));
        assert!(e.contains("layer \"extra\" requires layer \"base\""), "{e}");
    }

    #[test]
    fn redeclarations_must_keep_the_contract_and_the_blueprint_wins() {
        // Same contract (a string, no regex): the blueprint asks it its own way.
        let tail = format!(
            "{BOTH}\n[[variables]]\nname = \"port\"\ntype = \"integer\"\ndefault = 1\n\n[[variables]]\nname = \"owner\"\ntype = \"string\"\nprompt = \"Team\"\ndefault = \"@me/{{{{name}}}}\"\n"
        );
        let bp = load(&layered(&tail, &[])).unwrap();
        let names: Vec<&str> = bp
            .manifest
            .variables
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, ["tier", "port", "owner"]);
        assert_eq!(bp.manifest.variable("owner").unwrap().prompt, "Team");
        assert!(bp
            .variable_site("owner", 0)
            .0
            .ends_with("svc/blueprint.toml"));
        assert_eq!(rendered(&bp)["CODEOWNERS"], "* @me/demo\n");

        // Other values allowed: refused, naming both declarations.
        let tail = format!("{BOTH}\n[[variables]]\nname = \"owner\"\ntype = \"bool\"\n");
        let e = err(&layered(&tail, &[]));
        assert!(
            e.contains("svc/blueprint.toml:12: variable \"owner\" is also declared at"),
            "{e}"
        );
        assert!(
            e.contains("_layers/base/layer.toml:5, with other values allowed"),
            "{e}"
        );
        let tail = format!(
            "{BOTH}\n[[variables]]\nname = \"tier\"\ntype = \"choice\"\nchoices = [\"a\", \"c\"]\ndefault = \"a\"\n"
        );
        assert!(err(&layered(&tail, &[])).contains("with other values allowed"));
    }

    #[test]
    fn defaults_must_fit_the_layer_variable() {
        let e = err(&layered(
            "\n[[layers]]\nid = \"base\"\ndefaults = { tier = \"c\" }\n",
            &[],
        ));
        assert!(
            e.contains(
                "[[layers]] \"base\": defaults.tier: `default` \"c\" is not one of the choices"
            ),
            "{e}"
        );
        let e = err(&layered(
            "\n[[layers]]\nid = \"base\"\ndefaults = { nope = 1 }\n",
            &[],
        ));
        assert!(
            e.contains("declares no such variable (it declares: owner, tier)"),
            "{e}"
        );
    }

    #[test]
    fn a_partial_that_fills_no_hook_is_an_error_naming_it() {
        let e = err(&layered(BOTH, &[("svc/partials/stpes.hbs", "x\n")]));
        assert!(
            e.contains("svc/partials/stpes.hbs")
                && e.contains("fills no hook")
                && e.contains("hooks: steps"),
            "{e}"
        );
        // A partial the blueprint's own templates include is not a hook, and is fine.
        let dir = layered(
            BOTH,
            &[
                ("svc/partials/banner.hbs", "banner\n"),
                ("svc/template/readme.txt.hbs", "{{~> banner }}"),
            ],
        );
        assert!(load(&dir).is_ok());
    }

    #[test]
    fn partial_calls_are_found_with_any_spacing() {
        assert!(includes_partial("a\n{{> steps}}\n", "steps"));
        assert!(includes_partial("{{~>  steps who=name ~}}", "steps"));
        assert!(!includes_partial("{{> steps-more}}", "steps"));
        assert!(!includes_partial("{{steps}}", "steps"));
    }

    #[test]
    fn two_layers_may_not_define_one_partial() {
        let e = err(&layered(BOTH, &[("_layers/extra/partials/steps.hbs", "x")]));
        assert!(
            e.contains("_layers/extra/partials/steps.hbs: layer \"base\" also defines"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn layers_are_never_read_through_links() {
        let outside = catalog(&[
            ("base/layer.toml", BASE),
            ("base/template/SECURITY.md.hbs", "x"),
        ]);
        let dir = layered(BOTH, &[]);
        let base = dir.path().join("_layers/base");
        fs::remove_dir_all(&base).unwrap();
        std::os::unix::fs::symlink(outside.path().join("base"), &base).unwrap();
        assert!(err(&dir).contains("symbolic links are not allowed"));

        let dir = layered(BOTH, &[]);
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("_layers/base/template/pw"))
            .unwrap();
        assert!(err(&dir).contains("symbolic links are not allowed"));
    }
}
