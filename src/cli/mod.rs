//! Command line: one file per subcommand; the clap doc comments are the `--help` text.
//!
//! With no subcommand the desktop app opens (when built with the `gui` feature). Every subcommand resolves
//! the same [`Config`] the GUI uses, so `--data-dir` and `--pack` mean the same thing everywhere.
//!
//! Output goes through [`outln!`], never `println!`: it returns the write error, so a closed pipe
//! (`vignette search ... | head -1`) ends the command through `?` and `main` treats it as success instead
//! of the panic `println!` would raise. A cancelled job ([`vignette::Error::Cancelled`], Ctrl-C) exits 130
//! from every subcommand.

/// `println!` for command output: returns `std::io::Result<()>` so a broken pipe can end the command.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

mod eval;
mod filters;
mod illustrate;
mod index;
mod info;
mod models;
mod picks;
mod progress;
mod search;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use vignette::config::Config;
use vignette::model::runtime::Provider;

/// Find illustrations in your own photos by describing them.
#[derive(Debug, Parser)]
#[command(name = "vignette", version, about, long_about = None)]
pub struct Args {
    /// Folder for the index, thumbnails, model packs and caches
    #[arg(long, global = true, env = "VIGNETTE_DATA_DIR", value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Model pack: an installed pack's name or a pack folder
    #[arg(long, global = true, env = "VIGNETTE_PACK", value_name = "NAME|DIR")]
    pub pack: Option<String>,
    /// Execution provider: auto, cpu, cuda, tensorrt, coreml, directml
    #[arg(long, global = true, default_value = "auto")]
    pub provider: Provider,
    /// Threads for decoding and inference (0: all cores)
    #[arg(long, global = true, default_value_t = 0)]
    pub threads: usize,
    /// More log output (-v, -vv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Index(index::IndexArgs),
    Search(search::SearchArgs),
    Similar(search::SimilarArgs),
    Illustrate(illustrate::IllustrateArgs),
    Eval(eval::EvalArgs),
    Info(info::InfoArgs),
    Train(train::TrainArgs),
    Models(models::ModelsArgs),
    Picks(picks::PicksArgs),
}

impl Args {
    fn config(&self) -> anyhow::Result<Config> {
        let mut c = Config::new(self.data_dir.clone())?;
        if let Some(p) = &self.pack {
            c.pack.clone_from(p);
        }
        c.provider = self.provider;
        c.threads = self.threads;
        Ok(c)
    }
}

/// Run the parsed command line.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    match &args.command {
        Some(Command::Index(a)) => index::run(config, a, args.quiet),
        Some(Command::Search(a)) => search::run(config, a),
        Some(Command::Similar(a)) => search::run_similar(config, a),
        Some(Command::Illustrate(a)) => illustrate::run(config, a),
        Some(Command::Eval(a)) => eval::run(config, a, args.quiet),
        Some(Command::Info(a)) => info::run(config, a),
        Some(Command::Train(a)) => train::run(config, a, args.quiet),
        Some(Command::Models(a)) => models::run(config, a, args.quiet),
        Some(Command::Picks(a)) => picks::run(&config, a),
        None => open_gui(config),
    }
}

#[cfg(feature = "gui")]
fn open_gui(config: Config) -> anyhow::Result<ExitCode> {
    vignette::gui::run(config).context("the desktop app failed")?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "gui"))]
fn open_gui(_config: Config) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this build has no desktop app (built without the `gui` feature); see `vignette --help`")
}

/// Open the engine for `config` with a helpful context.
pub(crate) fn engine(config: Config) -> anyhow::Result<std::sync::Arc<vignette::engine::Engine>> {
    let e = vignette::engine::Engine::open(config).context("cannot open the model pack")?;
    Ok(std::sync::Arc::new(e))
}
