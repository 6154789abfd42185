//! Scoring a head against the zero-shot bridge, and choosing the blend between them.
//!
//! Search ranks by `blend·head + (1−blend)·zero_shot`, where `head` is the cosine of the head's two
//! embeddings and `zero_shot` the cosine of the caption's sentence embedding with the image's zero-shot
//! vector. The two scores are complementary (the head learns the writer's vocabulary, the bridge knows a
//! thousand object names), so the blend is chosen on the validation split from [`BLEND_GRID`] by
//! text-to-image R-sum; ties go to the smaller blend (the bridge needs no training data to be trusted).

use serde::Serialize;

use crate::error::Result;
use crate::train::data::TrainData;
use crate::train::head::Head;
use crate::train::metrics::{RetrievalReport, evaluate, similarity};

/// Candidate blends: 0, 0.05, ..., 1.
pub const BLEND_GRID: [f32; 21] = {
    let mut g = [0.0f32; 21];
    let mut i = 0;
    while i < 21 {
        g[i] = i as f32 / 20.0;
        i += 1;
    }
    g
};

/// One evaluation of the three scorers on the same images and captions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    /// Zero-shot bridge alone.
    pub zero_shot: RetrievalReport,
    /// Head alone.
    pub head: RetrievalReport,
    /// `blend·head + (1−blend)·zero_shot`.
    pub blend: RetrievalReport,
    /// The blend used.
    pub blend_weight: f32,
}

/// `blend·head + (1−blend)·zero_shot`, elementwise.
pub fn blend_scores(head: &[f32], zero_shot: &[f32], blend: f32) -> Vec<f32> {
    head.iter()
        .zip(zero_shot)
        .map(|(h, z)| blend * h + (1.0 - blend) * z)
        .collect()
}

/// Caption-major similarity matrices (head, zero-shot) for every caption of `data` against its images.
pub fn similarities(head: &Head, data: &TrainData) -> Result<(Vec<f32>, Vec<f32>)> {
    let img = head.encode_images(&data.image_features, data.n_images())?;
    let txt = head.encode_texts(&data.text_features, data.n_captions())?;
    let head_sim = similarity(&txt, &img, head.config().embed);
    let zs_sim = similarity(&data.text_features, &data.image_zero_shot, data.text_dim);
    Ok((head_sim, zs_sim))
}

/// Evaluate zero-shot, head and `blend` on `data` (e.g. the test split).
pub fn evaluate_on(head: &Head, data: &TrainData, blend: f32) -> Result<Evaluation> {
    let (h, z) = similarities(head, data)?;
    let n = data.n_images();
    Ok(Evaluation {
        zero_shot: evaluate(&z, n, &data.caption_image),
        head: evaluate(&h, n, &data.caption_image),
        blend: evaluate(&blend_scores(&h, &z, blend), n, &data.caption_image),
        blend_weight: blend,
    })
}

/// The grid blend with the best text-to-image R-sum on `val`.
pub fn choose_blend(head: &Head, val: &TrainData) -> Result<f32> {
    let (h, z) = similarities(head, val)?;
    let mut best = (f64::NEG_INFINITY, 1.0);
    for &w in &BLEND_GRID {
        let r = evaluate(&blend_scores(&h, &z, w), val.n_images(), &val.caption_image)
            .text_to_image
            .rsum();
        if r > best.0 {
            best = (r, w);
        }
    }
    Ok(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_and_blend_formula() {
        assert_eq!(BLEND_GRID[0], 0.0);
        assert_eq!(BLEND_GRID[20], 1.0);
        assert!((BLEND_GRID[1] - 0.05).abs() < 1e-7);
        let b = blend_scores(&[1.0, 0.0], &[0.0, 1.0], 0.25);
        assert_eq!(b, vec![0.25, 0.75]);
    }
}
