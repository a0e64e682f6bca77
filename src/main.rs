//! The `companin` binary: every command lives in [`cli`].

mod cli;

/// mimalloc: every request allocates and frees small buffers across worker threads, where
/// glibc's allocator showed up as a fifth of the CPU under load (perf, wrk).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    companin_inference::after_unload(return_freed_memory);
    cli::main()
}

/// Asks mimalloc to hand freed memory back to the system now. It otherwise does so lazily, as
/// allocation goes on; after the generator was let go, about 130 MB of its 870 MB stayed
/// resident in an idle server that way (docs/benchmarks.md, *The generator loaded only while
/// used*).
fn return_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
