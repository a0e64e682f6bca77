//! The `companin` binary: every command lives in [`cli`].

mod cli;

/// mimalloc: every request allocates and frees small buffers across worker threads, where
/// glibc's allocator showed up as a fifth of the CPU under load (perf, wrk).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
