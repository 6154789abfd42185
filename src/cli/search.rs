//! `vignette search` and `vignette similar`: ranked paths with scores, as text or JSON lines.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use vignette::config::Config;
use vignette::search::{Hit, SearchOptions, Searcher, Term, TermKind};

use super::filters::FilterArgs;

/// Rank indexed photos by a prompt. Terms combine: "2:golden retriever" + ./pool.jpg - "people"
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The prompt; `+`/`-` join weighted (`N:`) text or photo terms
    pub query: String,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Rank indexed photos by similarity to a photo
#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// A photo (indexed or not)
    pub photo: PathBuf,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Number of results
    #[arg(short = 'k', long = "top", default_value_t = 20)]
    pub k: usize,
    /// Hide results scoring below this (cosine similarity, -1..1)
    #[arg(long, default_value_t = f32::NEG_INFINITY, allow_negative_numbers = true)]
    pub min_score: f32,
    /// One JSON object per line: path, score, date, width, height, orientation, group, duplicates
    #[arg(long)]
    pub json: bool,
}

impl OutputArgs {
    fn options(&self) -> SearchOptions {
        SearchOptions {
            k: self.k,
            min_score: self.min_score,
        }
    }
}

pub fn run(config: Config, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let refine = args.filters.refine()?;
    let mut s = Searcher::new(super::engine(config)?)?;
    warn_if_empty(&s);
    print(
        &s.search_refined(&args.query, args.out.options(), &refine)?,
        args.out.json,
    )
}

pub fn run_similar(config: Config, args: &SimilarArgs) -> anyhow::Result<ExitCode> {
    let refine = args.filters.refine()?;
    let mut s = Searcher::new(super::engine(config)?)?;
    warn_if_empty(&s);
    let photo = std::fs::canonicalize(&args.photo).unwrap_or_else(|_| args.photo.clone());
    let term = Term {
        kind: TermKind::Image(photo),
        weight: 1.0,
    };
    print(
        &s.search_terms_refined(&[term], args.out.options(), &refine)?,
        args.out.json,
    )
}

fn warn_if_empty(s: &Searcher) {
    if s.is_empty() {
        log::warn!("the index is empty: run `vignette index FOLDER...` first");
    }
}

fn print(hits: &[Hit], json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for h in hits {
        if json {
            writeln!(out, "{}", super::filters::hit_json(h))?;
        } else if h.duplicates.is_empty() {
            writeln!(out, "{:.4}  {}", h.score, h.path.display())?;
        } else {
            writeln!(
                out,
                "{:.4}  {}  (+{} near-duplicates)",
                h.score,
                h.path.display(),
                h.duplicates.len()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
