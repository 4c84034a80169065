//! Command line: no argument serves HTTP, `healthcheck` probes a running instance.

use std::process::ExitCode;

use crate::config::Config;

const USAGE: &str = "usage: SERVICE [healthcheck]

  (no argument)  serve HTTP; configuration comes from the environment (see README.md)
  healthcheck    GET http://127.0.0.1:$PORT/healthz; exit 0 when it answers 200, 1 otherwise";

/// Runs the command named by `args` (the arguments after the program name) and
/// returns the process exit code: 0 success, 1 failure, 2 usage error.
pub fn run(args: Vec<String>) -> ExitCode {
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => serve(),
        ["healthcheck"] => healthcheck(),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["-V" | "--version"] => {
            println!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn serve() -> ExitCode {
    crate::telemetry::init();
    // Fail closed: without a complete authentication configuration the service
    // refuses to start rather than serving unauthenticated.
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(error = %err, "invalid configuration, refusing to start");
            eprintln!("{}: configuration error: {err}", env!("CARGO_PKG_NAME"));
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!(
                "{}: cannot start the runtime: {err}",
                env!("CARGO_PKG_NAME")
            );
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(crate::server::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "server failed");
            eprintln!("{}: {err}", env!("CARGO_PKG_NAME"));
            ExitCode::FAILURE
        }
    }
}

fn healthcheck() -> ExitCode {
    let port = match crate::config::port_from_env() {
        Ok(port) => port,
        Err(err) => {
            eprintln!("healthcheck: {err}");
            return ExitCode::FAILURE;
        }
    };
    match crate::healthcheck::probe(port) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("healthcheck: {err}");
            ExitCode::FAILURE
        }
    }
}
