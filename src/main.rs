use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = paved::cli::Cli::parse();
    match paved::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
