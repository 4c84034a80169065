//! A loaded blueprint: its manifest, its template files in memory, their compiled
//! templates and the content hash recorded in generated repositories.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use handlebars::template::Template;
use handlebars::Handlebars;
use rayon::prelude::*;

pub(crate) use super::digest::digest;
use super::direct;
use super::error::{BlueprintError, Result};
use super::limits;
use super::manifest::{Manifest, VarKind, BUILTIN_VARIABLES, MANIFEST_FILE};
use super::pieces;
use super::templating;

pub const TEMPLATE_DIR: &str = "template";
/// Handlebars partials, `partials/<name>.hbs`, used as `{{> name}}`.
pub const PARTIALS_DIR: &str = "partials";
pub const RENDER_SUFFIX: &str = ".hbs";
/// Generated repositories keep paved's own files here; templates may not write into it.
pub const PROVENANCE_DIR: &str = ".paved";

/// Where the pieces of a composed blueprint were written. Empty for a blueprint
/// that is not composed: everything is then in its own folder.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    /// Folder a file came from, by path relative to the blueprint folder
    /// (`template/SECURITY.md.hbs` → `blueprints/_layers/governance`).
    pub files: BTreeMap<String, String>,
    /// Manifest file and line declaring each variable, by name.
    pub variables: BTreeMap<String, (String, usize)>,
    /// Manifest file and line of each `[[files]]` rule, by index.
    pub rules: Vec<(String, usize)>,
    /// For a built-in blueprint composed from what `build.rs` recorded, `variables`
    /// and `rules` are empty: only an error message or `paved blueprint check` needs
    /// them, and they are found by composing it again the first time one asks.
    pub(crate) deferred: Option<DeferredSites>,
}

/// A manifest file and a line in it.
pub(crate) type Site = (String, usize);
/// Variable declarations by name, and file rules by index.
pub(crate) type Sites = (BTreeMap<String, Site>, Vec<Site>);

/// [`Origins::variables`] and [`Origins::rules`], computed on first use.
#[derive(Clone)]
pub(crate) struct DeferredSites {
    compute: Arc<dyn Fn() -> Sites + Send + Sync>,
    cell: Arc<OnceLock<Sites>>,
}

impl DeferredSites {
    pub(crate) fn new(compute: impl Fn() -> Sites + Send + Sync + 'static) -> DeferredSites {
        DeferredSites {
            compute: Arc::new(compute),
            cell: Arc::default(),
        }
    }
}

impl std::fmt::Debug for DeferredSites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeferredSites")
    }
}

impl Origins {
    /// Where each variable is declared and each file rule written.
    fn sites(&self) -> (&BTreeMap<String, Site>, &[Site]) {
        match &self.deferred {
            Some(d) => {
                let (variables, rules) = d.cell.get_or_init(|| (d.compute)());
                (variables, rules)
            }
            None => (&self.variables, &self.rules),
        }
    }
}

/// The contents of a blueprint file: borrowed from the binary for a built-in
/// blueprint (a template set is hundreds of kilobytes, which a copy would write to
/// fresh heap pages on every load), owned when read from a directory or made here.
pub type Bytes = std::borrow::Cow<'static, [u8]>;

/// A file as read from a blueprint folder, path relative to that folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Bytes,
    pub executable: bool,
}

/// A file under `template/`, path relative to it.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub path: String,
    pub bytes: Bytes,
    pub executable: bool,
}

impl TemplateFile {
    pub fn is_rendered(&self) -> bool {
        self.path.ends_with(RENDER_SUFFIX)
    }

    /// The path file rules match: the template path without `.hbs`.
    pub fn rule_path(&self) -> &str {
        self.path.strip_suffix(RENDER_SUFFIX).unwrap_or(&self.path)
    }
}

