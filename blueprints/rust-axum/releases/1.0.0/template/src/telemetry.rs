//! Structured logs: one JSON object per line on standard output.
//!
//! `RUST_LOG` sets the level (`error`, `warn`, `info` (default), `debug`, `trace`).
//! Nothing in this service logs request headers, tokens or keys; keep it that way.

use tracing::level_filters::LevelFilter;

pub fn init() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|value| value.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    // A second initialisation (tests) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_max_level(level)
        .with_writer(std::io::stdout)
        .try_init();
}
