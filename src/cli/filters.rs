//! The filter, order and grouping options shared by `vignette search` and `vignette similar`, and the
//! JSON shape of a hit (also used by `vignette illustrate`).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use vignette::library::dates;
use vignette::search::Hit;
use vignette::search::filter::{Filters, Orientation, Refine, SortBy};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrientationArg {
    Landscape,
    Portrait,
    /// Sides within 5% of each other
    Square,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Best match first
    Relevance,
    /// Newest date taken first
    Date,
    /// Oldest date taken first
    Oldest,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only photos of this shape (upright)
    #[arg(long, value_enum)]
    pub orientation: Option<OrientationArg>,
    /// Only photos with at least this many pixels on the longer side
    #[arg(long, value_name = "PX", default_value_t = 0)]
    pub min_px: u32,
    /// Only photos under this folder (repeat for several)
    #[arg(long = "folder", value_name = "DIR")]
    pub folders: Vec<PathBuf>,
    /// Only photos taken on or after this day, YYYY-MM-DD (EXIF date, else the file's time)
    #[arg(long, value_name = "DATE", value_parser = parse_from)]
    pub from: Option<i64>,
    /// Only photos taken on or before this day, YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = parse_to)]
    pub to: Option<i64>,
    /// Order of the results; `date` sorts the matches that pass the filters and --min-score
    #[arg(long, value_enum, default_value = "relevance")]
    pub sort: SortArg,
    /// One result per group of near-duplicates (copies, bursts, edits), with the group's size
    #[arg(long)]
    pub collapse: bool,
}

fn parse_from(s: &str) -> Result<i64, String> {
    dates::parse_day(s)
}

/// The last second of the day, so `--to 2023-06-30` includes that day.
fn parse_to(s: &str) -> Result<i64, String> {
    dates::parse_day(s).map(|t| t + 86_399)
}

impl FilterArgs {
    /// The core's filters; folders must exist (they are compared as canonical paths, as indexed).
    pub fn refine(&self) -> anyhow::Result<Refine> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            anyhow::bail!("--from is after --to: no photo can match");
        }
        let folders = self
            .folders
            .iter()
            .map(|f| std::fs::canonicalize(f).with_context(|| format!("--folder {}", f.display())))
            .collect::<anyhow::Result<_>>()?;
        Ok(Refine {
            filters: Filters {
                orientation: self.orientation.map(|o| match o {
                    OrientationArg::Landscape => Orientation::Landscape,
                    OrientationArg::Portrait => Orientation::Portrait,
                    OrientationArg::Square => Orientation::Square,
                }),
                min_long_side: self.min_px,
                folders,
                from: self.from,
                to: self.to,
            },
            sort: match self.sort {
                SortArg::Relevance => SortBy::Relevance,
                SortArg::Date => SortBy::NewestFirst,
                SortArg::Oldest => SortBy::OldestFirst,
            },
            collapse: self.collapse,
        })
    }
}

/// A hit as JSON: path, score, date taken (ISO 8601, wall clock), upright size, orientation, and the
/// size of its near-duplicate group with the other members' paths.
pub fn hit_json(h: &Hit) -> serde_json::Value {
    serde_json::json!({
        "path": h.path.to_string_lossy(),
        "score": h.score,
        "date": dates::iso(h.taken_at),
        "width": h.width,
        "height": h.height,
        "orientation": Orientation::of(h.width, h.height).name(),
        "group": 1 + h.duplicates.len(),
        "duplicates": h.duplicates.iter().map(|d| d.path.to_string_lossy()).collect::<Vec<_>>(),
    })
}
