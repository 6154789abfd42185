//! Filters a writer sets beside the prompt (orientation, pixel size, folders, date taken) and how the
//! results are ordered and grouped.
//!
//! Filters apply *before* ranking: a row that fails them never enters the top-k, so the first tiles are
//! always usable (filtering after ranking would leave a short or empty page). They are evaluated once
//! per filter setting into a per-row mask ([`Mask`], cached by the searcher while the setting stays the
//! same); ranking then only reads one bool per row, so a filter costs nothing per keystroke and no SQL
//! runs per query.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::index::Facts;

/// How much longer one side may be than the other for a photo to count as square: 5%, so a 1080x1080
/// crop and a 1000x1040 scan are square while 4:3 (33%) and 5:4 (25%) are not.
pub const SQUARE_TOLERANCE: f32 = 0.05;

/// The shape of a photo, upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    Landscape,
    Portrait,
    Square,
}

impl Orientation {
    /// The orientation of an upright `width` x `height` photo.
    pub fn of(width: u32, height: u32) -> Orientation {
        let (long, short) = (width.max(height) as f32, width.min(height) as f32);
        if long <= short * (1.0 + SQUARE_TOLERANCE) {
            Orientation::Square
        } else if width > height {
            Orientation::Landscape
        } else {
            Orientation::Portrait
        }
    }

    /// The lowercase name used by the CLI and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Orientation::Landscape => "landscape",
            Orientation::Portrait => "portrait",
            Orientation::Square => "square",
        }
    }
}

/// The order of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest date taken first, among the results that pass the filters and the minimum score.
    NewestFirst,
    OldestFirst,
}

/// Which photos may appear. The default lets every photo through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    pub orientation: Option<Orientation>,
    /// At least this many pixels on the longer side (0: any).
    pub min_long_side: u32,
    /// Only photos under one of these folders (empty: any). Paths as stored: absolute, canonical.
    pub folders: Vec<PathBuf>,
    /// Date taken from this second on (inclusive).
    pub from: Option<i64>,
    /// Date taken up to this second (inclusive).
    pub to: Option<i64>,
}

impl Filters {
    /// Whether every photo passes.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// Whether the photo at `path` with these facts passes.
    pub fn accepts(&self, path: &Path, f: &Facts) -> bool {
        self.orientation.is_none_or(|o| Orientation::of(f.width, f.height) == o)
            && f.width.max(f.height) >= self.min_long_side
            && (self.folders.is_empty() || self.folders.iter().any(|d| path.starts_with(d)))
            && self.from.is_none_or(|t| f.taken_at >= t)
            && self.to.is_none_or(|t| f.taken_at <= t)
    }
}

/// Filters, order and grouping of one search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refine {
    pub filters: Filters,
    pub sort: SortBy,
    /// One result per group of near-duplicates (see [`super::dedup`]), the others listed under it.
    pub collapse: bool,
}

/// The rows that pass a [`Filters`], evaluated once: `None` when every row passes.
#[derive(Debug, Clone, Default)]
pub struct Mask {
    filters: Filters,
    keep: Option<Vec<bool>>,
}

impl Mask {
    /// Make sure the mask describes `filters` over all `paths`/`facts` rows, recomputing only when the
    /// filters changed or rows were added; returns the per-row mask (`None`: keep everything).
    pub fn update(&mut self, filters: &Filters, paths: &[PathBuf], facts: &[Facts]) -> Option<&[bool]> {
        let stale = self.filters != *filters || self.keep.as_ref().is_some_and(|k| k.len() != facts.len());
        if stale {
            self.filters = filters.clone();
            self.keep =
                (!filters.is_empty()).then(|| paths.iter().zip(facts).map(|(p, f)| filters.accepts(p, f)).collect());
        }
        self.keep.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(width: u32, height: u32, taken_at: i64) -> Facts {
        Facts {
            width,
            height,
            taken_at,
            ..Facts::default()
        }
    }

    #[test]
    fn orientation_has_a_small_square_tolerance() {
        assert_eq!(Orientation::of(4000, 3000), Orientation::Landscape);
        assert_eq!(Orientation::of(3000, 4000), Orientation::Portrait);
        assert_eq!(Orientation::of(1080, 1080), Orientation::Square);
        assert_eq!(Orientation::of(1000, 1040), Orientation::Square);
        assert_eq!(Orientation::of(1000, 1100), Orientation::Portrait);
    }

    #[test]
    fn every_filter_cuts_and_the_mask_follows_changes() {
        let paths: Vec<PathBuf> = ["/a/1.jpg", "/a/b/2.jpg", "/c/3.jpg"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let f = [facts(4000, 3000, 100), facts(800, 1200, 200), facts(2000, 2000, 300)];
        let mut mask = Mask::default();
        assert!(mask.update(&Filters::default(), &paths, &f).is_none());
        let landscape = Filters {
            orientation: Some(Orientation::Landscape),
            ..Filters::default()
        };
        assert_eq!(mask.update(&landscape, &paths, &f), Some(&[true, false, false][..]));
        let big = Filters {
            min_long_side: 2000,
            ..Filters::default()
        };
        assert_eq!(mask.update(&big, &paths, &f), Some(&[true, false, true][..]));
        let folder = Filters {
            folders: vec![PathBuf::from("/a/b")],
            ..Filters::default()
        };
        assert_eq!(mask.update(&folder, &paths, &f), Some(&[false, true, false][..]));
        let dates = Filters {
            from: Some(150),
            to: Some(300),
            ..Filters::default()
        };
        assert_eq!(mask.update(&dates, &paths, &f), Some(&[false, true, true][..]));
        assert!(mask.update(&Filters::default(), &paths, &f).is_none());
    }
}
