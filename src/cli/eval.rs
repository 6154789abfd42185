//! `vignette eval`: index a captioned set and report retrieval quality in both directions.
//!
//! The protocol is the workspace's ([`vignette::workspace::eval`]): each caption ranks all evaluated
//! images, a hit is its own image; an image's rank is the best among its captions. With `--split`, only
//! the named subset is evaluated. When the pack has a trained head, the head alone and the blend are
//! reported beside the zero-shot bridge.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use vignette::config::Config;
use vignette::train::captions::{self, CaptionSet};
use vignette::train::metrics::{Recall, RetrievalReport};
use vignette::workspace::eval::evaluate_set;
use vignette::workspace::notes::Notes;
use vignette::workspace::notes::library_set::library_caption_set;
use vignette::workspace::train::SplitNames;

/// Where captioned photos come from (shared by `eval` and `train`).
#[derive(Debug, Args)]
pub struct CaptionArgs {
    /// Caption set: JSONL {"image","caption"}, Karpathy or COCO JSON, Flickr8k captions.txt, CSV/TSV, or a
    /// folder of photos with .txt/.caption sidecars
    #[arg(required_unless_present = "library")]
    pub captions: Option<PathBuf>,
    /// Use the captions typed in the app (kept in the data folder) instead of a caption file
    #[arg(long, conflicts_with_all = ["captions", "images"])]
    pub library: bool,
    /// With --library: also use the prompts you picked photos for (see `vignette picks list`)
    #[arg(long)]
    pub with_picked: bool,
    /// Folder of the images (COCO layouts), when not next to the caption file
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// Split file ({"train": [...], "test": [...]})
    #[arg(long)]
    pub split: Option<PathBuf>,
}

impl CaptionArgs {
    /// The caption set, limited to `subset` of the split when one is given.
    pub(crate) fn load(&self, config: &Config, subset: &str) -> anyhow::Result<CaptionSet> {
        limit_to_subset(self.read(config)?, self.split.as_deref(), subset)
    }

    /// The whole caption set, and the split's `train` and `test` subsets when a split file is given.
    pub(crate) fn load_with_split(&self, config: &Config) -> anyhow::Result<(CaptionSet, Option<SplitNames>)> {
        let set = limit_to_subset(self.read(config)?, None, "")?;
        let Some(path) = &self.split else {
            return Ok((set, None));
        };
        let mut split = captions::read_split(path)?;
        let mut take = |subset: &str| {
            split
                .remove(subset)
                .with_context(|| format!("the split file has no {subset:?} subset: {}", path.display()))
        };
        Ok((set, Some((take("train")?, take("test")?))))
    }

    /// The caption file, or the library's own captions with `--library`.
    fn read(&self, config: &Config) -> anyhow::Result<CaptionSet> {
        anyhow::ensure!(
            self.library || !self.with_picked,
            "--with-picked goes with --library (the picked prompts are the library's)"
        );
        match &self.captions {
            Some(file) if !self.library => {
                captions::load_with_images(file, self.images.as_deref()).context("cannot read the caption set")
            }
            _ => {
                let notes = Notes::open(&config.data_dir)?;
                Ok(library_caption_set(&notes, self.with_picked)?)
            }
        }
    }
}

/// Measure text-to-image and image-to-text retrieval (R@1/5/10, median and mean rank) on captioned photos
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub set: CaptionArgs,
    /// Which subset of the split to evaluate
    #[arg(long, default_value = "test")]
    pub subset: String,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// Keep only `subset` of `split` when given; an empty set is an error.
fn limit_to_subset(mut set: CaptionSet, split: Option<&std::path::Path>, subset: &str) -> anyhow::Result<CaptionSet> {
    if let Some(split) = split {
        let split = captions::read_split(split)?;
        let names = split
            .get(subset)
            .with_context(|| format!("the split file has no {subset:?} subset"))?;
        set.retain_names(names);
    }
    anyhow::ensure!(!set.pairs.is_empty(), "no captioned images in {}", set.source.display());
    Ok(set)
}

pub fn run(config: Config, args: &EvalArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = args.set.load(&config, &args.subset)?;
    let engine = super::engine(config)?;
    let report = super::progress::with_progress(quiet, |emit, cancel| evaluate_set(&engine, &set, emit, cancel))?;
    for (path, why) in &report.left_out {
        log::warn!("left out {}: {why}", path.display());
    }
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        outln!(
            "{} images, {} captions, pack {}",
            report.images,
            report.captions,
            report.pack
        )?;
        let mut rows = vec![("zero-shot", &report.zero_shot)];
        if let Some(h) = &report.head {
            outln!(
                "trained head {:?}, blend weight {:.2}, mean domain gate {:.2}",
                h.name,
                h.blend_weight,
                h.mean_gate
            )?;
            rows.push(("head", &h.head));
            rows.push(("blend", &h.blend));
        }
        print_table(&rows)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn print_table(rows: &[(&str, &RetrievalReport)]) -> std::io::Result<()> {
    outln!(
        "{:<12} {:<14} {:>6} {:>6} {:>6} {:>7} {:>8}",
        "model",
        "direction",
        "R@1",
        "R@5",
        "R@10",
        "median",
        "mean"
    )?;
    for (name, r) in rows {
        let line = |dir: &str, x: &Recall| {
            outln!(
                "{name:<12} {dir:<14} {:>6.1} {:>6.1} {:>6.1} {:>7.0} {:>8.1}",
                x.r1,
                x.r5,
                x.r10,
                x.median_rank,
                x.mean_rank
            )
        };
        line("text→image", &r.text_to_image)?;
        line("image→text", &r.image_to_text)?;
    }
    Ok(())
}
