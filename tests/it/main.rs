//! The integration tests: one binary (one link, one run), one module per area, each
//! running the real `paved` binary or the library's public API.
//!
//! The slow end-to-end tests (building a generated service, running third-party
//! scanners on it) are a separate binary, `tests/e2e`, run by `scripts/test`.

#[path = "../common/mod.rs"]
mod common;

mod blueprint_fuzz;
mod blueprint_rust_axum_claims;
mod cli_drift;
mod cli_drift_docs;
mod cli_drift_engine;
mod cli_hostile;
mod cli_interactive;
mod cli_layers;
mod cli_list_check;
mod cli_new;
mod cli_update;
mod conformance;
mod drift_generated;
mod fuzz;
mod layering;
mod layers_move;
mod rule_fixtures;
mod severity_rubric;
mod typescript_fastify;
