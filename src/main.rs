use std::process::ExitCode;

use clap::Parser;

/// An audit allocates and frees many small strings, vectors and parse-tree nodes per
/// file on every thread; mimalloc serves those from per-thread pages, where glibc
/// malloc spent about a quarter of the native profile (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_reserve` in mimalloc 3's `mi_option_t` (libmimalloc-sys names only
/// the older options); `allocator_options_are_the_ones_meant` pins the number.
const MI_OPTION_ARENA_RESERVE: libmimalloc_sys::mi_option_t = 23;
/// First arena reservation, in KiB. mimalloc's default, 1 GiB, costs a short run such as
/// `paved new` (peak heap a few MiB) about 2 ms of kernel time in page-table and
/// memory-cgroup work; later arenas grow as needed. Transparent huge pages are off
/// (the `no_thp` feature) because zeroing 2 MiB pages was a fifth of `paved new`.
const ARENA_RESERVE_KIB: std::os::raw::c_long = 4 * 1024;
/// `mi_option_destroy_on_exit`, between `mi_option_max_segment_reclaim` (21) and
/// `mi_option_arena_reserve` (23); `allocator_options_are_the_ones_meant` pins both.
const MI_OPTION_DESTROY_ON_EXIT: libmimalloc_sys::mi_option_t = 22;
/// Above 1, mimalloc skips its exit-time cleanup (`_mi_auto_process_done` returns at
/// once). That cleanup collected and purged every heap as the process ended: 10–15
/// `madvise` calls on the main thread after the report was written, each a TLB
/// shoot-down with the pool's threads still alive. The kernel frees it all anyway.
const SKIP_CLEANUP_ON_EXIT: std::os::raw::c_long = 2;

fn main() -> ExitCode {
    // SAFETY: sets a plain integer option before any other thread exists; an
    // explicit MIMALLOC_ARENA_RESERVE in the environment still wins.
    unsafe {
        libmimalloc_sys::mi_option_set_default(MI_OPTION_ARENA_RESERVE, ARENA_RESERVE_KIB);
        libmimalloc_sys::mi_option_set_default(MI_OPTION_DESTROY_ON_EXIT, SKIP_CLEANUP_ON_EXIT);
    }
    // SAFETY: before tree-sitter allocates anything, so all it frees came from these
    // functions, which have the C signatures it asks for. The auth analysis parses a
    // service's Python or TypeScript sources with tree-sitter, on several threads:
    // with glibc's malloc that was ~6 M instructions of a python-fastapi audit, and
    // an arena per thread.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(libmimalloc_sys::mi_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocator_options_are_the_ones_meant() {
        // Option 21 is the deprecated segment-reclaim percentage (default 10), so
        // 22, between it and the arena reservation, is `destroy_on_exit`.
        if std::env::var_os("MIMALLOC_MAX_SEGMENT_RECLAIM").is_none() {
            let value = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_DESTROY_ON_EXIT - 1) };
            assert_eq!(value, 10);
        }
        // Option 23 must be the arena reservation: its default is 1 GiB, in KiB, which
        // no neighbouring option shares.
        if std::env::var_os("MIMALLOC_ARENA_RESERVE").is_none() {
            let value = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_ARENA_RESERVE) };
            assert!(
                value == 1024 * 1024 || value == ARENA_RESERVE_KIB,
                "{value}"
            );
        }
    }
}
