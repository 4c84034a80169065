//! The service as a library: `app::app` builds the HTTP application, `cli::run` is
//! what the binary calls.
//!
//! Add your own modules here; `routes.rs` is where new endpoints go.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod cors;
pub mod healthcheck;
pub mod limits;
pub mod probes;
pub mod routes;
pub mod server;
pub mod telemetry;
