//! A shared layer: `_layers/<id>/layer.toml` plus `template/` and `partials/`,
//! the parts several blueprints have in common (CI security jobs, Kubernetes and
//! Terraform base, SECURITY.md …). A layer's variables and file rules are written
//! exactly like a blueprint's and checked by the same code.

use serde::Deserialize;
use toml::Spanned;

use super::composition::check_layer_id;
use super::error::{BlueprintError, Result};
use super::manifest::{
    column_of, line_of, parse_body, FileRule, RawFileRule, RawVariable, Variable,
};
use super::model::{digest, SourceFile, PARTIALS_DIR, TEMPLATE_DIR};

/// Where layers live inside a blueprints directory. The leading '_' can never start
/// a blueprint id, so the folder is never listed as a blueprint.
pub const LAYERS_DIR: &str = "_layers";
pub const LAYER_FILE: &str = "layer.toml";

#[derive(Debug, Clone)]
pub struct LayerManifest {
    pub id: String,
    pub description: String,
    /// Layers whose variables this layer's templates use; a blueprint lists them
    /// before this one.
    pub requires: Vec<String>,
    pub variables: Vec<Variable>,
    pub files: Vec<FileRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayerManifest {
    layer: RawHeader,
    #[serde(default)]
    variables: Vec<Spanned<RawVariable>>,
    #[serde(default)]
    files: Vec<Spanned<RawFileRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    description: Spanned<String>,
    #[serde(default)]
    requires: Option<Spanned<Vec<String>>>,
}

impl LayerManifest {
    pub fn parse(text: &str, file: &str) -> Result<LayerManifest> {
        let raw: RawLayerManifest = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            BlueprintError::Syntax {
                file: file.to_string(),
                line: line_of(text, offset),
                column: column_of(text, offset),
                message: e.message().trim().to_string(),
            }
        })?;
        let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
        let header = raw.layer;
        check_layer_id(header.id.get_ref()).map_err(|m| {
            BlueprintError::invalid(file, at(header.id.span()), format!("layer.id: {m}"))
        })?;
        let description = header.description.get_ref().trim().to_string();
        if description.is_empty() || description.contains('\n') {
            return Err(BlueprintError::invalid(
                file,
                at(header.description.span()),
                "layer.description must be one non-empty line",
            ));
        }
        let requires_line = header.requires.as_ref().and_then(|r| at(r.span()));
        let requires = header.requires.map(Spanned::into_inner).unwrap_or_default();
        for (i, r) in requires.iter().enumerate() {
            check_layer_id(r).map_err(|m| {
                BlueprintError::invalid(file, requires_line, format!("layer.requires: {m}"))
            })?;
            if r == header.id.get_ref() || requires[..i].contains(r) {
                return Err(BlueprintError::invalid(
                    file,
                    requires_line,
                    format!("layer.requires lists {r:?} twice or requires the layer itself"),
                ));
            }
        }
        let (variables, files) = parse_body(text, file, raw.variables, raw.files)?;
        Ok(LayerManifest {
            id: header.id.into_inner(),
            description,
            requires,
            variables,
            files,
        })
    }
}

/// A loaded layer: its manifest, its files (paths relative to the layer folder)
/// and the hash recorded in composed blueprints.
#[derive(Debug, Clone)]
pub struct Layer {
    pub manifest: LayerManifest,
    pub manifest_text: String,
    /// Files under `template/` and `partials/`, sorted by path.
    pub files: Vec<SourceFile>,
    pub hash: String,
    /// How errors name the layer folder.
    pub origin: String,
}

impl Layer {
    /// Builds a layer from the files of its folder; `id` is the folder name.
    pub fn from_files(id: &str, files: Vec<SourceFile>, origin: &str) -> Result<Layer> {
        Layer::from_files_hashed(id, files, origin, None)
    }

