//! `vignette models`: list the catalogue and installed packs, install (download), import, remove.
//!
//! A thin shell over `vignette::model::manager`: the progress bar redraws from the manager's events and
//! Ctrl-C cancels through the same token the GUI would use, leaving a resumable download behind.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use vignette::cancel::CancelToken;
use vignette::config::Config;
use vignette::model::manager::{Catalogue, EntryState, InstallEvent, Manager};

/// Manage model packs: list, install from the catalogue, import a folder, remove
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Catalogue file to use instead of the built-in one (mirrors, tests)
    #[arg(long, global = true, env = "VIGNETTE_CATALOGUE", value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    #[command(subcommand)]
    pub action: ModelsAction,
}

#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// List downloadable and installed packs
    List,
    /// Download, verify and install a pack from the catalogue (resumes an interrupted download)
    Install {
        /// Catalogue name, as shown by `vignette models list`
        name: String,
    },
    /// Copy a pack folder (with pack.toml and its files) into the data folder
    Import {
        /// Folder containing pack.toml
        dir: PathBuf,
    },
    /// Remove an installed pack
    Remove {
        /// Installed pack name
        name: String,
    },
}

pub fn run(config: Config, args: &ModelsArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let catalogue = match &args.catalogue {
        Some(p) => Catalogue::load(p)?,
        None => Catalogue::builtin()?,
    };
    let manager = Manager::new(config.packs_dir(), catalogue);
    match &args.action {
        ModelsAction::List => list(&manager),
        ModelsAction::Install { name } => install(&manager, name, quiet),
        ModelsAction::Import { dir } => {
            let to = manager
                .import(dir)
                .with_context(|| format!("cannot import {}", dir.display()))?;
            outln!("imported into {}", to.display())?;
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Remove { name } => {
            manager.remove(name)?;
            outln!("removed {name}")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(manager: &Manager) -> anyhow::Result<ExitCode> {
    outln!("catalogue:")?;
    for e in &manager.catalogue().packs {
        let state = match manager.state(e) {
            EntryState::Installed => "installed".to_owned(),
            EntryState::Partial(n) => format!("partly downloaded ({})", vignette::bytes::human_size(n)),
            EntryState::Available => format!("{} to download", vignette::bytes::human_size(e.total_bytes())),
            EntryState::Unverified => "not installable: files not pinned".to_owned(),
        };
        outln!("  {:<32} {state}", e.name)?;
        outln!("  {:<32} {}", "", e.title)?;
        let nc = if e.non_commercial {
            " (NON-COMMERCIAL USE ONLY)"
        } else {
            ""
        };
        outln!("  {:<32} licence: {}{nc}", "", e.licence)?;
    }
    outln!("installed in {}:", manager.packs_dir().display())?;
    let installed = manager.installed()?;
    if installed.is_empty() {
        outln!("  (none)")?;
    }
    for p in installed {
        match &p.pack {
            Ok(pack) => outln!("  {:<32} {} ({})", p.name, pack.manifest.title, pack.manifest.licence)?,
            Err(e) => outln!("  {:<32} broken: {e}", p.name)?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn install(manager: &Manager, name: &str, quiet: bool) -> anyhow::Result<ExitCode> {
    let cancel = CancelToken::new();
    // Ctrl-C keeps the .part files: the next install resumes.
    super::progress::on_ctrl_c(&cancel);
    let bar = super::progress::progress_bar(
        quiet,
        "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    );
    let on_event = |e: InstallEvent| match e {
        InstallEvent::Started { total_bytes, .. } => bar.set_length(total_bytes),
        InstallEvent::File { path, resumed_from, .. } => {
            if resumed_from > 0 {
                bar.println(format!("resuming {path} from byte {resumed_from}"));
            }
            bar.set_message(path);
        }
        InstallEvent::Progress { done_bytes, .. } => bar.set_position(done_bytes),
        InstallEvent::Installed { .. } => bar.finish_and_clear(),
    };
    match manager.install(name, &on_event, &cancel) {
        Ok(dir) => {
            outln!("installed {name} into {}", dir.display())?;
            outln!("use it with --pack {name}")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(vignette::Error::Cancelled) => {
            bar.abandon();
            eprintln!("cancelled; run the same command again to resume");
            Ok(ExitCode::from(130))
        }
        Err(e) => {
            bar.abandon();
            Err(e).with_context(|| format!("cannot install {name}"))
        }
    }
}