pub struct Blueprint {
    pub manifest: Manifest,
    pub templates: Vec<TemplateFile>,
    /// Names of the partials templates may include (`partials/<name>.hbs`).
    pub partials: Vec<String>,
    /// `sha256:<hex>` over the manifest, every template file and every partial.
    pub hash: String,
    /// How errors name the blueprint folder (a path, or `<built-in>/ID`).
    pub origin: String,
    /// For a composed blueprint, where each piece was written, so errors name the
    /// file an author edits rather than the flattened manifest.
    pub(crate) origins: Origins,
    /// Partials, templated file names, conditions and defaults; and the template
    /// bodies too, unless they compile on first use (see [`Blueprint::body`]).
    pub(crate) registry: Handlebars<'static>,
    /// Template bodies compiled on first use, by index into `templates`: `Some`
    /// for a built-in blueprint (its hash known from `build.rs`), whose every body
    /// the test suite compiles from `blueprints/` with every check
    /// (`source::tests::embedded_hashes_match_runtime`). A command that renders a
    /// few files (drift's conformance renders the managed ones) compiles only those.
    /// `None`: every body is in `registry`, compiled and checked at load.
    pub(crate) lazy_bodies: Option<Vec<OnceLock<std::result::Result<Template, BodyError>>>>,
}

impl std::fmt::Debug for Blueprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blueprint")
            .field("id", &self.manifest.id)
            .field("version", &self.manifest.version.to_string())
            .field("templates", &self.templates.len())
            .finish()
    }
}

/// Registry names for the non-file templates a blueprint compiles.
pub(crate) fn file_key(path: &str) -> String {
    format!("{TEMPLATE_DIR}/{path}")
}
pub(crate) fn name_key(component: &str) -> String {
    format!("@name/{component}")
}
pub(crate) fn variable_when_key(var: &str) -> String {
    format!("@when/variable/{var}")
}
pub(crate) fn variable_default_key(var: &str) -> String {
    format!("@default/{var}")
}
pub(crate) fn rule_when_key(index: usize) -> String {
    format!("@when/files/{index}")
}

impl Blueprint {
    /// Builds a blueprint from the files of its folder. `id` is the folder name.
    /// A blueprint with `[[layers]]` must be composed first (see `compose`).
    pub fn from_files(id: &str, files: Vec<SourceFile>, origin: &str) -> Result<Blueprint> {
        Blueprint::from_files_with_origins(id, files, origin, Origins::default())
    }

    /// [`Blueprint::from_files`] for composed files, with where each piece came from.
    pub(crate) fn from_files_with_origins(
        id: &str,
        files: Vec<SourceFile>,
        origin: &str,
        origins: Origins,
    ) -> Result<Blueprint> {
        Blueprint::from_files_hashed(id, files, origin, origins, None)
    }

