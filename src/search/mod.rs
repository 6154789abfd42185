//! Search: turning a query into a vector and ranking the index by it.
//!
//! A [`Searcher`] owns a text encoder session and an in-memory copy of the index's search vectors (the
//! index is the source of truth; this copy is refreshed incrementally while indexing runs, so new photos
//! join the ranking live). Image terms use the photo's stored vector when it is indexed and encode the file
//! on the fly otherwise. [`worker::SearchWorker`] runs a searcher on its own thread for the GUI.

pub mod head_space;
pub mod query;
pub mod rank;
pub mod table;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::index::Vectors;
use crate::library::decode;
use crate::model::encoders::{ImageEncoder, TextEncoder, normalise_rows};
use crate::model::preprocess;
use crate::search::head_space::{HeadSpace, Unstored};
use crate::search::table::CodedQuery;
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
    head: Option<HeadSpace>,
    /// Vectors of recent text-only queries: a filter or sort change, or a backspace, re-ranks without
    /// running the text encoder again.
    recent: std::collections::HashMap<String, Arc<QueryVectors>>,
}

/// Text-only queries whose vectors are kept (a few kB each).
const RECENT_QUERIES: usize = 256;

/// A query in each scoring space: zero-shot, and the head's when the pack has one.
struct QueryVectors {
    zero_shot: Vec<f32>,
    head: Option<Vec<f32>>,
}

impl Searcher {
    /// Load the index's vectors and a text encoder.
    pub fn new(engine: Arc<Engine>) -> Result<Searcher> {
        // The text encoder's session starts on a second thread while the vectors are read (together about
        // half the start-up each at 100,000 photos).
        let (text, tables) = std::thread::scope(|s| {
            let text = std::thread::Builder::new()
                .name("vignette-text-encoder".into())
                .spawn_scoped(s, || {
                    let t = std::time::Instant::now();
                    let text = engine.text_encoder();
                    log::debug!("text encoder ready in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
                    text
                });
            let tables = load(&engine);
            let text = match text {
                Ok(handle) => handle
                    .join()
                    .unwrap_or(Err(Error::Internal("the text encoder's thread panicked"))),
                Err(source) => Err(Error::Thread {
                    name: "vignette-text-encoder".into(),
                    source,
                }),
            };
            (text, tables)
        });
        let (text, (table, head)) = (text?, tables?);
        Ok(Searcher {
            engine,
            text,
            image: None,
            table,
            head,
            recent: std::collections::HashMap::new(),
        })
    }

    /// The trained head in use, if any: (name, blend).
    pub fn head(&self) -> Option<(&str, f32)> {
        let spec = self.engine.pack.manifest.head.as_ref()?;
        self.head.as_ref().map(|h| (spec.name.as_str(), h.blend))
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
        (self.table, self.head) = load(&self.engine)?;
        self.recent.clear();
        Ok(())
    }

    /// Append photos indexed since the last load; returns how many joined.
    pub fn refresh(&mut self) -> Result<usize> {
        let last = self.table.ids.last().copied().unwrap_or(0);
        let head = &mut self.head;
        let index = self.engine.index()?;
        let (new, unstored) = index.snapshot(|index| {
            let new = index.vectors_after(last)?;
            let unstored = match head.as_mut().filter(|_| !new.ids.is_empty()) {
                Some(h) => Some(h.extend(index, last, &new.ids, &new.paths)?),
                None => None,
            };
            Ok((new, unstored))
        })?;
        if let (Some(h), Some(rows)) = (&self.head, &unstored) {
            h.store(&index, rows);
        }
        let n = new.ids.len();
        if n > 0 {
            self.table.ids.extend(new.ids);
            self.table.paths.extend(new.paths);
            self.table.rows.append(new.rows)?;
        }
        Ok(n)
    }

    /// The normalised query vectors for a parsed query.
    fn query_vectors(&mut self, terms: &[Term]) -> Result<QueryVectors> {
        let dim = self.engine.pack.search_dim();
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
        let text_head = match &self.head {
            Some(h) if !texts.is_empty() => Some(h.texts(&text_vecs, texts.len())?),
            _ => None,
        };
        let mut q = QueryVectors {
            zero_shot: vec![0.0; dim],
            head: self.head.as_ref().map(|h| vec![0.0; h.dim]),
        };
        let mut ti = 0;
        for t in terms {
            let (zs, hv) = match &t.kind {
                TermKind::Text(_) => {
                    ti += 1;
                    let hv = match (&self.head, &text_head) {
                        (Some(h), Some(th)) => Some(th[(ti - 1) * h.dim..ti * h.dim].to_vec()),
                        _ => None,
                    };
                    (text_vecs[(ti - 1) * dim..ti * dim].to_vec(), hv)
                }
                TermKind::Image(p) => self.image_vectors(p)?,
            };
            q.zero_shot.iter_mut().zip(&zs).for_each(|(a, b)| *a += t.weight * b);
            if let (Some(acc), Some(hv)) = (&mut q.head, hv) {
                acc.iter_mut().zip(&hv).for_each(|(a, b)| *a += t.weight * b);
            }
        }
        normalise_rows(&mut q.zero_shot, dim);
        if let Some(h) = &mut q.head {
            let d = h.len();
            normalise_rows(h, d);
        }
        Ok(q)
    }

    /// Zero-shot and head vectors of a photo: stored ones when indexed, else encoded now.
    fn image_vectors(&mut self, path: &Path) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(row) = self.table.paths.iter().position(|p| *p == canon || *p == path) {
            let hv = self.head.as_ref().map(|h| h.row(row));
            return Ok((self.table.rows.row(row), hv));
        }
        let bytes = decode::read_photo(path)?;
        let spec = &self.engine.pack.manifest.image;
        let d = decode::decode(path, &bytes, spec.size)?;
        let tensor = preprocess::tensor(&d.image, spec)?;
        if self.image.is_none() {
            self.image = Some(self.engine.image_encoder()?);
        }
        let enc = self
            .image
            .as_mut()
            .ok_or(Error::Internal("similar-photo search without an image encoder"))?;
        let v = enc.encode(tensor, 1)?;
        let hv = match &self.head {
            Some(h) => Some(h.image(&v.features)?),
            None => None,
        };
        Ok((v.search, hv))
    }

