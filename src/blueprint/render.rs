//! Renders a blueprint with validated answers into an in-memory tree. Nothing
//! here touches the file system; writing is `write`'s job.

use std::collections::BTreeMap;

use super::answers::Answers;
use super::error::{BlueprintError, Result};
use super::limits;
use super::manifest::Ownership;
use super::model::{name_key, rule_when_key, Blueprint, PROVENANCE_DIR};
use super::templating;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Relative path with '/' separators.
    pub path: String,
    pub contents: Vec<u8>,
    pub executable: bool,
    /// `None` for paved's own provenance file, which is neither.
    pub ownership: Option<Ownership>,
    /// Template it came from, relative to `template/`.
    pub source: Option<String>,
}

/// A rendered repository, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedTree {
    pub files: Vec<RenderedFile>,
}

impl RenderedTree {
    pub fn total_bytes(&self) -> usize {
        self.files.iter().map(|f| f.contents.len()).sum()
    }

    pub fn get(&self, path: &str) -> Option<&RenderedFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Adds a file paved itself writes (provenance), keeping the tree sorted.
    pub fn insert(&mut self, file: RenderedFile) {
        let at = self.files.partition_point(|f| f.path < file.path);
        self.files.insert(at, file);
    }
}

/// Renders on a thread with a known stack (see [`limits::on_render_stack`]): how
/// deep a render may go is checked when the blueprint loads, against that stack.
pub fn render(bp: &Blueprint, answers: &Answers) -> Result<RenderedTree> {
    let placed = limits::on_render_stack(|| render_here(bp, answers, None))?;
    Ok(RenderedTree {
        files: placed
            .into_iter()
            .map(|f| RenderedFile {
                contents: match f.body {
                    Body::Copied => bp.templates[f.template].bytes.to_vec(),
                    Body::Rendered(text) => text,
                },
                path: f.path,
                executable: f.executable,
                ownership: Some(f.ownership),
                source: Some(bp.templates[f.template].path.clone()),
            })
            .collect(),
    })
}

/// A file of a rendered tree, its contents kept where they are: a template copied
/// verbatim is not copied out of the blueprint.
#[derive(Debug)]
pub(crate) struct Placed {
    /// Relative path with '/' separators.
    pub path: String,
    pub body: Body,
    pub executable: bool,
    pub ownership: Ownership,
    /// Index into `bp.templates` of the template it came from.
    pub template: usize,
}

#[derive(Debug)]
pub(crate) enum Body {
    /// The template's bytes, as they are.
    Copied,
    /// The template rendered (empty for a file not rendered, see [`render_owned`]).
    Rendered(Vec<u8>),
}

impl Placed {
    /// The file's contents; `bp` is the blueprint it was rendered from.
    pub fn contents<'a>(&'a self, bp: &'a Blueprint) -> &'a [u8] {
        match &self.body {
            Body::Copied => &bp.templates[self.template].bytes,
            Body::Rendered(text) => text,
        }
    }
}

/// [`render`] for drift's conformance, which compares the files of one ownership
/// only: the result holds just those files, and only their contents are rendered.
/// Every other file the answers include is still placed (its name rendered and
/// checked, and checked against every other path), so a tree `paved new` could not
/// write is refused here too; what is no longer found is a template body that fails
/// to render although no compared file comes from it, and the budget of
/// [`limits::MAX_TREE_BYTES`] counts the compared files only.
pub(crate) fn render_owned(
    bp: &Blueprint,
    answers: &Answers,
    only: Ownership,
) -> Result<Vec<Placed>> {
    limits::on_render_stack(|| render_here(bp, answers, Some(only)))
}

