//! `vignette index`: index photo folders with a progress bar and a closing summary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use vignette::config::Config;
use vignette::engine::Engine;
use vignette::jobs::{IndexRequest, IndexSummary, run_index};

/// Index photo folders (recursively); with no folder, re-scan the folders indexed before
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Folders or photos to index
    pub paths: Vec<PathBuf>,
    /// Keep photos under these folders in the index even if they are gone from disk
    #[arg(long)]
    pub no_prune: bool,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(config: Config, args: &IndexArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let engine = super::engine(config)?;
    let roots = if args.paths.is_empty() {
        let f = engine.index()?.folders()?;
        anyhow::ensure!(!f.is_empty(), "no folders indexed yet; run `vignette index FOLDER...`");
        f
    } else {
        args.paths
            .iter()
            .map(|p| std::fs::canonicalize(p).with_context(|| format!("cannot open {}", p.display())))
            .collect::<anyhow::Result<_>>()?
    };
    let req = IndexRequest {
        roots,
        remember_folders: true,
        prune: !args.no_prune,
    };
    let summary = index_with_progress(&engine, &req, quiet)?;
    if args.json {
        outln!("{}", serde_json::to_string(&summary)?)?;
    } else if !quiet {
        print_summary(&summary)?;
    }
    Ok(if summary.cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

/// Run an indexing job with a terminal progress bar; Ctrl-C cancels between batches.
pub(crate) fn index_with_progress(
    engine: &Arc<Engine>,
    req: &IndexRequest,
    quiet: bool,
) -> anyhow::Result<IndexSummary> {
    super::progress::with_progress(quiet, |emit, cancel| run_index(engine, req, emit, cancel))
        .context("indexing failed")
}

fn print_summary(s: &IndexSummary) -> std::io::Result<()> {
    let rate = |n: usize, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    outln!(
        "indexed {}, reused {} (moved or copied), unchanged {}, removed {}, skipped {} (+{} skipped before) in {:.1} s",
        s.indexed,
        s.reused,
        s.unchanged,
        s.removed,
        s.skipped.len(),
        s.previously_skipped,
        s.seconds
    )?;
    if s.indexed > 0 {
        outln!(
            "throughput: {:.1} photos/s end to end, {:.1} photos/s in the image encoder ({})",
            rate(s.indexed + s.reused, s.seconds),
            rate(s.indexed, s.encoder_seconds),
            s.provider
        )?;
    }
    for (path, reason) in &s.skipped {
        outln!("skipped {}: {reason}", path.display())?;
    }
    Ok(())
}
