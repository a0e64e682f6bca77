//! The `companin` binary: every command lives in [`companin_api::cli`].

fn main() -> std::process::ExitCode {
    companin_api::cli::main()
}
