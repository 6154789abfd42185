//! A trained head as a second scoring space, blended with the zero-shot space.
//!
//! When the pack's manifest names a head, every indexed photo has a vector in the head's space and a
//! domain gate; the final score is `(1 - blend·g) * zero_shot + blend·g * head`
//! ([`crate::train::eval::fuse`]), the blend the trainer chose on validation data (or the manifest's
//! override), where `g` is the photo's gate: the head's domain gate ([`crate::train::domain`]), and 0 for
//! photos outside the folders the user applied the head to ([`crate::model::pack::HeadSpec::folders`]).
//!
//! The head's photo vectors are computed once per head (keyed by the head file's content id) and kept in
//! the index ([`crate::index::HeadRows`]): [`HeadSpace::store_missing`] fills what is missing before the
//! searcher reads its snapshot, so a start reads stored rows instead of running the head over every
//! photo's features. Photos indexed after that are computed in memory when they join and handed back to
//! be stored. Rows are kept in the same order as the zero-shot table.

use std::path::PathBuf;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::index::{HeadRows, Index, Q8Matrix};
use crate::search::table::CodedQuery;
use crate::train::head::Head;

/// Rows computed in memory that the index does not hold yet: `(ids, n x dim vectors, gates)`.
pub type Unstored = (Vec<i64>, Vec<f32>, Vec<f32>);

/// Head vectors of the indexed photos plus the head itself.
pub struct HeadSpace {
    head: Head,
    /// Content id of the head file: the key of its stored rows.
    id: String,
    pub rows: Q8Matrix,
    pub dim: usize,
    pub blend: f32,
    /// Per-row gate in `[0, 1]` (0 outside the head's folders).
    pub gates: Vec<f32>,
    /// Folders the head is limited to (empty: everywhere).
    folders: Vec<PathBuf>,
}

/// Photos encoded per head call while filling the index: bounds memory at 1,000,000 photos.
const BATCH: i64 = 8192;

/// The pack's head and its file's content id, read once per load.
pub struct PackHead {
    head: Head,
    id: String,
}

/// The pack's head and its content id, if the pack has a head.
pub fn head_of(engine: &Engine) -> Result<Option<PackHead>> {
    let (Some(_), Some(path)) = (&engine.pack.manifest.head, &engine.pack.head) else {
        return Ok(None);
    };
    let m = &engine.pack.manifest;
    let bytes = std::fs::read(path).map_err(|e| Error::io("read the head", path, e))?;
    let id = blake3::hash(&bytes).to_hex()[..32].to_owned();
    let head = Head::load_expecting(path, m.image.embedding_dim, m.text.embedding_dim)?;
    Ok(Some(PackHead { head, id }))
}

impl HeadSpace {
    /// Compute and store the head vectors the index lacks, in batches: every photo's the first time a head
    /// is used (then rows of other heads are dropped), later only those of photos added or changed since
    /// (the index's pending list, usually empty). Must run outside a snapshot.
    pub fn store_missing(head: &PackHead, index: &Index) -> Result<usize> {
        let PackHead { head, id } = head;
        if index.is_read_only() {
            return Ok(0);
        }
        let mut stored = 0;
        if index.completed_head()?.as_deref() == Some(id.as_str()) {
            loop {
                let (ids, feats) = index.pending_features(BATCH)?;
                let Some(&last) = ids.last() else { break };
                let (vecs, gates) = encode(head, &feats, ids.len())?;
                index.put_head_rows(id, &ids, &vecs, &gates)?;
                index.mark_head_complete(id, Some(last))?;
                stored += ids.len();
            }
            return Ok(stored);
        }
        let mut after = 0;
        loop {
            let (ids, feats) = index.features_without_head_batch(id, after, BATCH)?;
            let Some(&last) = ids.last() else { break };
            let (vecs, gates) = encode(head, &feats, ids.len())?;
            index.put_head_rows(id, &ids, &vecs, &gates)?;
            stored += ids.len();
            after = last;
        }
        index.mark_head_complete(id, None)?;
        index.keep_heads(&[id])?;
        Ok(stored)
    }

