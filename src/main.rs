use std::process::ExitCode;

use clap::Parser;

/// An audit allocates and frees many small strings, vectors and parse-tree nodes per
/// file on every thread; mimalloc serves those from per-thread pages, where glibc
/// malloc spent about a quarter of the native profile (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = paved::cli::Cli::parse();
    match paved::commands::run(cli) {
        Ok(code) => code,
        // The reader went away (`paved list | head`): what it wanted was printed, so
        // stop quietly, as `cat` would, instead of reporting an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
