//! Bidirectional triplet ranking loss over a batch's score matrix (Wang et al. 2018; Faghri et al. 2018,
//! VSE++).
//!
//! Every caption in a batch is an anchor against every other image of the batch (text-to-image), and every
//! image against every other caption (image-to-text). A violation is `max(0, margin - s(positive) +
//! s(negative))`. [`LossKind::SumViolations`] adds them all; [`LossKind::HardestNegative`] keeps only the
//! largest violation per anchor (VSE++), which sharpens R@1 but needs good features to start from.
//!
//! Choice: a batch can hold two captions of one photo, so "negative" means "a different image", not "a
//! different batch slot" (a mask built from image ids). Without it the loss would push a caption away from
//! its own photo. The loss is divided by the batch size, so its value does not depend on the batch size
//! under [`LossKind::HardestNegative`] and reads as "violation per anchor pair of directions".

use candle_core::{D, Device, Tensor};
use serde::{Deserialize, Serialize};

/// Which triplet loss to train with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// Sum of all margin violations (the seed recipe).
    SumViolations,
    /// Only the hardest negative per anchor (VSE++ "max of hinges").
    HardestNegative,
}

/// `B x B` mask: 1 where slot `j`'s image differs from slot `i`'s, i.e. where `(i, j)` is a real negative.
pub fn negative_mask(batch_images: &[usize]) -> candle_core::Result<Tensor> {
    let b = batch_images.len();
    let mask: Vec<f32> = batch_images
        .iter()
        .flat_map(|&a| batch_images.iter().map(move |&o| if a == o { 0.0 } else { 1.0 }))
        .collect();
    Tensor::from_vec(mask, (b, b), &Device::Cpu)
}

/// The loss for `scores` (`B x B`, `scores[i][j]` = caption `i` against image slot `j`; slot `i`'s image is
/// caption `i`'s own), with `neg` from [`negative_mask`]. Returns a scalar tensor that can be back-propagated.
pub fn triplet_loss(scores: &Tensor, neg: &Tensor, margin: f32, kind: LossKind) -> candle_core::Result<Tensor> {
    let b = scores.dim(0)?;
    let eye = Tensor::eye(b, scores.dtype(), scores.device())?;
    let pos = (scores * &eye)?.sum_keepdim(1)?; // B x 1, pos[i] = scores[i][i]
    let margin = f64::from(margin);
    // caption i against negative image j: margin - s(i,i) + s(i,j)
    let t2i = (scores.broadcast_sub(&pos)? + margin)?.relu()?.mul(neg)?;
    // image j against negative caption i: margin - s(j,j) + s(i,j)
    let i2t = (scores.broadcast_sub(&pos.t()?)? + margin)?.relu()?.mul(neg)?;
    let total = match kind {
        LossKind::SumViolations => (t2i.sum_all()? + i2t.sum_all()?)?,
        LossKind::HardestNegative => (t2i.max(D::Minus1)?.sum_all()? + i2t.max(0)?.sum_all()?)?,
    };
    total / b as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(scores: &[f32], images: &[usize], margin: f32, kind: LossKind) -> f32 {
        let b = images.len();
        let s = Tensor::from_slice(scores, (b, b), &Device::Cpu).expect("scores");
        let neg = negative_mask(images).expect("mask");
        triplet_loss(&s, &neg, margin, kind)
            .and_then(|t| t.to_scalar::<f32>())
            .expect("loss")
    }

    #[test]
    fn hand_computed_two_by_two() {
        // s = [[0.8, 0.5], [0.3, 0.6]], margin 0.2, two different images.
        // caption 0 vs image 1: 0.2 - 0.8 + 0.5 = -0.1 -> 0
        // caption 1 vs image 0: 0.2 - 0.6 + 0.3 = -0.1 -> 0
        // image 0 vs caption 1: 0.2 - 0.8 + 0.3 = -0.3 -> 0
        // image 1 vs caption 0: 0.2 - 0.6 + 0.5 =  0.1
        // sum = 0.1, / B = 0.05
        let s = [0.8, 0.5, 0.3, 0.6];
        assert!((value(&s, &[0, 1], 0.2, LossKind::SumViolations) - 0.05).abs() < 1e-6);
        assert!((value(&s, &[0, 1], 0.2, LossKind::HardestNegative) - 0.05).abs() < 1e-6);
    }

    #[test]
    fn hand_computed_three_by_three_sum_vs_hardest() {
        // margin 0.5; diag 0.9, 0.7, 0.4
        // s = [[0.9, 0.6, 0.5],
        //      [0.2, 0.7, 0.1],
        //      [0.3, 0.5, 0.4]]
        // t2i rows (0.5 - s_ii + s_ij, j != i):
        //   row0: 0.2, 0.1        row1: 0.0, -0.1 -> 0   row2: 0.4, 0.6
        // i2t cols (0.5 - s_jj + s_ij, i != j):
        //   col0: -0.2->0, -0.1->0   col1: 0.4, 0.3      col2: 0.6, 0.2
        // sum = (0.2+0.1+0.4+0.6) + (0.4+0.3+0.6+0.2) = 1.3 + 1.5 = 2.8 -> / 3
        // hardest = (0.2 + 0 + 0.6) + (0 + 0.4 + 0.6) = 1.8 -> / 3
        let s = [0.9, 0.6, 0.5, 0.2, 0.7, 0.1, 0.3, 0.5, 0.4];
        let sum = value(&s, &[0, 1, 2], 0.5, LossKind::SumViolations);
        let hard = value(&s, &[0, 1, 2], 0.5, LossKind::HardestNegative);
        assert!((sum - 2.8 / 3.0).abs() < 1e-6, "{sum}");
        assert!((hard - 1.8 / 3.0).abs() < 1e-6, "{hard}");
    }

    #[test]
    fn captions_of_the_same_image_are_not_negatives() {
        // Slots 0 and 1 share an image: their cross scores would violate, but must not count.
        let s = [0.5, 0.9, 0.0, 0.9, 0.5, 0.0, 0.0, 0.0, 0.5];
        assert_eq!(value(&s, &[4, 4, 7], 0.2, LossKind::SumViolations), 0.0);
        assert!(value(&s, &[4, 5, 7], 0.2, LossKind::SumViolations) > 0.0);
    }
}
