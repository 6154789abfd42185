//! The `vignette` binary: parse the command line, set up logging, dispatch to a subcommand or the GUI.
//!
//! `main` only turns `run`'s result into an exit code: errors print as `vignette: {err:#}` (the whole
//! context chain on one line) and exit 1; a cancelled job (Ctrl-C) exits 130 from every subcommand, as
//! shells expect of an interrupted program; a closed pipe (`vignette search ... | head`) counts as
//! success and prints nothing, like ripgrep.

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
        Err(err) => exit_code(&err),
    }
}

/// The exit code for an error that ended a command, after printing it when it is one.
fn exit_code(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = |e: &(dyn std::error::Error + 'static)| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    };
    let cancelled = |e: &(dyn std::error::Error + 'static)| {
        matches!(e.downcast_ref::<vignette::Error>(), Some(vignette::Error::Cancelled))
    };
    if err.chain().any(broken_pipe) {
        ExitCode::SUCCESS
    } else if err.chain().any(cancelled) {
        eprintln!("vignette: cancelled");
        ExitCode::from(130)
    } else {
        eprintln!("vignette: {err:#}");
        ExitCode::FAILURE
    }
}