    /// [`Blueprint::from_files_with_origins`] with the content hash already known:
    /// the one `build.rs` computed for an embedded blueprint or release.
    ///
    /// Such a blueprint is also not checked against [`limits`] again: those checks
    /// guard against a hostile `--blueprints DIR`, and every embedded blueprint and
    /// release passes them when the test suite loads it from `blueprints/`
    /// (`source::tests::embedded_hashes_match_runtime`). Everything else (syntax,
    /// paths, names) is checked as for any blueprint.
    pub(crate) fn from_files_hashed(
        id: &str,
        mut files: Vec<SourceFile>,
        origin: &str,
        origins: Origins,
        known_hash: Option<&str>,
    ) -> Result<Blueprint> {
        let label_of = |path: &str| {
            format!(
                "{}/{path}",
                origins.files.get(path).map_or(origin, String::as_str)
            )
        };
        let manifest_label = format!("{origin}/{MANIFEST_FILE}");
        let manifest_file = files
            .iter()
            .find(|f| f.path == MANIFEST_FILE)
            .ok_or_else(|| {
                BlueprintError::invalid(origin, None, format!("has no {MANIFEST_FILE}"))
            })?;
        let manifest_text = std::str::from_utf8(&manifest_file.bytes)
            .map_err(|_| BlueprintError::invalid(&manifest_label, None, "is not valid UTF-8"))?;
        let manifest = Manifest::parse(manifest_text, &manifest_label)?;
        if let Some(first) = manifest.layers.first() {
            return Err(BlueprintError::invalid(
                &manifest_label,
                Some(first.line),
                "uses [[layers]] but was loaded without them; load it from a blueprints \
                 directory (or the built-in set) that holds _layers/",
            ));
        }
        if !id.is_empty() {
            check_folder_name(&manifest, id, &manifest_label)?;
        }

        let prefix = format!("{TEMPLATE_DIR}/");
        // The template files move out of `files` (a blueprint is mostly templates).
        let (template_files, rest): (Vec<SourceFile>, Vec<SourceFile>) =
            files.into_iter().partition(|f| f.path.starts_with(&prefix));
        files = rest;
        let mut templates: Vec<TemplateFile> = template_files
            .into_iter()
            .map(|f| TemplateFile {
                path: f.path[prefix.len()..].to_string(),
                bytes: f.bytes,
                executable: f.executable,
            })
            .collect();
        let manifest_file = files
            .iter()
            .find(|f| f.path == MANIFEST_FILE)
            .expect("found above, and not under template/");
        if templates.is_empty() {
            return Err(BlueprintError::invalid(
                origin,
                None,
                format!("has no files under {TEMPLATE_DIR}/"),
            ));
        }
        templates.sort_by(|a, b| a.path.cmp(&b.path));
        for t in &templates {
            check_template_path(&t.path)
                .map_err(|msg| BlueprintError::invalid(label_of(&file_key(&t.path)), None, msg))?;
        }
        let partials = partials(&files, &label_of)?;

        // Hashing the blueprint does not depend on compiling it: do both at once.
        let check_limits_too = known_hash.is_none();
        let (compiled, hash) = match known_hash {
            Some(hash) => (
                compile(&manifest, &templates, &label_of, &manifest_label, false),
                hash.to_string(),
            ),
            None => rayon::join(
                || compile(&manifest, &templates, &label_of, &manifest_label, true),
                || content_hash(manifest_file, &templates, &partials),
            ),
        };
        let lazy_bodies =
            (!check_limits_too).then(|| templates.iter().map(|_| OnceLock::new()).collect());
        let (mut registry, mut homes) = compiled?;
        for p in &partials {
            let label = label_of(&p.path);
            let text = std::str::from_utf8(&p.bytes)
                .map_err(|_| BlueprintError::invalid(&label, None, "is not valid UTF-8"))?;
            if check_limits_too {
                limits::check_source(text)
                    .map_err(|(line, why)| BlueprintError::invalid(&label, Some(line), why))?;
            }
            register(&mut registry, partial_name(&p.path), text)
                .map_err(|e| template_syntax(label.clone(), e))?;
            homes.insert(partial_name(&p.path).to_string(), (label, None));
        }
        if check_limits_too {
            check_limits(&registry, &homes, &manifest)?;
        }
        Ok(Blueprint {
            manifest,
            templates,
            partials: partials
                .iter()
                .map(|p| partial_name(&p.path).to_string())
                .collect(),
            hash,
            origin: origin.to_string(),
            origins,
            registry,
            lazy_bodies,
        })
    }

    /// The compiled body of `templates[index]` (a `.hbs` file): from the registry,
    /// or compiled now, once, for a blueprint whose bodies compile on first use.
    pub(crate) fn body(&self, index: usize) -> Result<&Template> {
        let t = &self.templates[index];
        let key = file_key(&t.path);
        let Some(slots) = &self.lazy_bodies else {
            return self.registry.get_template(&key).ok_or_else(|| {
                BlueprintError::invalid(self.label(&t.path), None, "was not compiled")
            });
        };
        let compiled = slots[index].get_or_init(|| {
            let text = std::str::from_utf8(&t.bytes).map_err(|_| BodyError {
                line: None,
                column: None,
                message: NOT_UTF8.to_string(),
            })?;
            compile_body(None, &key, text).map_err(|e| {
                let (pos, message) = templating::describe_template_error(&e);
                let (line, column) = pos.unwrap_or((1, 1));
                BodyError {
                    line: Some(line),
                    column: Some(column),
                    message,
                }
            })
        });
        compiled.as_ref().map_err(|e| match (e.line, e.column) {
            (Some(line), Some(column)) => BlueprintError::Syntax {
                file: self.label(&t.path),
                line,
                column,
                message: e.message.clone(),
            },
            _ => BlueprintError::invalid(self.label(&t.path), e.line, e.message.clone()),
        })
    }

