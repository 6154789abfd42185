//! Retrieval metrics: R@K, median and mean rank, in both directions.
//!
//! The protocol follows `../shared/datasets/flickr8k-1k/README.md`: each caption ranks all images and a hit
//! is its own image; an image's rank is the best rank among its captions. Rank is 1 + the number of
//! candidates scoring strictly higher than the true one, so ties never flatter a model by their order.

use serde::Serialize;

/// Recall at 1/5/10 (percent), median rank (floor(median)+1 convention applied to 0-based ranks) and mean
/// rank (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recall {
    pub r1: f64,
    pub r5: f64,
    pub r10: f64,
    pub median_rank: f64,
    pub mean_rank: f64,
    /// Number of queries.
    pub n: usize,
}

impl Recall {
    /// R@1 + R@5 + R@10, the usual model-selection figure.
    pub fn rsum(&self) -> f64 {
        self.r1 + self.r5 + self.r10
    }

    /// Summarise 1-based ranks.
    pub fn from_ranks(ranks: &[usize]) -> Recall {
        let n = ranks.len().max(1) as f64;
        let at = |k: usize| 100.0 * ranks.iter().filter(|&&r| r <= k).count() as f64 / n;
        let mut sorted = ranks.to_vec();
        sorted.sort_unstable();
        // floor(median of 0-based ranks) + 1
        let median = if sorted.is_empty() {
            0.0
        } else {
            let m = sorted.len();
            let zero_based = if m % 2 == 1 {
                (sorted[m / 2] - 1) as f64
            } else {
                ((sorted[m / 2 - 1] - 1) + (sorted[m / 2] - 1)) as f64 / 2.0
            };
            zero_based.floor() + 1.0
        };
        Recall {
            r1: at(1),
            r5: at(5),
            r10: at(10),
            median_rank: median,
            mean_rank: ranks.iter().sum::<usize>() as f64 / n,
            n: ranks.len(),
        }
    }
}

/// Both directions of a text-image evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RetrievalReport {
    pub text_to_image: Recall,
    pub image_to_text: Recall,
}

/// Evaluate a similarity matrix `sim` laid out caption-major (`n_captions x n_images`), where caption `c`
/// belongs to image `caption_image[c]`.
pub fn evaluate(sim: &[f32], n_images: usize, caption_image: &[usize]) -> RetrievalReport {
    let n_captions = caption_image.len();
    assert_eq!(sim.len(), n_captions * n_images, "similarity matrix has the wrong size");
    let mut t2i = Vec::with_capacity(n_captions);
    let mut best_i2t = vec![usize::MAX; n_images];
    for (c, &img) in caption_image.iter().enumerate() {
        let row = &sim[c * n_images..(c + 1) * n_images];
        let own = row[img];
        t2i.push(1 + row.iter().filter(|&&s| s > own).count());
        // image -> text: rank of caption c among all captions for image img
        let col_own = own;
        let rank = 1 + (0..n_captions).filter(|&o| sim[o * n_images + img] > col_own).count();
        best_i2t[img] = best_i2t[img].min(rank);
    }
    let i2t: Vec<usize> = best_i2t.into_iter().filter(|&r| r != usize::MAX).collect();
    RetrievalReport { text_to_image: Recall::from_ranks(&t2i), image_to_text: Recall::from_ranks(&i2t) }
}

/// Dot-product similarity of row-major `a` (`na x d`) against `b` (`nb x d`), giving `na x nb`.
pub fn similarity(a: &[f32], b: &[f32], d: usize) -> Vec<f32> {
    a.chunks_exact(d)
        .flat_map(|x| b.chunks_exact(d).map(move |y| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_reversed_rankings() {
        // 2 images, 2 captions each; identity-like similarity.
        let sim = [1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.2, 0.8];
        let r = evaluate(&sim, 2, &[0, 0, 1, 1]);
        assert_eq!(r.text_to_image.r1, 100.0);
        assert_eq!(r.image_to_text.r1, 100.0);
        let rev = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0];
        let r = evaluate(&rev, 2, &[0, 0, 1, 1]);
        assert_eq!(r.text_to_image.r1, 0.0);
        assert_eq!(r.text_to_image.mean_rank, 2.0);
    }

    #[test]
    fn ties_are_not_hits_by_order() {
        // All equal: strictly-higher rule gives rank 1 for everyone.
        let r = evaluate(&[0.5; 4], 2, &[0, 1]);
        assert_eq!(r.text_to_image.r1, 100.0);
        let ranks = [1, 2, 3, 20];
        let rec = Recall::from_ranks(&ranks);
        assert_eq!(rec.r1, 25.0);
        assert_eq!(rec.r10, 75.0);
        assert_eq!(rec.median_rank, 3.0); // 0-based ranks 0,1,2,19 -> median 1.5 -> floor 1 -> +1
        assert_eq!(rec.mean_rank, 6.5);
    }
}
