//! A loaded blueprint: its manifest, its template files in memory, their compiled
//! templates and the content hash recorded in generated repositories.

use std::collections::BTreeMap;

use handlebars::Handlebars;
use sha2::{Digest, Sha256};

use super::error::{BlueprintError, Result};
use super::limits;
use super::manifest::{Manifest, VarKind, BUILTIN_VARIABLES, MANIFEST_FILE};
use super::templating;

pub const TEMPLATE_DIR: &str = "template";
pub const RENDER_SUFFIX: &str = ".hbs";
/// Generated repositories keep paved's own files here; templates may not write into it.
pub const PROVENANCE_DIR: &str = ".paved";

/// A file as read from a blueprint folder, path relative to that folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
    pub executable: bool,
}

/// A file under `template/`, path relative to it.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub path: String,
    pub bytes: Vec<u8>,
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
    /// `sha256:<hex>` over the manifest and every template file.
    pub hash: String,
    /// How errors name the blueprint folder (a path, or `<built-in>/ID`).
    pub origin: String,
    pub(crate) registry: Handlebars<'static>,
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
    pub fn from_files(id: &str, files: Vec<SourceFile>, origin: &str) -> Result<Blueprint> {
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
        if !id.is_empty() && manifest.id != id {
            return Err(BlueprintError::invalid(
                &manifest_label,
                None,
                format!(
                    "blueprint.id is {:?} but the folder is named {id:?}; they must match",
                    manifest.id
                ),
            ));
        }

        let prefix = format!("{TEMPLATE_DIR}/");
        let mut templates: Vec<TemplateFile> = files
            .iter()
            .filter_map(|f| {
                f.path.strip_prefix(&prefix).map(|rel| TemplateFile {
                    path: rel.to_string(),
                    bytes: f.bytes.clone(),
                    executable: f.executable,
                })
            })
            .collect();
        if templates.is_empty() {
            return Err(BlueprintError::invalid(
                origin,
                None,
                format!("has no files under {TEMPLATE_DIR}/"),
            ));
        }
        templates.sort_by(|a, b| a.path.cmp(&b.path));
        for t in &templates {
            check_template_path(&t.path).map_err(|msg| {
                BlueprintError::invalid(format!("{origin}/{}", file_key(&t.path)), None, msg)
            })?;
        }

        let registry = compile(&manifest, &templates, origin, &manifest_label)?;
        let hash = content_hash(manifest_file, &templates);
        Ok(Blueprint {
            manifest,
            templates,
            hash,
            origin: origin.to_string(),
            registry,
        })
    }

    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    /// How errors name a template file.
    pub fn label(&self, template_path: &str) -> String {
        format!("{}/{}", self.origin, file_key(template_path))
    }
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
/// any syntax error is reported at load time with its file and line.
fn compile(
    manifest: &Manifest,
    templates: &[TemplateFile],
    origin: &str,
    manifest_label: &str,
) -> Result<Handlebars<'static>> {
    let mut hb = templating::registry();
    // Where each registered template comes from, for errors found across them all:
    // the file, and the manifest line for templates written in the manifest.
    let mut homes: BTreeMap<String, (String, Option<usize>)> = BTreeMap::new();
    let syntax = |file: String, e: handlebars::TemplateError| {
        let (pos, message) = templating::describe_template_error(&e);
        let (line, column) = pos.unwrap_or((1, 1));
        BlueprintError::Syntax {
            file,
            line,
            column,
            message,
        }
    };
    let too_big = |file: &str, line: usize, message: String| {
        BlueprintError::invalid(file, Some(line), message)
    };
    for t in templates {
        if t.is_rendered() {
            let label = format!("{origin}/{}", file_key(&t.path));
            let text = std::str::from_utf8(&t.bytes).map_err(|_| {
                BlueprintError::invalid(&label, None, "is not valid UTF-8; only text files can be rendered (drop the .hbs suffix to copy it verbatim)")
            })?;
            limits::check_source(text).map_err(|(line, why)| too_big(&label, line, why))?;
            hb.register_template_string(&file_key(&t.path), text)
                .map_err(|e| syntax(label.clone(), e))?;
            homes.insert(file_key(&t.path), (label, None));
        }
        for component in t.rule_path().split('/') {
            if component.contains("{{") && hb.get_template(&name_key(component)).is_none() {
                let label = format!("{origin}/{} (file name)", file_key(&t.path));
                limits::check_source(component)
                    .map_err(|(_, why)| BlueprintError::invalid(&label, None, why))?;
                hb.register_template_string(&name_key(component), component)
                    .map_err(|e| syntax(label.clone(), e))?;
                homes.insert(name_key(component), (label, None));
            }
        }
    }
    let mut in_manifest = |key: String, src: &str, line: usize, what: &str| -> Result<()> {
        limits::check_source(src).map_err(|(_, why)| {
            BlueprintError::invalid(manifest_label, Some(line), format!("{what} {why}"))
        })?;
        hb.register_template_string(&key, src).map_err(|e| {
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
    limits::check_registry(&hb, loop_bound(manifest)).map_err(|e| {
        let (file, manifest_line) = homes
            .get(&e.key)
            .cloned()
            .unwrap_or_else(|| (format!("{origin}/{}", e.key), None));
        BlueprintError::invalid(file, manifest_line.or(e.line), e.message)
    })?;
    Ok(hb)
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
fn content_hash(manifest: &SourceFile, templates: &[TemplateFile]) -> String {
    let mut h = Sha256::new();
    let mut add = |path: &str, bytes: &[u8], executable: bool| {
        h.update((path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        h.update([u8::from(executable)]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    add(MANIFEST_FILE, &manifest.bytes, false);
    for t in templates {
        add(&file_key(&t.path), &t.bytes, t.executable);
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(extra: &[(&str, &str)]) -> Vec<SourceFile> {
        let mut v = vec![SourceFile {
            path: MANIFEST_FILE.into(),
            bytes: b"[blueprint]\nid = \"t\"\nversion = \"0.1.0\"\ndescription = \"test\"\n"
                .to_vec(),
            executable: false,
        }];
        for (p, c) in extra {
            v.push(SourceFile {
                path: p.to_string(),
                bytes: c.as_bytes().to_vec(),
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
            bytes: vec![0x89, 0x50, 0xff, 0x00],
            executable: false,
        });
        assert!(Blueprint::from_files("t", f.clone(), "bp").is_ok());
        f.push(SourceFile {
            path: "template/bad.hbs.hbs".into(),
            bytes: vec![0xff, 0xfe],
            executable: false,
        });
        assert!(Blueprint::from_files("t", f, "bp")
            .unwrap_err()
            .to_string()
            .contains("not valid UTF-8"));
    }
}
