//! A trained head as a second scoring space, blended with the zero-shot space.
//!
//! When the pack's manifest names a head, every indexed photo's raw features go through the head's image
//! branch once (100k photos take seconds) and queries through its text branch; the final score is
//! `(1 - blend·g) * zero_shot + blend·g * head` ([`crate::train::eval::fuse`]), the blend the trainer chose
//! on validation data (or the manifest's override), where `g` is the photo's gate: the head's domain gate
//! ([`crate::train::domain`]), and 0 for photos outside the folders the user applied the head to
//! ([`crate::model::pack::HeadSpec::folders`]). Rows are kept in the same order as the zero-shot table.

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::train::head::Head;

/// Head vectors of the indexed photos plus the head itself.
pub struct HeadSpace {
    head: Head,
    /// `n x dim`, L2-normalised.
    pub images: Vec<f32>,
    pub dim: usize,
    pub blend: f32,
    /// Per-row gate in `[0, 1]`.
    pub gates: Vec<f32>,
    /// Folders the head is limited to (empty: everywhere).
    folders: Vec<std::path::PathBuf>,
}

impl HeadSpace {
    /// Load the pack's head (if any) and encode the photos after `after` in `index`.
    pub fn load(
        engine: &Engine,
        index: &Index,
        expected_ids: &[i64],
        paths: &[std::path::PathBuf],
    ) -> Result<Option<HeadSpace>> {
        let (Some(spec), Some(path)) = (&engine.pack.manifest.head, &engine.pack.head) else {
            return Ok(None);
        };
        let m = &engine.pack.manifest;
        let head = Head::load_expecting(path, m.image.embedding_dim, m.text.embedding_dim)?;
        let dim = head.config().embed;
        let mut space = HeadSpace {
            head,
            images: Vec::new(),
            dim,
            blend: spec.blend,
            gates: Vec::new(),
            folders: spec.folders.clone(),
        };
        space.extend(index, 0, expected_ids, paths)?;
        Ok(Some(space))
    }

    /// Encode the features of photos with id above `after` and append them; `ids` and `paths` must be
    /// those rows' ids and paths.
    pub fn extend(&mut self, index: &Index, after: i64, ids: &[i64], paths: &[std::path::PathBuf]) -> Result<()> {
        let (got, features) = index.features_after(after)?;
        // Photos committed after the zero-shot rows were read may follow; they join on the next refresh.
        if got.len() < ids.len() || got[..ids.len()] != *ids {
            return Err(Error::IndexChanged);
        }
        let n = ids.len();
        if n > 0 {
            let d = features.len() / got.len();
            self.images.extend(self.head.encode_images(&features[..n * d], n)?);
            let gates = self.head.gates(&features[..n * d], n)?;
            let inside =
                |p: &std::path::PathBuf| self.folders.is_empty() || self.folders.iter().any(|f| p.starts_with(f));
            self.gates
                .extend(gates.iter().zip(paths).map(|(g, p)| if inside(p) { *g } else { 0.0 }));
        }
        Ok(())
    }

    /// Score of row `row` for a query with zero-shot score `zero_shot` and head vector `query`.
    pub fn score(&self, row: usize, zero_shot: f32, query: &[f32]) -> f32 {
        let head = self.row(row).iter().zip(query).map(|(a, b)| a * b).sum();
        crate::train::eval::fuse(head, zero_shot, self.gates[row], self.blend)
    }

    /// Head-space vector of raw image features (one row).
    pub fn image(&self, features: &[f32]) -> Result<Vec<f32>> {
        self.head.encode_images(features, 1)
    }

    /// Head-space vectors of sentence embeddings (`n` rows).
    pub fn texts(&self, sentence: &[f32], n: usize) -> Result<Vec<f32>> {
        self.head.encode_texts(sentence, n)
    }

    /// Head-space vector of an indexed row.
    pub fn row(&self, row: usize) -> &[f32] {
        &self.images[row * self.dim..(row + 1) * self.dim]
    }
}
