//! The blueprint engine behind `paved new`: load a blueprint, resolve answers,
//! render in memory, write atomically, record provenance.
//!
//! Data flows one way: `source` → `model` (+ `manifest`) → `answers` → `render` →
//! `provenance` → `write`.

mod answer_match;
pub mod answers;
pub mod check;
pub mod check_tree;
pub mod cidr;
pub mod compose;
pub mod composition;
pub mod conformance;
pub mod digest;
mod direct;
pub mod error;
pub mod flatten;
pub mod fuzzing;
mod glob_match;
pub mod layer;
pub mod lazy;
pub mod limits;
pub mod manifest;
pub mod model;
pub mod nesting;
mod pieces;
pub mod prompt;
pub mod provenance;
pub mod releases;
pub mod render;
mod shared;
pub mod source;
pub mod templating;
#[cfg(test)]
mod test_rng;
pub mod value;
pub mod versions;
pub mod write;

pub use answers::{Answers, AnswersFile, Inputs};
pub use compose::flattened;
pub use error::BlueprintError;
pub use manifest::{Manifest, Ownership};
pub use model::Blueprint;
pub use render::{RenderedFile, RenderedTree};
pub use source::Catalog;

/// Renders `bp` with `answers` and adds the provenance file: the complete tree
/// `paved new` writes, and what `paved drift` compares against.
///
/// A name no variable declares is refused even where the answers skip it: strict
/// rendering would only catch it for other answers, after the blueprint shipped.
///
/// A built-in blueprint is not checked again here: the test suite finds no such
/// name in any of them (`source::tests::embedded_hashes_match_runtime`), and the
/// check would compile every template body the render may not need.
pub fn generate(bp: &Blueprint, answers: &Answers) -> Result<RenderedTree, BlueprintError> {
    let checked = if bp.is_built_in() {
        Vec::new()
    } else {
        check::undeclared(bp)
    };
    if let Some(first) = checked.into_iter().next() {
        return Err(BlueprintError::invalid(
            first.file,
            first.line,
            first.message,
        ));
    }
    let mut tree = render::render(bp, answers)?;
    provenance::attach(bp, answers, &mut tree);
    Ok(tree)
}
