//! The `vignette` binary: parse the command line, set up logging, dispatch to a subcommand or the GUI.
//!
//! `main` only turns `run`'s result into an exit code: errors print as `vignette: {err:#}` (the whole
//! context chain on one line) and a closed pipe (`vignette search ... | head`) counts as success.

use std::process::ExitCode;

use clap::Parser;

mod cli;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let level = match (args.quiet, args.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    env_logger::Builder::from_env(env_logger::Env::default().filter_or("VIGNETTE_LOG", level))
        .format_target(false)
        .init();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("vignette: {err:#}");
            ExitCode::FAILURE
        }
    }
}
