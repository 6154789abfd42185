//! The caption set every reader produces: absolute image paths with their captions, in file order, plus
//! the images that were named but are missing or unreadable (listed, never fatal). Its own module so the
//! format readers (`caption_formats`) and the dispatch (`captions`) both depend on it and not on each other.

use std::path::PathBuf;

/// One image-caption pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptionPair {
    pub image: PathBuf,
    pub caption: String,
}

/// A caption set read from disk.
#[derive(Debug, Clone, Default)]
pub struct CaptionSet {
    /// Where it was read from.
    pub source: PathBuf,
    /// Pairs whose image exists, in file order.
    pub pairs: Vec<CaptionPair>,
    /// Images named by the file that do not exist or are not files, with the reason.
    pub missing: Vec<(PathBuf, String)>,
}

impl CaptionSet {
    /// Distinct images in first-seen order.
    pub fn images(&self) -> Vec<PathBuf> {
        let mut seen = std::collections::HashSet::new();
        self.pairs
            .iter()
            .filter(|p| seen.insert(p.image.clone()))
            .map(|p| p.image.clone())
            .collect()
    }

    /// Keep only pairs whose image file name is in `names`.
    pub fn retain_names(&mut self, names: &[String]) {
        let keep: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
        self.pairs.retain(|p| {
            p.image
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| keep.contains(n))
        });
    }

    /// Add a pair if its image is a readable file, otherwise record the image (once) in `missing`.
    pub(crate) fn push(&mut self, image: PathBuf, caption: String) {
        let problem = if !image.exists() {
            Some("image file not found".to_owned())
        } else if !image.is_file() {
            Some("not a file".to_owned())
        } else {
            std::fs::File::open(&image)
                .err()
                .map(|e| format!("cannot open image: {e}"))
        };
        match problem {
            // Absolute paths, as the index stores them.
            None => self.pairs.push(CaptionPair {
                image: std::fs::canonicalize(&image).unwrap_or(image),
                caption,
            }),
            Some(reason) => {
                if !self.missing.iter().any(|(p, _)| *p == image) {
                    self.missing.push((image, reason));
                }
            }
        }
    }
}
