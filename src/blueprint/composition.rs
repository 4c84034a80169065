//! The composition part of `blueprint.toml`: which shared layers a blueprint is
//! built from (`[[layers]]`), which source wins where several write the same path
//! (`[[overrides]]`), and, in a composed (flattened) manifest, what it was built
//! from (`[[composed]]`). Checked here; applied by `compose`.

use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use super::error::{BlueprintError, Result};
use super::lazy::LazyGlob;
use super::manifest::{check_rule_path, is_identifier, line_of};

/// Where a composed file, variable or partial comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    Layer(String),
    Blueprint,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Layer(id) => write!(f, "layer {id:?}"),
            Origin::Blueprint => f.write_str("the blueprint"),
        }
    }
}

/// One `[[layers]]` entry.
#[derive(Debug, Clone)]
pub struct LayerUse {
    pub id: String,
    /// New defaults for variables the layer declares, checked against their types
    /// when the layer is loaded.
    pub defaults: toml::Table,
    pub line: usize,
}

/// One `[[overrides]]` entry: for paths matching `pattern` that several sources
/// write, `from` wins.
#[derive(Debug, Clone)]
pub struct Override {
    pub pattern: String,
    pub matcher: LazyGlob,
    pub from: Origin,
    pub line: usize,
}

/// One `[[composed]]` entry of a flattened manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposedLayer {
    pub id: String,
    /// `sha256:<hex>` of the layer's files when the blueprint was composed.
    pub hash: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLayerUse {
    id: String,
    #[serde(default)]
    defaults: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    path: String,
    from: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawComposed {
    layer: String,
    hash: String,
}

/// Layer ids name folders under `_layers/`; the identifier alphabet keeps them from
/// ever leaving it (no '/', '.', '..').
pub(crate) fn check_layer_id(id: &str) -> std::result::Result<(), String> {
    if is_identifier(id, '-') {
        Ok(())
    } else {
        Err(format!(
            "layer id {id:?} must be lowercase letters, digits and '-', starting with a letter \
             (it names a folder under _layers/)"
        ))
    }
}

pub(crate) fn check_layer_uses(
    text: &str,
    file: &str,
    raw: Vec<Spanned<RawLayerUse>>,
) -> Result<Vec<LayerUse>> {
    let mut out: Vec<LayerUse> = Vec::new();
    for spanned in raw {
        let line = line_of(text, spanned.span().start);
        let bad = |msg: String| BlueprintError::invalid(file, Some(line), msg);
        let raw = spanned.into_inner();
        check_layer_id(&raw.id).map_err(|m| bad(format!("[[layers]] {m}")))?;
        if let Some(first) = out.iter().find(|l| l.id == raw.id) {
            return Err(bad(format!(
                "[[layers]] lists layer {:?} twice (first on line {})",
                raw.id, first.line
            )));
        }
        for key in raw.defaults.keys() {
            if !is_identifier(key, '_') {
                return Err(bad(format!(
                    "[[layers]] {:?}: defaults.{key} is not a variable name",
                    raw.id
                )));
            }
        }
        out.push(LayerUse {
            id: raw.id,
            defaults: raw.defaults,
            line,
        });
    }
    Ok(out)
}

pub(crate) fn check_overrides(
    text: &str,
    file: &str,
    raw: Vec<Spanned<RawOverride>>,
    layers: &[LayerUse],
) -> Result<Vec<Override>> {
    let mut out = Vec::new();
    for spanned in raw {
        let line = line_of(text, spanned.span().start);
        let bad = |msg: String| BlueprintError::invalid(file, Some(line), msg);
        let raw = spanned.into_inner();
        if layers.is_empty() {
            return Err(bad(
                "[[overrides]] only applies to a blueprint composed from [[layers]]".to_string(),
            ));
        }
        check_rule_path(&raw.path).map_err(|m| bad(m.replace("[[files]]", "[[overrides]]")))?;
        let matcher = LazyGlob::new(&raw.path).map_err(|e| {
            bad(format!(
                "[[overrides]] path {:?} is not a valid glob: {e}",
                raw.path
            ))
        })?;
        let from = if raw.from == "blueprint" {
            Origin::Blueprint
        } else if layers.iter().any(|l| l.id == raw.from) {
            Origin::Layer(raw.from)
        } else {
            let listed: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
            return Err(bad(format!(
                "[[overrides]] from = {:?} must be \"blueprint\" or a layer listed in [[layers]] ({})",
                raw.from,
                listed.join(", ")
            )));
        };
        out.push(Override {
            pattern: raw.path,
            matcher,
            from,
            line,
        });
    }
    Ok(out)
}

pub(crate) fn check_composed(
    text: &str,
    file: &str,
    raw: Vec<Spanned<RawComposed>>,
    layers: &[LayerUse],
) -> Result<Vec<ComposedLayer>> {
    let mut out = Vec::new();
    for spanned in raw {
        let line = line_of(text, spanned.span().start);
        let bad = |msg: String| BlueprintError::invalid(file, Some(line), msg);
        let raw = spanned.into_inner();
        if !layers.is_empty() {
            return Err(bad(
                "[[composed]] records a flattened blueprint and cannot be combined with [[layers]]"
                    .to_string(),
            ));
        }
        check_layer_id(&raw.layer).map_err(|m| bad(format!("[[composed]] {m}")))?;
        let hex = raw.hash.strip_prefix("sha256:").unwrap_or_default();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!(
                "[[composed]] hash {:?} must be sha256:<64 hex digits>",
                raw.hash
            )));
        }
        out.push(ComposedLayer {
            id: raw.layer,
            hash: raw.hash,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::blueprint::manifest::Manifest;

    const HEAD: &str = "[blueprint]\nid = \"b\"\nversion = \"1.0.0\"\ndescription = \"d\"\n";

    fn parse(extra: &str) -> Result<Manifest, String> {
        Manifest::parse(&format!("{HEAD}{extra}"), "bp.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn layers_and_overrides_parse() {
        let m = parse(
            "[[layers]]\nid = \"k8s-base\"\ndefaults = { replicas = 3 }\n\n\
             [[layers]]\nid = \"ci\"\n\n\
             [[overrides]]\npath = \".github/**\"\nfrom = \"blueprint\"\n\n\
             [[overrides]]\npath = \"SECURITY.md\"\nfrom = \"ci\"\n",
        )
        .unwrap();
        assert_eq!(m.layers.len(), 2);
        assert_eq!(m.layers[0].line, 5);
        assert_eq!(m.layers[0].defaults["replicas"].as_integer(), Some(3));
        assert_eq!(m.overrides[0].from, super::Origin::Blueprint);
        assert_eq!(m.overrides[1].from, super::Origin::Layer("ci".into()));
        assert!(m.overrides[0].matcher.is_match(".github/workflows/ci.yml"));
    }

    #[test]
    fn layer_ids_cannot_leave_the_layers_folder() {
        for id in ["../x", "a/b", "_x", ".", "X"] {
            let err = parse(&format!("[[layers]]\nid = {id:?}\n")).unwrap_err();
            assert!(
                err.contains("bp.toml:5: [[layers]] layer id"),
                "{id}: {err}"
            );
        }
    }

    #[test]
    fn duplicate_layers_and_unknown_override_sources_are_refused() {
        let err = parse("[[layers]]\nid = \"a\"\n[[layers]]\nid = \"a\"\n").unwrap_err();
        assert!(err.contains("twice (first on line 5)"), "{err}");
        let err = parse("[[layers]]\nid = \"a\"\n[[overrides]]\npath = \"x\"\nfrom = \"b\"\n")
            .unwrap_err();
        assert!(
            err.contains("bp.toml:7: [[overrides]] from = \"b\""),
            "{err}"
        );
        let err = parse("[[overrides]]\npath = \"x\"\nfrom = \"blueprint\"\n").unwrap_err();
        assert!(err.contains("only applies"), "{err}");
        let err = parse("[[layers]]\nid = \"a\"\n[[overrides]]\npath = \"../x\"\nfrom = \"a\"\n")
            .unwrap_err();
        assert!(err.contains("no '..'"), "{err}");
    }

    #[test]
    fn composed_records_are_checked() {
        let good = format!(
            "[[composed]]\nlayer = \"a\"\nhash = \"sha256:{}\"\n",
            "0".repeat(64)
        );
        assert_eq!(parse(&good).unwrap().composed[0].id, "a");
        assert!(parse("[[composed]]\nlayer = \"a\"\nhash = \"md5:1\"\n")
            .unwrap_err()
            .contains("sha256"));
        let both = format!("[[layers]]\nid = \"a\"\n{good}");
        assert!(parse(&both).unwrap_err().contains("cannot be combined"));
    }
}