    /// Rank the index by a query string (see [`query`] for the syntax).
    pub fn search(&mut self, query: &str, opts: SearchOptions) -> Result<Vec<Hit>> {
        let terms = parse(query, &query::names_photo)?;
        self.search_terms(&terms, opts)
    }

    /// Rank the index by already parsed terms.
    pub fn search_terms(&mut self, terms: &[Term], opts: SearchOptions) -> Result<Vec<Hit>> {
        let q = self.cached_query_vectors(terms)?;
        let (rows, zq) = (&self.table.rows, CodedQuery::new(&q.zero_shot));
        let scored = match (&self.head, &q.head) {
            (Some(h), Some(qh)) => {
                let hq = CodedQuery::new(qh);
                rank::top_k_rows(rows.len(), opts.k, opts.min_score, &|row| {
                    h.score(row, zq.dot(rows, row), &hq)
                })
            }
            _ => rank::top_k_rows(rows.len(), opts.k, opts.min_score, &|row| zq.dot(rows, row)),
        };
        Ok(self.hits(scored))
    }

    /// [`Searcher::query_vectors`], remembered for text-only queries.
    fn cached_query_vectors(&mut self, terms: &[Term]) -> Result<Arc<QueryVectors>> {
        let key: Option<String> = terms
            .iter()
            .map(|t| match &t.kind {
                TermKind::Text(s) => Some(format!("{}\u{1f}{s}\u{1e}", t.weight)),
                TermKind::Image(_) => None,
            })
            .collect();
        if let Some(q) = key.as_ref().and_then(|k| self.recent.get(k)) {
            return Ok(Arc::clone(q));
        }
        let q = Arc::new(self.query_vectors(terms)?);
        if let Some(k) = key {
            if self.recent.len() >= RECENT_QUERIES {
                self.recent.clear();
            }
            self.recent.insert(k, Arc::clone(&q));
        }
        Ok(q)
    }

    fn hits(&self, scored: Vec<rank::Scored>) -> Vec<Hit> {
        scored
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

/// Everything a searcher ranks, read in one snapshot of the index: the zero-shot table and the head's
/// space. The head's missing vectors are stored first (outside the snapshot), so a start reads them.
fn load(engine: &Engine) -> Result<(Vectors, Option<HeadSpace>)> {
    let t = std::time::Instant::now();
    let index = engine.index()?;
    let pack_head = head_space::head_of(engine)?;
    match pack_head.as_ref().map(|h| HeadSpace::store_missing(h, &index)) {
        None | Some(Ok(0)) => {}
        Some(Ok(n)) => log::info!("stored the head's vectors of {n} photos"),
        Some(Err(e)) => log::info!("head vectors not stored ({e}); computing them in memory"),
    }
    let ms = |t: std::time::Instant| t.elapsed().as_secs_f64() * 1e3;
    log::debug!("head vectors checked in {:.0} ms", ms(t));
    // One snapshot for vectors and head rows: a delete landing between the reads cannot desync them.
    let (table, head) = index.snapshot(|index| {
        let t = std::time::Instant::now();
        let table = index.vectors_after(0)?;
        log::debug!("{} search vectors read in {:.0} ms", table.ids.len(), ms(t));
        let t = std::time::Instant::now();
        let head = match pack_head {
            Some(h) => Some(HeadSpace::load(engine, h, index, &table.ids, &table.paths)?),
            None => None,
        };
        log::debug!("head loaded in {:.0} ms", ms(t));
        Ok((table, head))
    })?;
    let head = head.map(|(h, unstored): (HeadSpace, Unstored)| {
        h.store(&index, &unstored);
        h
    });
    Ok((table, head))
}
