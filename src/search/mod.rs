//! Search: turning a query into a vector and ranking the index by it.
//!
//! A [`Searcher`] owns a text encoder session and an in-memory copy of the index's search vectors (the
//! index is the source of truth; this copy is refreshed incrementally while indexing runs, so new photos
//! join the ranking live). Image terms use the photo's stored vector when it is indexed and encode the file
//! on the fly otherwise. [`worker::SearchWorker`] runs a searcher on its own thread for the GUI.

pub mod query;
pub mod rank;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::{Error, IoContext, Result};
use crate::index::Vectors;
use crate::library::decode;
use crate::model::encoders::{ImageEncoder, TextEncoder, normalise_rows};
use crate::model::preprocess;
pub use query::{Term, TermKind, parse};

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: i64,
    pub path: PathBuf,
    pub score: f32,
}

/// How many results and how good.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    pub k: usize,
    pub min_score: f32,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            k: 20,
            min_score: f32::NEG_INFINITY,
        }
    }
}

/// Ranks the index by queries.
pub struct Searcher {
    engine: Arc<Engine>,
    text: TextEncoder,
    image: Option<ImageEncoder>,
    table: Vectors,
}

impl Searcher {
    /// Load the index's vectors and a text encoder.
    pub fn new(engine: Arc<Engine>) -> Result<Searcher> {
        let text = engine.text_encoder()?;
        let table = engine.index()?.vectors_after(0)?;
        Ok(Searcher {
            engine,
            text,
            image: None,
            table,
        })
    }

    /// Number of photos searchable.
    pub fn len(&self) -> usize {
        self.table.ids.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.table.ids.is_empty()
    }

    /// Reload every vector (after removals or a finished job).
    pub fn reload(&mut self) -> Result<()> {
        self.table = self.engine.index()?.vectors_after(0)?;
        Ok(())
    }

    /// Append photos indexed since the last load; returns how many joined.
    pub fn refresh(&mut self) -> Result<usize> {
        let last = self.table.ids.last().copied().unwrap_or(0);
        let new = self.engine.index()?.vectors_after(last)?;
        let n = new.ids.len();
        if n > 0 {
            if self.table.dim == 0 {
                self.table.dim = new.dim;
            }
            self.table.ids.extend(new.ids);
            self.table.paths.extend(new.paths);
            self.table.data.extend(new.data);
        }
        Ok(n)
    }

    /// The normalised query vector for a parsed query.
    pub fn query_vector(&mut self, terms: &[Term]) -> Result<Vec<f32>> {
        let dim = self.engine.pack.search_dim();
        let mut q = vec![0.0f32; dim];
        let texts: Vec<&str> = terms
            .iter()
            .filter_map(|t| {
                if let TermKind::Text(s) = &t.kind {
                    Some(s.as_str())
                } else {
                    None
                }
            })
            .collect();
        let text_vecs = if texts.is_empty() {
            Vec::new()
        } else {
            self.text.encode(&texts)?
        };
        let mut ti = 0;
        for t in terms {
            let v = match &t.kind {
                TermKind::Text(_) => {
                    ti += 1;
                    text_vecs[(ti - 1) * dim..ti * dim].to_vec()
                }
                TermKind::Image(p) => self.image_vector(p)?,
            };
            q.iter_mut().zip(&v).for_each(|(a, b)| *a += t.weight * b);
        }
        normalise_rows(&mut q, dim);
        Ok(q)
    }

    fn image_vector(&mut self, path: &Path) -> Result<Vec<f32>> {
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let dim = self.engine.pack.search_dim();
        if let Some(row) = self.table.paths.iter().position(|p| *p == canon || *p == path) {
            return Ok(self.table.data[row * dim..(row + 1) * dim].to_vec());
        }
        let bytes = std::fs::read(path).at("cannot read query photo", path)?;
        let spec = &self.engine.pack.manifest.image;
        let d = decode::decode(path, &bytes, spec.size)?;
        let tensor = preprocess::tensor(&d.image, spec)?;
        if self.image.is_none() {
            self.image = Some(self.engine.image_encoder()?);
        }
        let enc = self
            .image
            .as_mut()
            .ok_or_else(|| Error::Other("no image encoder".into()))?;
        Ok(enc.encode(tensor, 1)?.search)
    }

    /// Rank the index by a query string (see [`query`] for the syntax).
    pub fn search(&mut self, query: &str, opts: SearchOptions) -> Result<Vec<Hit>> {
        let terms = parse(query, &query::names_photo)?;
        self.search_terms(&terms, opts)
    }

    /// Rank the index by already parsed terms.
    pub fn search_terms(&mut self, terms: &[Term], opts: SearchOptions) -> Result<Vec<Hit>> {
        let q = self.query_vector(terms)?;
        Ok(self.rank(&q, opts))
    }

    /// Rank the index by a query vector.
    pub fn rank(&self, q: &[f32], opts: SearchOptions) -> Vec<Hit> {
        rank::top_k(&self.table.data, self.table.dim.max(1), q, opts.k, opts.min_score)
            .into_iter()
            .map(|s| Hit {
                id: self.table.ids[s.row],
                path: self.table.paths[s.row].clone(),
                score: s.score,
            })
            .collect()
    }

    /// Photos most like `photo` (image-as-query).
    pub fn similar(&mut self, photo: &Path, opts: SearchOptions) -> Result<Vec<Hit>> {
        let term = Term {
            kind: TermKind::Image(photo.to_path_buf()),
            weight: 1.0,
        };
        self.search_terms(&[term], opts)
    }
}
