//! `vignette index`: index photo folders with a progress bar and a closing summary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vignette::config::Config;
use vignette::engine::Engine;
use vignette::jobs::{CancelToken, IndexRequest, IndexSummary, JobEvent, run_index};

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
        println!("{}", serde_json::to_string(&summary)?);
    } else if !quiet {
        print_summary(&summary);
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
    with_progress(quiet, |emit, cancel| run_index(engine, req, emit, cancel)).context("indexing failed")
}

/// Run `job` (which indexes, reporting through `emit`) under a terminal progress bar; Ctrl-C cancels.
pub(crate) fn with_progress<T>(
    quiet: bool,
    job: impl FnOnce(&dyn Fn(JobEvent), &CancelToken) -> vignette::Result<T>,
) -> anyhow::Result<T> {
    let cancel = CancelToken::new();
    on_ctrl_c(&cancel);
    let bar = progress_bar(quiet, "{spinner} {msg} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}");
    bar.set_message("scanning");
    let emit = |e: JobEvent| match e {
        JobEvent::Started { total } => {
            bar.set_length(total as u64);
            bar.set_message("indexing");
        }
        JobEvent::Progress { done, .. } => bar.set_position(done as u64),
        JobEvent::Skipped { path, reason } => bar.suspend(|| log::warn!("skipped {}: {reason}", path.display())),
        JobEvent::Note(n) => bar.suspend(|| log::info!("{n}")),
        JobEvent::Finished(_) | JobEvent::Cancelled(_) | JobEvent::Failed(_) => bar.finish_and_clear(),
    };
    let out = job(&emit, &cancel);
    bar.finish_and_clear();
    Ok(out?)
}

/// A terminal progress bar with `template` (hidden when `quiet`).
pub(crate) fn progress_bar(quiet: bool, template: &str) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Make Ctrl-C cancel `token` (the handler is installed once and cancels the newest token).
pub(crate) fn on_ctrl_c(token: &CancelToken) {
    static CURRENT: std::sync::Mutex<Option<CancelToken>> = std::sync::Mutex::new(None);
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    if let Ok(mut c) = CURRENT.lock() {
        *c = Some(token.clone());
    }
    INSTALLED.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            if let Some(t) = CURRENT.lock().ok().and_then(|c| c.clone()) {
                t.cancel();
            }
        });
        if let Err(e) = installed {
            log::warn!("Ctrl-C will not cancel cleanly: {e}");
        }
    });
}

fn print_summary(s: &IndexSummary) {
    let rate = |n: usize, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    println!(
        "indexed {}, reused {} (moved or copied), unchanged {}, removed {}, skipped {} (+{} skipped before) in {:.1} s",
        s.indexed,
        s.reused,
        s.unchanged,
        s.removed,
        s.skipped.len(),
        s.previously_skipped,
        s.seconds
    );
    if s.indexed > 0 {
        println!(
            "throughput: {:.1} photos/s end to end, {:.1} photos/s in the image encoder ({})",
            rate(s.indexed + s.reused, s.seconds),
            rate(s.indexed, s.encoder_seconds),
            s.provider
        );
    }
    for (path, reason) in &s.skipped {
        println!("skipped {}: {reason}", path.display());
    }
}
