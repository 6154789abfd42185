//! `vignette illustrate FILE`: candidates for each paragraph (or sentence) of a passage, as text, JSON
//! lines, or a Markdown file with each paragraph followed by its candidates' images.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use vignette::config::Config;
use vignette::search::Searcher;
use vignette::workspace::illustrate::{IllustrateOptions, Illustrated, Unit, illustrate};

use super::filters::{FilterArgs, hit_json};

/// Find pictures for each paragraph of a passage (Markdown or plain text)
#[derive(Debug, Args)]
pub struct IllustrateArgs {
    /// The passage: a Markdown or plain-text file, `-` for standard input
    pub file: PathBuf,
    /// One set of candidates per sentence instead of per paragraph
    #[arg(long)]
    pub sentences: bool,
    /// Candidates per paragraph
    #[arg(short = 'k', long = "top", default_value_t = 3)]
    pub top: usize,
    /// Hide candidates scoring below this (cosine similarity, -1..1)
    #[arg(long, default_value_t = f32::NEG_INFINITY, allow_negative_numbers = true)]
    pub min_score: f32,
    /// One JSON object per paragraph: text, pieces encoded, candidates (as `search --json`)
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Write a Markdown file: each paragraph, then its candidates as images linked relative to the file
    #[arg(long, value_name = "OUT.md")]
    pub markdown: Option<PathBuf>,
    #[command(flatten)]
    pub filters: FilterArgs,
}

pub fn run(config: Config, args: &IllustrateArgs) -> anyhow::Result<ExitCode> {
    let text = read_passage(&args.file)?;
    let opts = IllustrateOptions {
        unit: if args.sentences {
            Unit::Sentences
        } else {
            Unit::Paragraphs
        },
        top: args.top,
        refine: args.filters.refine()?,
        min_score: args.min_score,
    };
    let mut searcher = Searcher::new(super::engine(config)?)?;
    if searcher.is_empty() {
        log::warn!("the index is empty: run `vignette index FOLDER...` first");
    }
    let parts = illustrate(&mut searcher, &text, &opts)?;
    if let Some(out) = &args.markdown {
        let dir = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir =
            std::fs::canonicalize(dir).with_context(|| format!("cannot write {}: no such folder", out.display()))?;
        std::fs::write(out, markdown(&parts, &dir)).with_context(|| format!("cannot write {}", out.display()))?;
        outln!("wrote {} ({} parts)", out.display(), parts.len())?;
    } else if args.json {
        for p in &parts {
            let hits: Vec<_> = p.candidates.iter().map(hit_json).collect();
            let line = serde_json::json!({"text": p.text, "pieces": p.pieces, "candidates": hits});
            outln!("{line}")?;
        }
    } else {
        for (i, p) in parts.iter().enumerate() {
            let short: String = p.text.chars().take(72).collect();
            let more = if short.len() < p.text.len() { "…" } else { "" };
            outln!("{}. {short}{more}", i + 1)?;
            for h in &p.candidates {
                outln!("   {:.4}  {}", h.score, h.path.display())?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_passage(file: &Path) -> anyhow::Result<String> {
    if file == Path::new("-") {
        return std::io::read_to_string(std::io::stdin()).context("cannot read the passage from standard input");
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read the passage {}", file.display()))?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("the passage {} is not UTF-8 text", file.display()))
}

/// The Markdown report: each part as a paragraph, then one line of its candidates' images.
fn markdown(parts: &[Illustrated], dir: &Path) -> String {
    let mut md = String::new();
    for p in parts {
        let _ = writeln!(md, "{}\n", p.text);
        let images: Vec<String> = p
            .candidates
            .iter()
            .map(|h| {
                let name = h.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                let link = relative(dir, &h.path).to_string_lossy().replace('\\', "/");
                format!("![{name}](<{link}> \"score {:.3}\")", h.score)
            })
            .collect();
        if !images.is_empty() {
            let _ = writeln!(md, "{}\n", images.join(" "));
        }
    }
    md
}

/// `to` relative to the folder `from` (both absolute); `to` itself when they share no root.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (a, b): (Vec<Component>, Vec<Component>) = (from.components().collect(), to.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return to.to_path_buf();
    }
    let mut out: PathBuf = std::iter::repeat_n(Component::ParentDir, a.len() - common).collect();
    out.extend(&b[common..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_output_folder() {
        assert_eq!(
            relative(Path::new("/w/book"), Path::new("/w/photos/a b.jpg")),
            Path::new("../photos/a b.jpg")
        );
        assert_eq!(relative(Path::new("/w"), Path::new("/w/p/x.jpg")), Path::new("p/x.jpg"));
    }
}
