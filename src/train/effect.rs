//! What a trained head would do to the photos the user did not caption.
//!
//! Why: the test split says how the head does on photos like the captioned ones, but "Save and apply"
//! changes the ranking of the whole library. So before saving, a random sample of the rest of the
//! library is ranked for a sample of the user's own captions twice, zero-shot and with the head (gated as
//! search gates it), and the report says how much of the zero-shot top 10 survives. When less than
//! [`WARN_KEPT`] of it does, the front ends warn and suggest applying the head to chosen folders only.

use std::collections::HashSet;
use std::path::PathBuf;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::Result;
use crate::train::data::{Rng, TrainData, row};
use crate::train::eval::fuse;
use crate::train::head::Head;

/// Photos sampled from the rest of the library.
pub const SAMPLE_PHOTOS: usize = 1000;
/// Captions used as queries.
pub const SAMPLE_QUERIES: usize = 100;
/// Below this share of the zero-shot top 10 kept, the change is called large.
pub const WARN_KEPT: f32 = 0.5;
/// Fewer uncaptioned photos than this and there is nothing meaningful to report.
pub const MIN_PHOTOS: usize = 20;

/// The effect of a head on uncaptioned photos.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LibraryEffect {
    /// Uncaptioned photos ranked.
    pub photos: usize,
    /// Queries (captions) used.
    pub queries: usize,
    /// Mean share (0 to 1) of each query's zero-shot top 10 still in its top 10 with the head.
    pub top10_kept: f32,
    /// Mean gate of the sampled photos: the share of the head's weight they get.
    pub mean_gate: f32,
}

impl LibraryEffect {
    /// A sentence for the user when the head changes uncaptioned photos' results a lot.
    pub fn warning(&self) -> Option<String> {
        (self.top10_kept < WARN_KEPT).then(|| {
            format!(
                "the head changes search results on photos you did not caption a lot: only {:.0}% of the top 10 stay; \
                 consider applying it to the captioned folders only",
                100.0 * self.top10_kept
            )
        })
    }
}

/// Rank `n` photos (`features`, `zero_shot`) for each query of `queries` (sentence embeddings,
/// `text_dim` wide) zero-shot and with `head` at `blend`, with `gates` per photo (the head's own gates
/// times any folder limit).
pub fn measure(head: &Head, blend: f32, photos: &TrainData, gates: &[f32], queries: &[f32]) -> Result<LibraryEffect> {
    let (n, d) = (photos.n_images(), photos.text_dim);
    let head_images = head.encode_images(&photos.image_features, n)?;
    let nq = queries.len() / d.max(1);
    let head_queries = head.encode_texts(queries, nq)?;
    let e = head.config().embed;
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let top10 = |scores: &[f32]| {
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        order.truncate(10);
        order
    };
    let mut kept = 0.0;
    for q in 0..nq {
        let (tq, hq) = (row(queries, d, q), row(&head_queries, e, q));
        let zs: Vec<f32> = (0..n).map(|i| dot(tq, row(&photos.image_zero_shot, d, i))).collect();
        let fused: Vec<f32> = (0..n)
            .map(|i| fuse(dot(hq, row(&head_images, e, i)), zs[i], gates[i], blend))
            .collect();
        let before = top10(&zs);
        let after: HashSet<usize> = top10(&fused).into_iter().collect();
        kept += before.iter().filter(|i| after.contains(i)).count() as f32 / before.len().max(1) as f32;
    }
    Ok(LibraryEffect {
        photos: n,
        queries: nq,
        top10_kept: if nq == 0 { 1.0 } else { kept / nq as f32 },
        mean_gate: gates.iter().sum::<f32>() / gates.len().max(1) as f32,
    })
}

/// Measure `head` on a seeded sample of the indexed photos that are not in `captioned`, with a sample of
/// `captions`' sentence embeddings as queries. `folders` limits the head as [`crate::train::apply`] would
/// (empty: everywhere). `None` when fewer than [`MIN_PHOTOS`] uncaptioned photos are indexed.
pub fn library_effect(
    engine: &Engine,
    head: &Head,
    blend: f32,
    captioned: &[PathBuf],
    captions: &TrainData,
    folders: &[PathBuf],
    seed: u64,
) -> Result<Option<LibraryEffect>> {
    let index = engine.index()?;
    let skip: HashSet<&PathBuf> = captioned.iter().collect();
    let mut rest: Vec<PathBuf> = index
        .states()?
        .into_iter()
        .map(|s| s.path)
        .filter(|p| !skip.contains(p))
        .collect();
    if rest.len() < MIN_PHOTOS {
        return Ok(None);
    }
    rest.sort();
    let mut rng = Rng::new(seed, 21);
    rng.shuffle(&mut rest);
    rest.truncate(SAMPLE_PHOTOS);
    let mut photos = TrainData {
        text_dim: captions.text_dim,
        ..Default::default()
    };
    let mut paths = Vec::new();
    for (p, v) in rest.iter().zip(index.features_for(&rest)?) {
        if let Some((features, zero_shot)) = v {
            photos.image_dim = features.len();
            photos.image_features.extend(features);
            photos.image_zero_shot.extend(zero_shot);
            paths.push(p);
        }
    }
    if paths.len() < MIN_PHOTOS {
        return Ok(None);
    }
    let mut gates = head.gates(&photos.image_features, paths.len())?;
    if !folders.is_empty() {
        for (g, p) in gates.iter_mut().zip(&paths) {
            if !folders.iter().any(|f| p.starts_with(f)) {
                *g = 0.0;
            }
        }
    }
    let mut picks: Vec<usize> = (0..captions.n_captions()).collect();
    rng.shuffle(&mut picks);
    picks.truncate(SAMPLE_QUERIES);
    let queries: Vec<f32> = picks
        .iter()
        .flat_map(|&c| row(&captions.text_features, captions.text_dim, c).iter().copied())
        .collect();
    measure(head, blend, &photos, &gates, &queries).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::head::HeadKind;
    use crate::train::head::tests::random_head;

    #[test]
    fn no_blend_or_closed_gates_change_nothing_and_a_random_head_changes_much() {
        let head = random_head(HeadKind::TwoBranch, false, 1);
        let c = head.config().clone();
        let mut r = Rng::new(4, 0);
        let n = 60;
        let mut photos = TrainData {
            image_features: (0..n * c.image_dim).map(|_| r.uniform(-1.0, 1.0)).collect(),
            image_zero_shot: (0..n * c.text_dim).map(|_| r.uniform(-1.0, 1.0)).collect(),
            image_dim: c.image_dim,
            text_dim: c.text_dim,
            ..Default::default()
        };
        crate::model::encoders::normalise_rows(&mut photos.image_zero_shot, c.text_dim);
        let queries: Vec<f32> = (0..10 * c.text_dim).map(|_| r.uniform(-1.0, 1.0)).collect();
        let open = vec![1.0; n];
        let none = measure(&head, 0.0, &photos, &open, &queries).expect("measure");
        assert_eq!((none.top10_kept, none.photos, none.queries), (1.0, n, 10));
        assert!(none.warning().is_none());
        let closed = measure(&head, 1.0, &photos, &vec![0.0; n], &queries).expect("measure");
        assert_eq!(closed.top10_kept, 1.0);
        let all = measure(&head, 1.0, &photos, &open, &queries).expect("measure");
        assert!(all.top10_kept < WARN_KEPT, "{all:?}");
        assert!(all.warning().is_some_and(|w| w.contains("top 10")));
    }
}
