//! Caption sets: photos paired with what a person wrote about them.
//!
//! Every reader produces the same [`CaptionSet`]: absolute image paths with their captions, in file order,
//! plus the images that were named but are missing or unreadable (listed, never fatal). Parse errors name the
//! file and line. Formats are detected from the path (see [`load`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, IoContext, Result};

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

    fn push(&mut self, image: PathBuf, caption: String) {
        if image.is_file() {
            self.pairs.push(CaptionPair { image, caption });
        } else if !self.missing.iter().any(|(p, _)| *p == image) {
            self.missing.push((image, "image file not found".into()));
        }
    }
}

/// Read a caption set, choosing the reader by file name and extension.
pub fn load(path: &Path) -> Result<CaptionSet> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" => read_jsonl(path),
        _ => Err(Error::Captions {
            path: path.to_path_buf(),
            line: 0,
            message: format!("unknown caption file format {ext:?}"),
        }),
    }
}

/// JSON Lines: `{"image": "relative/path.jpg", "caption": "..."}` a line; paths relative to the file.
pub fn read_jsonl(path: &Path) -> Result<CaptionSet> {
    #[derive(Deserialize)]
    struct Line {
        image: String,
        caption: String,
    }
    let text = std::fs::read_to_string(path).at("cannot read caption file", path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut set = CaptionSet {
        source: path.to_path_buf(),
        ..Default::default()
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(line).map_err(|e| Error::Captions {
            path: path.to_path_buf(),
            line: i + 1,
            message: format!("bad JSON line: {e}"),
        })?;
        set.push(base.join(l.image), l.caption);
    }
    Ok(set)
}

/// A train/test split file: `{"train": [names], "test": [names], ...}`.
pub fn read_split(path: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let text = std::fs::read_to_string(path).at("cannot read split file", path)?;
    serde_json::from_str(&text).map_err(|e| Error::Captions {
        path: path.to_path_buf(),
        line: e.line(),
        message: format!("bad split file (expected {{\"train\": [...], \"test\": [...]}}): {e}"),
    })
}
