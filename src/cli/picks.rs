//! `vignette picks`: the shortlists (and the captions) the desktop app keeps, from a script.
//!
//! Reads and writes the same store as the app (`notes.sqlite` in the data folder), so a list made in the
//! window can be exported here and the other way round. Paths are made absolute and canonical on `add`,
//! as the index stores them, so a pick made here is the same photo the app shows.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use vignette::config::Config;
use vignette::workspace::notes::{Notes, Pick, library_set};
use vignette::workspace::shortlist_export::{ExportOptions, export_shortlist};

/// List, add to, remove from and export the shortlists ("picks")
#[derive(Debug, Args)]
pub struct PicksArgs {
    #[command(subcommand)]
    pub action: PicksAction,
}

#[derive(Debug, Subcommand)]
pub enum PicksAction {
    /// Show every list with its size, or one list's picks with their prompts and scores
    List {
        /// The list to show (all lists when left out)
        #[arg(long)]
        list: Option<String>,
    },
    /// Pin photos to a list (made when missing)
    Add {
        /// The list
        #[arg(long, default_value = "Picks")]
        list: String,
        /// The prompt the photos were found with
        #[arg(long, default_value = "")]
        prompt: String,
        /// Their score for that prompt
        #[arg(long)]
        score: Option<f32>,
        /// Photos to pin
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
    /// Take photos out of a list (the files stay where they are)
    Remove {
        /// The list
        #[arg(long, default_value = "Picks")]
        list: String,
        /// Photos to unpin
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
    /// Export the captions typed in the app: as a JSON Lines file `vignette train` reads, or as `.txt`
    /// files beside the photos (an existing sidecar with other text is left alone)
    Captions {
        /// Write this JSON Lines file (it must not exist yet)
        #[arg(long, value_name = "FILE", required_unless_present = "sidecars")]
        jsonl: Option<PathBuf>,
        /// Write PHOTO.txt beside each captioned photo, one caption a line
        #[arg(long)]
        sidecars: bool,
    },
    /// Copy a list's photos into a folder with a CSV (path, prompt, score, date, pixel size); never
    /// overwrites
    Export {
        /// The list
        #[arg(long, default_value = "Picks")]
        list: String,
        /// Folder to export into (made when missing)
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Resize to this many pixels on the long side (JPEG); the original files when left out
        #[arg(long, value_name = "PX")]
        long_side: Option<u32>,
    },
}

pub fn run(config: &Config, args: &PicksArgs) -> anyhow::Result<ExitCode> {
    let mut notes = Notes::open(&config.data_dir)?;
    match &args.action {
        PicksAction::List { list: None } => {
            for l in notes.shortlists()? {
                outln!("{}\t{} picks", l.name, l.picks.len())?;
            }
        }
        PicksAction::List { list: Some(name) } => {
            let lists = notes.shortlists()?;
            let l = lists
                .iter()
                .find(|l| &l.name == name)
                .with_context(|| format!("there is no list named {name:?}"))?;
            for p in &l.picks {
                let score = p.score.map(|s| format!("{s:.3}")).unwrap_or_default();
                outln!("{}\t{}\t{score}", p.path.display(), p.prompt)?;
            }
        }
        PicksAction::Add {
            list,
            prompt,
            score,
            photos,
        } => {
            let mut added = 0;
            for p in photos {
                let path = std::fs::canonicalize(p).with_context(|| format!("photo not found: {}", p.display()))?;
                added += usize::from(notes.add_pick(list, &Pick::new(path, prompt.as_str(), *score))?);
            }
            outln!("added {added} to {list:?} ({} already there)", photos.len() - added)?;
        }
        PicksAction::Remove { list, photos } => {
            let mut removed = 0;
            for p in photos {
                let path = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                removed += usize::from(notes.remove_pick(list, &path)?);
            }
            outln!("removed {removed} from {list:?}")?;
        }
        PicksAction::Captions { jsonl, sidecars } => {
            if let Some(file) = jsonl {
                let n = library_set::export_jsonl(&notes, file)?;
                outln!("wrote {n} captions to {}", file.display())?;
            }
            if *sidecars {
                let r = library_set::export_sidecars(&notes)?;
                for (p, why) in &r.skipped {
                    eprintln!("vignette: left {} alone: {why}", p.display());
                }
                outln!(
                    "wrote {} sidecar files, left {} alone",
                    r.written.len(),
                    r.skipped.len()
                )?;
            }
        }
        PicksAction::Export { list, to, long_side } => {
            let lists = notes.shortlists()?;
            let l = lists
                .iter()
                .find(|l| &l.name == list)
                .with_context(|| format!("there is no list named {list:?}"))?;
            let report = export_shortlist(&l.picks, to, ExportOptions { long_side: *long_side })?;
            for (p, why) in &report.skipped {
                eprintln!("vignette: skipped {}: {why}", p.display());
            }
            outln!(
                "exported {} of {} to {} with {}",
                report.files.len(),
                l.picks.len(),
                to.display(),
                report.csv.display()
            )?;
            if !report.skipped.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