fn render_here(bp: &Blueprint, answers: &Answers, only: Option<Ownership>) -> Result<Vec<Placed>> {
    let ctx = answers.context();
    // One context for every body, as Handlebars would build for each render.
    let body_ctx = handlebars::Context::from(ctx.clone());
    let manifest = &bp.manifest;

    // File rules are evaluated once per render, not once per file.
    let mut rule_holds = Vec::with_capacity(manifest.files.len());
    for (i, rule) in manifest.files.iter().enumerate() {
        let holds = match &rule.when {
            Some(_) => {
                templating::eval_condition(&bp.registry, &rule_when_key(i), &ctx).map_err(|e| {
                    let (file, line) = bp.rule_site(i, rule.line);
                    BlueprintError::invalid(
                        file,
                        Some(line),
                        format!("[[files]] {:?}: `when` failed: {e}", rule.pattern),
                    )
                })?
            }
            None => true,
        };
        rule_holds.push(holds);
    }

    let mut out: BTreeMap<String, Placed> = BTreeMap::new();
    let mut total = 0usize;
    let mut matching = Vec::new();
    for (index, t) in bp.templates.iter().enumerate() {
        let rule_path = t.rule_path();
        let mut include = true;
        let mut ownership = manifest.default_ownership;
        manifest.rules_matching(rule_path, &mut matching);
        for &i in &matching {
            let rule = &manifest.files[i];
            if rule.when.is_some() && !rule_holds[i] {
                include = false;
            }
            if let Some(o) = rule.ownership {
                ownership = o;
            }
        }
        if !include {
            continue;
        }

        let label = bp.label(&t.path);
        let path = render_path(bp, rule_path, &ctx).map_err(|message| BlueprintError::Render {
            file: format!("{label} (file name)"),
            message,
        })?;
        let body = if only.is_some_and(|o| o != ownership) {
            Body::Rendered(Vec::new())
        } else if t.is_rendered() {
            let budget = limits::MAX_TREE_BYTES.saturating_sub(total);
            let text = templating::render_template_within(
                &bp.registry,
                bp.body(index)?,
                &body_ctx,
                budget,
            )
            .map_err(|message| BlueprintError::Render {
                file: label.clone(),
                message,
            })?;
            Body::Rendered(text.into_bytes())
        } else {
            Body::Copied
        };
        total += match &body {
            Body::Copied => t.bytes.len(),
            Body::Rendered(text) => text.len(),
        };
        if let Some(previous) = out.get(&path) {
            return Err(BlueprintError::Render {
                file: label,
                message: format!(
                    "renders to {path:?}, which template/{} also renders to",
                    bp.templates[previous.template].path
                ),
            });
        }
        out.insert(
            path.clone(),
            Placed {
                path,
                body,
                executable: t.executable,
                ownership,
                template: index,
            },
        );
    }

    // A path that is both a file and a directory cannot be written.
    let paths: Vec<&String> = out.keys().collect();
    for pair in paths.windows(2) {
        if let Some(rest) = pair[1].strip_prefix(pair[0].as_str()) {
            if rest.starts_with('/') {
                return Err(BlueprintError::Render {
                    file: bp.label(&bp.templates[out[pair[0]].template].path),
                    message: format!(
                        "renders to the file {:?}, but {:?} needs it to be a directory",
                        pair[0], pair[1]
                    ),
                });
            }
        }
    }

    Ok(out
        .into_values()
        .filter(|f| only.map_or(true, |o| f.ownership == o))
        .collect())
}

/// Renders each path component on its own, so a value can never introduce a
/// separator, and checks the result is a plain file name.
fn render_path(
    bp: &Blueprint,
    path: &str,
    ctx: &serde_json::Value,
) -> std::result::Result<String, String> {
    let mut parts = Vec::new();
    for component in path.split('/') {
        let rendered = if component.contains("{{") {
            templating::render(&bp.registry, &name_key(component), ctx)?
        } else {
            component.to_string()
        };
        check_component(&rendered)
            .map_err(|why| format!("{component:?} renders to {rendered:?}, {why}"))?;
        parts.push(rendered);
    }
    if parts.first().map(String::as_str) == Some(PROVENANCE_DIR) {
        return Err(format!(
            "renders into {PROVENANCE_DIR}/, which is reserved for paved's provenance files"
        ));
    }
    Ok(parts.join("/"))
}

fn check_component(name: &str) -> std::result::Result<(), &'static str> {
    if name.is_empty() {
        return Err("an empty name");
    }
    if name == "." || name == ".." {
        return Err("which would leave its directory");
    }
    if name.contains('/') || name.contains('\\') {
        return Err("which contains a path separator");
    }
    if name.chars().any(|c| c.is_control()) {
        return Err("which contains a control character");
    }
    if name.eq_ignore_ascii_case(".git") {
        return Err("which would write into .git/");
    }
    if name.len() > 255 {
        return Err("which is longer than 255 bytes");
    }
    Ok(())
}