    /// [`Layer::from_files`] with the hash already known: the one `build.rs`
    /// computed for an embedded layer.
    pub(crate) fn from_files_hashed(
        id: &str,
        files: Vec<SourceFile>,
        origin: &str,
        known_hash: Option<&str>,
    ) -> Result<Layer> {
        let label = format!("{origin}/{LAYER_FILE}");
        let manifest_file = files
            .iter()
            .find(|f| f.path == LAYER_FILE)
            .ok_or_else(|| BlueprintError::invalid(origin, None, format!("has no {LAYER_FILE}")))?;
        let manifest_text = String::from_utf8(manifest_file.bytes.to_vec())
            .map_err(|_| BlueprintError::invalid(&label, None, "is not valid UTF-8"))?;
        let manifest = LayerManifest::parse(&manifest_text, &label)?;
        if manifest.id != id {
            return Err(BlueprintError::invalid(
                &label,
                None,
                format!(
                    "layer.id is {:?} but the folder is named {id:?}; they must match",
                    manifest.id
                ),
            ));
        }
        let mut own: Vec<SourceFile> = files
            .iter()
            .filter(|f| {
                f.path.starts_with(&format!("{TEMPLATE_DIR}/"))
                    || f.path.starts_with(&format!("{PARTIALS_DIR}/"))
            })
            .cloned()
            .collect();
        own.sort_by(|a, b| a.path.cmp(&b.path));
        if !own.iter().any(|f| f.path.starts_with(TEMPLATE_DIR)) {
            return Err(BlueprintError::invalid(
                origin,
                None,
                format!("has no files under {TEMPLATE_DIR}/"),
            ));
        }
        let hash = match known_hash {
            Some(hash) => hash.to_string(),
            None => digest(
                std::iter::once((LAYER_FILE, &*manifest_file.bytes, false)).chain(
                    own.iter()
                        .map(|f| (f.path.as_str(), &*f.bytes, f.executable)),
                ),
            ),
        };
        Ok(Layer {
            manifest,
            manifest_text,
            files: own,
            hash,
            origin: origin.to_string(),
        })
    }

    pub fn id(&self) -> &str {
        &self.manifest.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec().into(),
            executable: false,
        }
    }

    const MANIFEST: &str = "[layer]\nid = \"k8s\"\ndescription = \"Kubernetes base\"\nrequires = [\"base\"]\n\n[[variables]]\nname = \"replicas\"\ntype = \"integer\"\ndefault = 2\n\n[[files]]\npath = \"deploy/**\"\nownership = \"managed\"\n";

    #[test]
    fn loads_and_hashes() {
        let files = vec![
            file(LAYER_FILE, MANIFEST),
            file("template/deploy/a.yaml.hbs", "r: {{replicas}}"),
            file("README.md", "not part of the layer"),
        ];
        let a = Layer::from_files("k8s", files.clone(), "L/k8s").unwrap();
        assert_eq!(a.manifest.requires, ["base"]);
        assert_eq!(a.manifest.variables[0].line, 6);
        assert_eq!(a.files.len(), 1);
        let mut changed = files;
        changed[1].bytes.to_mut().push(b'\n');
        let b = Layer::from_files("k8s", changed, "L/k8s").unwrap();
        assert_ne!(a.hash, b.hash);
    }

    #[test]
    fn errors_name_the_layer_file_and_line() {
        let bad = MANIFEST.replace("default = 2", "default = \"two\"");
        let err = Layer::from_files("k8s", vec![file(LAYER_FILE, &bad)], "L/k8s").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("L/k8s/layer.toml:6: variable \"replicas\""),
            "{err}"
        );
        let err =
            Layer::from_files("other", vec![file(LAYER_FILE, MANIFEST)], "L/other").unwrap_err();
        assert!(
            err.to_string().contains("folder is named \"other\""),
            "{err}"
        );
        let err = Layer::from_files(
            "k8s",
            vec![file(
                LAYER_FILE,
                &MANIFEST.replace("[\"base\"]", "[\"../x\"]"),
            )],
            "L/k8s",
        )
        .unwrap_err();
        assert!(err.to_string().contains("layer.requires"), "{err}");
        let err = Layer::from_files("k8s", vec![file(LAYER_FILE, MANIFEST)], "L/k8s").unwrap_err();
        assert!(
            err.to_string().contains("no files under template/"),
            "{err}"
        );
    }
}
