//! `vignette eval`: index a captioned set and report retrieval quality in both directions.
//!
//! Protocol (see the flickr8k-1k README): each caption ranks all evaluated images, a hit is its own image;
//! an image's rank is the best among its captions. With `--split`, only the named subset is evaluated.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use vignette::config::Config;
use vignette::jobs::IndexRequest;
use vignette::train::captions;
use vignette::train::metrics::{Recall, RetrievalReport, evaluate, similarity};

/// Measure text-to-image and image-to-text retrieval (R@1/5/10, median and mean rank) on captioned photos
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Caption file (JSONL {"image","caption"} and the other formats `vignette train` reads)
    pub captions: PathBuf,
    /// Split file ({"train": [...], "test": [...]}) choosing which images to evaluate
    #[arg(long)]
    pub split: Option<PathBuf>,
    /// Which subset of the split to evaluate
    #[arg(long, default_value = "test")]
    pub subset: String,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    images: usize,
    captions: usize,
    pack: String,
    zero_shot: RetrievalReport,
}

pub fn run(config: Config, args: &EvalArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let mut set = captions::load(&args.captions).context("cannot read the caption set")?;
    for (p, why) in &set.missing {
        log::warn!("{why}: {}", p.display());
    }
    if let Some(split) = &args.split {
        let split = captions::read_split(split)?;
        let names = split
            .get(&args.subset)
            .with_context(|| format!("the split file has no {:?} subset", args.subset))?;
        set.retain_names(names);
    }
    anyhow::ensure!(
        !set.pairs.is_empty(),
        "no captioned images to evaluate in {}",
        args.captions.display()
    );
    let engine = super::engine(config)?;
    let images = set.images();
    let req = IndexRequest {
        roots: images.clone(),
        remember_folders: false,
        prune: false,
    };
    super::index::index_with_progress(&engine, &req, quiet)?;

    let stored = engine.index()?.features_for(&images)?;
    let mut row_of: HashMap<PathBuf, usize> = HashMap::new();
    let mut image_vecs = Vec::new();
    for (p, v) in images.iter().zip(&stored) {
        match v {
            Some((_, search)) => {
                row_of.insert(p.clone(), row_of.len());
                image_vecs.extend_from_slice(search);
            }
            None => log::warn!("not indexed, left out of the evaluation: {}", p.display()),
        }
    }
    let pairs: Vec<_> = set.pairs.iter().filter(|p| row_of.contains_key(&p.image)).collect();
    let texts: Vec<&str> = pairs.iter().map(|p| p.caption.as_str()).collect();
    let caption_image: Vec<usize> = pairs.iter().map(|p| row_of[&p.image]).collect();
    let text_vecs = engine.text_encoder()?.encode(&texts)?;
    let d = engine.pack.search_dim();
    let sim = similarity(&text_vecs, &image_vecs, d);
    let report = Report {
        images: row_of.len(),
        captions: texts.len(),
        pack: engine.pack.manifest.name.clone(),
        zero_shot: evaluate(&sim, row_of.len(), &caption_image),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} images, {} captions, pack {}",
            report.images, report.captions, report.pack
        );
        print_table(&[("zero-shot", &report.zero_shot)]);
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn print_table(rows: &[(&str, &RetrievalReport)]) {
    println!(
        "{:<12} {:<14} {:>6} {:>6} {:>6} {:>7} {:>8}",
        "model", "direction", "R@1", "R@5", "R@10", "median", "mean"
    );
    for (name, r) in rows {
        let line = |dir: &str, x: &Recall| {
            println!(
                "{name:<12} {dir:<14} {:>6.1} {:>6.1} {:>6.1} {:>7.0} {:>8.1}",
                x.r1, x.r5, x.r10, x.median_rank, x.mean_rank
            );
        };
        line("text→image", &r.text_to_image);
        line("image→text", &r.image_to_text);
    }
}