    /// The head's space with its vectors of the photos `ids` (with `paths`), in that order.
    pub fn load(
        engine: &Engine,
        head: PackHead,
        index: &Index,
        ids: &[i64],
        paths: &[PathBuf],
    ) -> Result<(HeadSpace, Unstored)> {
        let PackHead { head, id } = head;
        let spec = engine
            .pack
            .manifest
            .head
            .as_ref()
            .ok_or(Error::Internal("head without spec"))?;
        let mut space = HeadSpace {
            dim: head.config().embed,
            head,
            id,
            rows: Q8Matrix::default(),
            blend: spec.blend,
            gates: Vec::new(),
            folders: spec.folders.clone(),
        };
        let unstored = space.extend(index, 0, ids, paths)?;
        Ok((space, unstored))
    }

    /// Append the vectors of photos with id above `after`; `ids` and `paths` must be those rows' ids and
    /// paths. Stored rows are read; missing ones are computed and returned for the caller to store.
    pub fn extend(&mut self, index: &Index, after: i64, ids: &[i64], paths: &[PathBuf]) -> Result<Unstored> {
        let stored = index.head_rows_after(&self.id, after)?;
        // Usually every row is stored: then the features are not read at all.
        let (new_ids, feats) = if stored.ids == ids {
            (Vec::new(), Vec::new())
        } else {
            index.features_without_head(&self.id, after)?
        };
        let (vecs, gates) = encode(&self.head, &feats, new_ids.len())?;
        let mut computed = HeadRows::default();
        for (i, (&pid, &g)) in new_ids.iter().zip(&gates).enumerate() {
            computed.ids.push(pid);
            computed.rows.push(&vecs[i * self.dim..(i + 1) * self.dim])?;
            computed.gates.push(g);
        }
        let merged = merge(stored, computed, ids)?;
        let inside = |p: &PathBuf| self.folders.is_empty() || self.folders.iter().any(|f| p.starts_with(f));
        self.gates.extend(
            merged
                .gates
                .iter()
                .zip(paths)
                .map(|(g, p)| if inside(p) { *g } else { 0.0 }),
        );
        self.rows.append(merged.rows)?;
        Ok((new_ids, vecs, gates))
    }

    /// Store rows computed in memory (best effort: the index may be read-only or busy; they are then
    /// computed again next time).
    pub fn store(&self, index: &Index, rows: &Unstored) {
        if rows.0.is_empty() || index.is_read_only() {
            return;
        }
        if let Err(e) = index.put_head_rows(&self.id, &rows.0, &rows.1, &rows.2) {
            log::info!("head vectors not stored (computed again next start): {e}");
        }
    }

    /// Fused score of row `row` given its zero-shot score and the coded head query.
    #[inline]
    pub fn score(&self, row: usize, zero_shot: f32, query: &CodedQuery) -> f32 {
        let gate = self.gates[row];
        if gate == 0.0 {
            // Outside the head's domain or folders the score is the zero-shot one: the head's row is not
            // even read (half the bytes of a keystroke's scan on libraries the head does not cover).
            return zero_shot;
        }
        crate::train::eval::fuse(query.dot(&self.rows, row), zero_shot, gate, self.blend)
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
    pub fn row(&self, row: usize) -> Vec<f32> {
        self.rows.row(row)
    }
}

/// Head vectors and domain gates of `n` feature rows.
fn encode(head: &Head, feats: &[f32], n: usize) -> Result<(Vec<f32>, Vec<f32>)> {
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    Ok((head.encode_images(feats, n)?, head.gates(feats, n)?))
}

/// Stored and computed rows, both ordered by id, merged into the order of `want`; any other mismatch
/// means the index changed under the reader.
fn merge(a: HeadRows, b: HeadRows, want: &[i64]) -> Result<HeadRows> {
    if b.ids.is_empty() && a.ids == want {
        return Ok(a);
    }
    let mut out = HeadRows::default();
    let (mut i, mut j) = (0, 0);
    for &id in want {
        if a.ids.get(i) == Some(&id) {
            out.rows.push_codes(&a.rows, i)?;
            out.gates.push(a.gates[i]);
            i += 1;
        } else if b.ids.get(j) == Some(&id) {
            out.rows.push_codes(&b.rows, j)?;
            out.gates.push(b.gates[j]);
            j += 1;
        } else {
            return Err(Error::IndexChanged);
        }
        out.ids.push(id);
    }
    Ok(out)
}
