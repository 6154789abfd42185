//! A trained head as a second scoring space, blended with the zero-shot space.
//!
//! When the pack's manifest names a head, every indexed photo's raw features go through the head's image
//! branch once (100k photos take seconds) and queries through its text branch; the final score is
//! `blend * head + (1 - blend) * zero_shot`, the same blend the trainer chose on validation data (or the
//! manifest's override). Rows are kept in the same order as the zero-shot table.

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
}

impl HeadSpace {
    /// Load the pack's head (if any) and encode the photos after `after` in `index`.
    pub fn load(engine: &Engine, index: &Index, expected_ids: &[i64]) -> Result<Option<HeadSpace>> {
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
        };
        space.extend(index, 0, expected_ids)?;
        Ok(Some(space))
    }

    /// Encode the features of photos with id above `after` and append them; `ids` must be those rows' ids.
    pub fn extend(&mut self, index: &Index, after: i64, ids: &[i64]) -> Result<()> {
        let (got, features) = index.features_after(after)?;
        // Photos committed after the zero-shot rows were read may follow; they join on the next refresh.
        if got.len() < ids.len() || got[..ids.len()] != *ids {
            return Err(Error::IndexChanged);
        }
        let n = ids.len();
        if n > 0 {
            let d = features.len() / got.len();
            self.images.extend(self.head.encode_images(&features[..n * d], n)?);
        }
        Ok(())
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