    /// Whether template bodies compile on first use (a built-in blueprint).
    pub(crate) fn is_built_in(&self) -> bool {
        self.lazy_bodies.is_some()
    }

    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    /// How errors name a template file.
    pub fn label(&self, template_path: &str) -> String {
        self.file_label(&file_key(template_path))
    }

    /// How errors name a file of the blueprint folder (or of the layer it came from).
    pub fn file_label(&self, path: &str) -> String {
        let folder = self.origins.files.get(path).unwrap_or(&self.origin);
        format!("{folder}/{path}")
    }

    /// Whether template `template_path` (relative to `template/`) came from a layer.
    pub fn from_layer(&self, template_path: &str) -> bool {
        self.origins.files.contains_key(&file_key(template_path))
    }

    /// The id of the layer template `template_path` came from, `None` for the
    /// blueprint's own files (and for every file of a frozen, flattened release,
    /// which no longer knows). A layer's folder is named after its id, which the
    /// layer loader enforces, so the folder's last component is the id.
    pub fn layer_of(&self, template_path: &str) -> Option<&str> {
        let folder = self.origins.files.get(&file_key(template_path))?;
        Some(folder.rsplit('/').next().unwrap_or(folder))
    }

    /// Manifest file and line where variable `name` is declared.
    pub fn variable_site(&self, name: &str, line: usize) -> (String, usize) {
        self.origins
            .sites()
            .0
            .get(name)
            .cloned()
            .unwrap_or_else(|| (self.file_label(MANIFEST_FILE), line))
    }

    /// Manifest file and line of the `index`th `[[files]]` rule.
    pub fn rule_site(&self, index: usize, line: usize) -> (String, usize) {
        self.origins
            .sites()
            .1
            .get(index)
            .cloned()
            .unwrap_or_else(|| (self.file_label(MANIFEST_FILE), line))
    }
}

/// `partials/<name>.hbs` → `name`.
pub(crate) fn partial_name(path: &str) -> &str {
    path.strip_prefix(PARTIALS_DIR)
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.strip_suffix(RENDER_SUFFIX))
        .unwrap_or(path)
}

/// The files under `partials/`, sorted; each must be `partials/<name>.hbs`.
pub(crate) fn partials(
    files: &[SourceFile],
    label_of: &dyn Fn(&str) -> String,
) -> Result<Vec<SourceFile>> {
    let prefix = format!("{PARTIALS_DIR}/");
    let mut out: Vec<SourceFile> = files
        .iter()
        .filter(|f| f.path.starts_with(&prefix))
        .cloned()
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    for p in &out {
        let name = partial_name(&p.path);
        let plain = name != p.path && super::manifest::is_identifier(&name.replace('_', "-"), '-');
        if !plain {
            return Err(BlueprintError::invalid(
                label_of(&p.path),
                None,
                format!(
                    "partials are {PARTIALS_DIR}/<name>{RENDER_SUFFIX}, <name> lowercase letters, \
                     digits, '-' or '_' (no sub-folders)"
                ),
            ));
        }
    }
    Ok(out)
}

/// Registers `src` as `key`, built by [`direct`] when it can (partials, file-name
/// components, conditions and defaults are the same Handlebars as templates).
fn register(
    hb: &mut Handlebars<'static>,
    key: &str,
    src: &str,
) -> std::result::Result<(), handlebars::TemplateError> {
    match direct::compile(key, src) {
        Some(template) => {
            hb.register_template(key, template);
            Ok(())
        }
        None => hb.register_template_string(key, src),
    }
}

