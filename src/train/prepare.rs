//! From a caption set to training data: index the captioned photos, read their cached vectors, embed the
//! captions.
//!
//! The image encoder runs only through the normal indexing job (so the photos also become searchable and a
//! second run costs nothing); training itself never re-runs it. The folders holding the set's photos are
//! remembered like folders the user added, so the photos show under a folder in the library that the
//! user can see, re-scan and remove (and that is pruned like any other), never as unlisted strays.
//! Photos that cannot be indexed are listed and left out with their captions, never fatal.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::jobs::{CancelToken, IndexRequest, JobEvent, run_index};
use crate::train::captions::CaptionSet;
use crate::train::data::TrainData;

/// Training (or evaluation) data for a caption set, with what was left out.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub data: TrainData,
    /// Image paths in row order of `data`.
    pub images: Vec<PathBuf>,
    /// Images named by the caption set that could not be used, with the reason.
    pub left_out: Vec<(PathBuf, String)>,
}

/// Index the set's images (reporting through `emit`) and assemble [`TrainData`].
pub fn prepare(engine: &Engine, set: &CaptionSet, emit: &dyn Fn(JobEvent), cancel: &CancelToken) -> Result<Prepared> {
    let wanted = set.images();
    remember_folders(engine, &wanted)?;
    let req = IndexRequest {
        roots: wanted.clone(),
        remember_folders: false,
        prune: false,
    };
    let summary = run_index(engine, &req, emit, cancel)?;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let mut left_out: Vec<(PathBuf, String)> = set.missing.clone();
    left_out.extend(summary.skipped.iter().cloned());
    let stored = engine.index()?.features_for(&wanted)?;
    let mut p = Prepared {
        left_out,
        ..Default::default()
    };
    let mut row_of: HashMap<&PathBuf, usize> = HashMap::new();
    for (path, v) in wanted.iter().zip(stored) {
        match v {
            Some((features, zero_shot)) => {
                if p.data.image_dim == 0 {
                    p.data.image_dim = features.len();
                }
                row_of.insert(path, p.images.len());
                p.images.push(path.clone());
                p.data.image_features.extend(features);
                p.data.image_zero_shot.extend(zero_shot);
            }
            None if !p.left_out.iter().any(|(l, _)| l == path) => {
                p.left_out.push((path.clone(), "could not be indexed".into()));
            }
            None => {}
        }
    }
    let pairs: Vec<_> = set
        .pairs
        .iter()
        .filter_map(|c| row_of.get(&c.image).map(|&r| (r, c.caption.as_str())))
        .collect();
    if pairs.is_empty() {
        return Err(Error::Train(format!(
            "no usable captioned photos in {}",
            set.source.display()
        )));
    }
    let texts: Vec<&str> = pairs.iter().map(|(_, t)| *t).collect();
    p.data.caption_image = pairs.iter().map(|(r, _)| *r).collect();
    p.data.text_features = engine.text_encoder()?.encode(&texts)?;
    p.data.text_dim = engine.pack.manifest.text.embedding_dim;
    p.data.validate()?;
    Ok(p)
}

/// Remember the folders that hold `photos` (the indexing request itself names single files).
fn remember_folders(engine: &Engine, photos: &[PathBuf]) -> Result<()> {
    let folders: std::collections::BTreeSet<PathBuf> = photos
        .iter()
        .filter_map(|p| p.parent())
        .filter(|d| d.is_dir())
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
        .collect();
    let index = engine.index()?;
    folders.iter().try_for_each(|d| index.add_folder(d))
}
