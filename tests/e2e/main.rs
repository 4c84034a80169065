//! Slow end-to-end tests: they generate a service, build it with cargo and drive it
//! over loopback, or run the third-party scanners (checkov, zizmor, hadolint,
//! actionlint) on it. Each is `#[ignore]`d so that `cargo test` stays fast;
//! `scripts/test` (and so CI) runs them with `cargo test --test e2e -- --ignored`.

#[path = "../common/mod.rs"]
mod common;
mod service_support;

mod python_fastapi_scanners;
mod python_fastapi_service;
mod rust_axum_scanners;
mod rust_axum_service;
mod token_battery;
mod typescript_fastify_scanners;
mod typescript_fastify_service;
mod update_rust_axum;