fn template_syntax(file: String, e: handlebars::TemplateError) -> BlueprintError {
    let (pos, message) = templating::describe_template_error(&e);
    let (line, column) = pos.unwrap_or((1, 1));
    BlueprintError::Syntax {
        file,
        line,
        column,
        message,
    }
}

/// A blueprint's folder and its `blueprint.id` must agree: the folder is how users
/// name it, the id is what provenance records.
pub(crate) fn check_folder_name(manifest: &Manifest, folder: &str, label: &str) -> Result<()> {
    if manifest.id == folder {
        return Ok(());
    }
    Err(BlueprintError::invalid(
        label,
        None,
        format!(
            "blueprint.id is {:?} but the folder is named {folder:?}; they must match",
            manifest.id
        ),
    ))
}

/// Paths are checked as written; rendered names are checked again after rendering.
fn check_template_path(path: &str) -> std::result::Result<(), String> {
    for component in path.split('/') {
        if component.is_empty() || component == "." || component == ".." {
            return Err("template paths may not contain empty, '.' or '..' components".to_string());
        }
        if component.eq_ignore_ascii_case(".git") {
            return Err("templates may not write into .git/ (hooks there would run code on the user's machine)".to_string());
        }
    }
    if path.split('/').next() == Some(PROVENANCE_DIR) {
        return Err(format!(
            "{PROVENANCE_DIR}/ is reserved for paved's provenance files"
        ));
    }
    if path.ends_with(RENDER_SUFFIX) && path.rsplit('/').next() == Some(RENDER_SUFFIX) {
        return Err(format!(
            "a template named just {RENDER_SUFFIX} renders to an empty name"
        ));
    }
    Ok(())
}

/// Compiles every template, templated name, condition and default once, so that
/// any syntax error is reported at load time with its file and line. `limited`:
/// check each source against [`limits::check_source`] first.
fn compile(
    manifest: &Manifest,
    templates: &[TemplateFile],
    label_of: &(dyn Fn(&str) -> String + Sync),
    manifest_label: &str,
    limited: bool,
) -> Result<(Handlebars<'static>, Homes)> {
    let mut hb = templating::registry();
    let mut homes = Homes::new();
    let syntax = template_syntax;
    // Compiling template bodies is most of the time any command spends on a
    // blueprint (the parser is linear in the text but locates every token from the
    // start of it), so the bodies compile in parallel. Each worker compiles into a
    // registry configured like `hb` and hands the result over; errors are reported
    // in file order, so the first broken file is always the one named.
    let bodies: Vec<&TemplateFile> = if limited {
        templates.iter().filter(|t| t.is_rendered()).collect()
    } else {
        // A built-in blueprint compiles each body on first use (`Blueprint::body`).
        Vec::new()
    };
    // No bodies (a built-in blueprint): no need to start rayon's thread pool.
    let compiled: Vec<Result<(String, handlebars::Template)>> = if bodies.is_empty() {
        Vec::new()
    } else {
        bodies
            .par_iter()
            .map_init(templating::registry, |worker, t| {
                let key = file_key(&t.path);
                let label = label_of(&key);
                let text = std::str::from_utf8(&t.bytes)
                    .map_err(|_| BlueprintError::invalid(&label, None, NOT_UTF8))?;
                if limited {
                    limits::check_source(text)
                        .map_err(|(line, why)| BlueprintError::invalid(&label, Some(line), why))?;
                }
                let template =
                    compile_body(Some(worker), &key, text).map_err(|e| syntax(label, e))?;
                Ok((key, template))
            })
            .collect()
    };
    for result in compiled {
        let (key, template) = result?;
        homes.insert(key.clone(), (label_of(&key), None));
        hb.register_template(&key, template);
    }
    for t in templates {
        for component in t.rule_path().split('/') {
            if component.contains("{{") && hb.get_template(&name_key(component)).is_none() {
                let label = format!("{} (file name)", label_of(&file_key(&t.path)));
                if limited {
                    limits::check_source(component)
                        .map_err(|(_, why)| BlueprintError::invalid(&label, None, why))?;
                }
                register(&mut hb, &name_key(component), component)
                    .map_err(|e| syntax(label.clone(), e))?;
                homes.insert(name_key(component), (label, None));
            }
        }
    }
    let mut in_manifest = |key: String, src: &str, line: usize, what: &str| -> Result<()> {
        if limited {
            limits::check_source(src).map_err(|(_, why)| {
                BlueprintError::invalid(manifest_label, Some(line), format!("{what} {why}"))
            })?;
        }
        register(&mut hb, &key, src).map_err(|e| {
            BlueprintError::invalid(
                manifest_label,
                Some(line),
                format!("{what} does not compile: {}", e.reason()),
            )
        })?;
        homes.insert(key, (manifest_label.to_string(), Some(line)));
        Ok(())
    };
    for v in &manifest.variables {
        if let Some(when) = &v.when {
            in_manifest(
                variable_when_key(&v.name),
                &templating::condition_source(when),
                v.line,
                &format!("variable {:?}: `when`", v.name),
            )?;
        }
        if let Some(super::value::Value::String(default)) = &v.default {
            in_manifest(
                variable_default_key(&v.name),
                default.as_str(),
                v.line,
                &format!("variable {:?}: `default`", v.name),
            )?;
        }
    }
    for (i, rule) in manifest.files.iter().enumerate() {
        if let Some(when) = &rule.when {
            in_manifest(
                rule_when_key(i),
                &templating::condition_source(when),
                rule.line,
                &format!("[[files]] {:?}: `when`", rule.pattern),
            )?;
        }
    }
    Ok((hb, homes))
}

