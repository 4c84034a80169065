//! The parsers live in the `paved-parse` crate (below the domain model and the rules,
//! so they cannot depend on either); re-exported here for the library's users
//! (fuzz targets, benchmarks).

pub use paved_parse::{dockerfile, files, hcl, yaml};
