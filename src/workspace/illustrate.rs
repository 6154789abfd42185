//! Illustrating a passage: rank the library for each paragraph (or sentence) of a writer's text.
//!
//! One core function for both front ends: the CLI (`vignette illustrate`) calls [`illustrate`] on its
//! thread, the GUI calls [`illustrate_with_engine`] on a task thread.
//!
//! **Long paragraphs are not truncated.** A part longer than the text encoder's token limit (128 tokens
//! for the default pack, about 90 words) would silently lose its end, so such a part is split into
//! sentences (and a sentence still too long into halves by words, until each piece fits); every piece
//! is encoded and the part's query is the mean of the pieces' L2-normalised embeddings, normalised again.
//! Why the mean of unit vectors: each sentence then weighs the same whatever its length, the result
//! stays in the space the photos were ranked in (a direction, like any single-sentence query), and it is
//! exactly what the query syntax already does for `a + b` (a sum of normalised terms, normalised), so a
//! trained head scores it the same way as a typed multi-term query. Ranking by the best single sentence
//! instead would let one vivid detail decide for the whole paragraph; encoding only the first 128
//! tokens would ignore the rest.
//!
//! Measured (`tests/it/illustrate_bench.rs`, default pack, flickr8k-1k test split: 200 photos, a
//! photo's five captions as its paragraph, which fits the limit so whole-paragraph encoding can serve
//! as the reference; 2-core dev VM): whole paragraph R@1 22.5 / R@5 50.0 / R@10 64.5, mean of the
//! sentence embeddings 21.5 / 49.0 / 65.0, first sentence only (what truncation keeps) 16.5 / 40.0 /
//! 57.5. The sentence mean loses nothing measurable against whole encoding; truncation loses 10 points
//! of R@5.

use std::sync::Arc;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::search::filter::Refine;
use crate::search::{Hit, SearchOptions, Searcher, Term, TermKind};
pub use crate::workspace::passage::{Unit, split};

/// How to illustrate.
#[derive(Debug, Clone, PartialEq)]
pub struct IllustrateOptions {
    pub unit: Unit,
    /// Candidates per part.
    pub top: usize,
    /// Filters, order and grouping of each part's candidates.
    pub refine: Refine,
    pub min_score: f32,
}

impl Default for IllustrateOptions {
    fn default() -> Self {
        IllustrateOptions {
            unit: Unit::Paragraphs,
            top: 5,
            refine: Refine::default(),
            min_score: f32::NEG_INFINITY,
        }
    }
}

/// One paragraph (or sentence) and its candidates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Illustrated {
    /// The part's text, as the encoder saw it (Markdown reduced to prose).
    pub text: String,
    /// Pieces encoded for it: 1 when it fit the token limit, else its sentences (see the module docs).
    pub pieces: usize,
    /// Best first.
    pub candidates: Vec<Hit>,
}

/// Rank the library for every part of `text`.
pub fn illustrate(searcher: &mut Searcher, text: &str, opts: &IllustrateOptions) -> Result<Vec<Illustrated>> {
    let parts = split(text, opts.unit);
    if parts.is_empty() {
        return Err(Error::Passage(
            "it has no text (only blank lines, headings or code)".into(),
        ));
    }
    if opts.top == 0 {
        return Err(Error::Passage("ask for at least one candidate per part".into()));
    }
    let search = SearchOptions {
        k: opts.top,
        min_score: opts.min_score,
    };
    parts
        .into_iter()
        .map(|part| {
            let pieces = pieces(searcher, &part)?;
            let terms: Vec<Term> = pieces
                .iter()
                .map(|p| Term {
                    kind: TermKind::Text(p.clone()),
                    weight: 1.0,
                })
                .collect();
            let candidates = searcher.search_terms_refined(&terms, search, &opts.refine)?;
            Ok(Illustrated {
                text: part,
                pieces: pieces.len(),
                candidates,
            })
        })
        .collect()
}

/// [`illustrate`] with a searcher of its own (the GUI runs this on a task thread).
pub fn illustrate_with_engine(engine: Arc<Engine>, text: &str, opts: &IllustrateOptions) -> Result<Vec<Illustrated>> {
    let mut searcher = Searcher::new(engine)?;
    illustrate(&mut searcher, text, opts)
}

/// The texts to encode for one part: itself when it fits, else its sentences, each halved by words
/// until it fits.
fn pieces(searcher: &Searcher, part: &str) -> Result<Vec<String>> {
    if searcher.text_fits(part)? {
        return Ok(vec![part.to_owned()]);
    }
    let mut out = Vec::new();
    let mut todo: Vec<String> = crate::workspace::passage::sentences(part);
    todo.reverse();
    while let Some(s) = todo.pop() {
        let words: Vec<&str> = s.split_whitespace().collect();
        if words.len() <= 1 || searcher.text_fits(&s)? {
            out.push(s);
        } else {
            let (a, b) = words.split_at(words.len() / 2);
            todo.push(b.join(" "));
            todo.push(a.join(" "));
        }
    }
    Ok(out)
}
