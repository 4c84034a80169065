//! paved: generate services that are secure by default, and audit repositories for
//! drift from that standard.
//!
//! The binary (`src/main.rs`) is a thin edge over this library: `cli` defines the
//! arguments, `commands` runs them, and the engines live in their own modules.

pub mod blueprint;
pub mod cli;
pub mod commands;
pub mod drift;
pub mod fuzzing;
pub mod guardrails;
pub mod parse;
pub mod report;
pub mod text;
pub mod update;