const NOT_UTF8: &str = "is not valid UTF-8; only text files can be rendered (drop the .hbs suffix to copy it verbatim)";

/// Why a body compiled on first use does not compile (only a blueprint edited
/// without running the test suite can get here).
#[derive(Debug, Clone)]
pub(crate) struct BodyError {
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

/// Compiles one template body: built directly when it can be, else in pieces, else
/// whole by Handlebars with `worker` (a registry configured like the one it renders
/// with; a fresh one when `None`).
fn compile_body(
    worker: Option<&mut Handlebars<'static>>,
    key: &str,
    text: &str,
) -> std::result::Result<Template, handlebars::TemplateError> {
    if let Some(template) = direct::compile(key, text) {
        return Ok(template);
    }
    let mut own;
    let worker = match worker {
        Some(worker) => worker,
        None => {
            own = templating::registry();
            &mut own
        }
    };
    if let Some(template) = pieces::compile(worker, key, text) {
        return Ok(template);
    }
    worker.register_template_string(key, text)?;
    let template = worker
        .get_template(key)
        .cloned()
        .expect("a template just registered is in the registry");
    worker.unregister_template(key);
    Ok(template)
}

/// Where each registered template comes from, for errors found across them all: the
/// file, and the manifest line for templates written in the manifest.
type Homes = BTreeMap<String, (String, Option<usize>)>;

/// Checks the templates and partials of a registry together (see [`limits`]).
fn check_limits(hb: &Handlebars<'static>, homes: &Homes, manifest: &Manifest) -> Result<()> {
    limits::check_registry(hb, loop_bound(manifest)).map_err(|e| {
        let (file, manifest_line) = homes
            .get(&e.key)
            .cloned()
            .unwrap_or_else(|| (e.key.clone(), None));
        BlueprintError::invalid(file, manifest_line.or(e.line), e.message)
    })
}

/// The most items an `each` over an answer can see: the answers object itself (one
/// entry per variable, plus the built-in ones) or the longest multi-choice list.
fn loop_bound(manifest: &Manifest) -> usize {
    let longest_list = manifest
        .variables
        .iter()
        .map(|v| match &v.kind {
            VarKind::Multi { choices } => choices.len(),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    (manifest.variables.len() + BUILTIN_VARIABLES.len()).max(longest_list)
}

/// A stable digest of everything that affects rendering. Paths are sorted and every
/// field is length-prefixed, so no two different blueprints can hash alike by
/// shifting bytes between files.
/// A blueprint without partials hashes exactly as before partials existed, so
/// repositories generated earlier keep a matching hash.
pub(crate) fn content_hash(
    manifest: &SourceFile,
    templates: &[TemplateFile],
    partials: &[SourceFile],
) -> String {
    let keys: Vec<String> = templates.iter().map(|t| file_key(&t.path)).collect();
    let entries = std::iter::once((MANIFEST_FILE, &*manifest.bytes, false))
        .chain(
            templates
                .iter()
                .zip(&keys)
                .map(|(t, k)| (k.as_str(), &*t.bytes, t.executable)),
        )
        .chain(
            partials
                .iter()
                .map(|p| (p.path.as_str(), &*p.bytes, p.executable)),
        );
    digest(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(extra: &[(&str, &str)]) -> Vec<SourceFile> {
        let mut v = vec![SourceFile {
            path: MANIFEST_FILE.into(),
            bytes: b"[blueprint]\nid = \"t\"\nversion = \"0.1.0\"\ndescription = \"test\"\n"
                .to_vec()
                .into(),
            executable: false,
        }];
        for (p, c) in extra {
            v.push(SourceFile {
                path: p.to_string(),
                bytes: c.as_bytes().to_vec().into(),
                executable: false,
            });
        }
        v
    }

    #[test]
    fn loads_and_hashes_stably() {
        let a =
            Blueprint::from_files("t", files(&[("template/a.txt.hbs", "{{name}}")]), "bp").unwrap();
        let b =
            Blueprint::from_files("t", files(&[("template/a.txt.hbs", "{{name}}")]), "bp").unwrap();
        let c = Blueprint::from_files("t", files(&[("template/a.txt.hbs", "{{ name }}")]), "bp")
            .unwrap();
        assert_eq!(a.hash, b.hash);
        assert_ne!(a.hash, c.hash);
        assert!(a.hash.starts_with("sha256:") && a.hash.len() == 71);
    }

    #[test]
    fn template_syntax_errors_name_file_and_line() {
        let err = Blueprint::from_files(
            "t",
            files(&[("template/x.yaml.hbs", "a: 1\nb: {{ }}\nc: 3\n")]),
            "bp",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bp/template/x.yaml.hbs:2:"), "{msg}");
    }

    #[test]
    fn reserved_and_git_paths_refused() {
        for p in [
            "template/.paved/answers.toml",
            "template/.git/hooks/post-checkout",
            "template/a/.GIT/x",
        ] {
            assert!(
                Blueprint::from_files("t", files(&[(p, "x")]), "bp").is_err(),
                "{p}"
            );
        }
    }

    #[test]
    fn folder_name_must_match_id() {
        let err = Blueprint::from_files("other", files(&[("template/a", "x")]), "bp").unwrap_err();
        assert!(err.to_string().contains("folder is named \"other\""));
    }

    #[test]
    fn binary_hbs_is_refused_but_binary_copy_is_fine() {
        let mut f = files(&[]);
        f.push(SourceFile {
            path: "template/logo.png".into(),
            bytes: vec![0x89, 0x50, 0xff, 0x00].into(),
            executable: false,
        });
        assert!(Blueprint::from_files("t", f.clone(), "bp").is_ok());
        f.push(SourceFile {
            path: "template/bad.hbs.hbs".into(),
            bytes: vec![0xff, 0xfe].into(),
            executable: false,
        });
        assert!(Blueprint::from_files("t", f, "bp")
            .unwrap_err()
            .to_string()
            .contains("not valid UTF-8"));
    }
}
