//! Retrieval metrics: R@K, median and mean rank, in both directions.
//!
//! The protocol follows `../shared/datasets/flickr8k-1k/README.md`: each caption ranks all images and a hit
//! is its own image; an image's rank is the best rank among its captions. Rank is 1 + the number of
//! candidates scoring strictly higher than the true one, so ties never flatter a model by their order.

use std::ops::Range;

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

/// Captions scored per block by [`evaluate_blocks`]: the block buffer holds `BLOCK_ROWS x n_images` scores.
pub const BLOCK_ROWS: usize = 256;

/// Evaluate a similarity matrix `sim` laid out caption-major (`n_captions x n_images`), where caption `c`
/// belongs to image `caption_image[c]`.
pub fn evaluate(sim: &[f32], n_images: usize, caption_image: &[usize]) -> RetrievalReport {
    assert_eq!(
        sim.len(),
        caption_image.len() * n_images,
        "similarity matrix has the wrong size"
    );
    let copy = |rows: Range<usize>, out: &mut [f32]| {
        out.copy_from_slice(&sim[rows.start * n_images..rows.end * n_images]);
        Ok::<(), std::convert::Infallible>(())
    };
    match evaluate_blocks(n_images, caption_image, BLOCK_ROWS, copy) {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// [`evaluate`] without the whole matrix: `score(rows, out)` fills `out` (`rows.len() x n_images`) with the
/// scores of captions `rows` against every image, for at most `block_rows` captions at a time.
///
/// Why: `vignette eval` of a COCO-sized set (200,000 captions x 40,000 images) would need 32 GB for the full
/// matrix. In blocks, memory is one block (`block_rows x n_images` floats) plus O(captions + images) for the
/// ranks, whatever the set's size. Two passes: the first ranks images for each caption (text to image) and
/// finds each image's best own-caption score, the second counts, per image, the captions scoring strictly
/// above it (image to text: an image's rank is the best among its captions, as in [`evaluate`]).
pub fn evaluate_blocks<E>(
    n_images: usize,
    caption_image: &[usize],
    block_rows: usize,
    mut score: impl FnMut(Range<usize>, &mut [f32]) -> Result<(), E>,
) -> Result<RetrievalReport, E> {
    let n_captions = caption_image.len();
    let block_rows = block_rows.max(1);
    let mut buf = vec![0.0f32; block_rows.min(n_captions) * n_images];
    let mut t2i = Vec::with_capacity(n_captions);
    let mut best_own = vec![f32::NEG_INFINITY; n_images];
    let mut has_caption = vec![false; n_images];
    let blocks = || {
        (0..n_captions)
            .step_by(block_rows)
            .map(|s| s..(s + block_rows).min(n_captions))
    };
    for rows in blocks() {
        let out = &mut buf[..rows.len() * n_images];
        score(rows.clone(), out)?;
        for (row, c) in out.chunks_exact(n_images).zip(rows) {
            let img = caption_image[c];
            let own = row[img];
            t2i.push(1 + row.iter().filter(|&&s| s > own).count());
            best_own[img] = best_own[img].max(own);
            has_caption[img] = true;
        }
    }
    let mut above = vec![0usize; n_images];
    for rows in blocks() {
        let out = &mut buf[..rows.len() * n_images];
        score(rows, out)?;
        for row in out.chunks_exact(n_images) {
            for ((a, s), best) in above.iter_mut().zip(row).zip(&best_own) {
                *a += usize::from(s > best);
            }
        }
    }
    let i2t: Vec<usize> = (0..n_images)
        .filter(|&i| has_caption[i])
        .map(|i| 1 + above[i])
        .collect();
    Ok(RetrievalReport {
        text_to_image: Recall::from_ranks(&t2i),
        image_to_text: Recall::from_ranks(&i2t),
    })
}

/// Dot-product similarity of row-major `a` (`na x d`) against `b` (`nb x d`), giving `na x nb`.
pub fn similarity(a: &[f32], b: &[f32], d: usize) -> Vec<f32> {
    a.chunks_exact(d)
        .flat_map(|x| {
            b.chunks_exact(d)
                .map(move |y| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>())
        })
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
        assert_eq!(rec.median_rank, 2.0); // 0-based ranks 0,1,2,19 -> median 1.5 -> floor 1 -> +1
        assert_eq!(rec.mean_rank, 6.5);
    }

    /// The original whole-matrix definition, kept as the reference for the blockwise one.
    fn evaluate_whole(sim: &[f32], n_images: usize, caption_image: &[usize]) -> RetrievalReport {
        let n_captions = caption_image.len();
        let mut t2i = Vec::new();
        let mut best_i2t = vec![usize::MAX; n_images];
        for (c, &img) in caption_image.iter().enumerate() {
            let row = &sim[c * n_images..(c + 1) * n_images];
            let own = row[img];
            t2i.push(1 + row.iter().filter(|&&s| s > own).count());
            let rank = 1 + (0..n_captions).filter(|&o| sim[o * n_images + img] > own).count();
            best_i2t[img] = best_i2t[img].min(rank);
        }
        let i2t: Vec<usize> = best_i2t.into_iter().filter(|&r| r != usize::MAX).collect();
        RetrievalReport {
            text_to_image: Recall::from_ranks(&t2i),
            image_to_text: Recall::from_ranks(&i2t),
        }
    }

    #[test]
    fn blockwise_ranking_equals_the_whole_matrix_and_holds_one_block() {
        let mut r = crate::train::data::Rng::new(9, 0);
        // 37 images (two without captions), 3 captions each, quantised scores so ties occur.
        let n_images = 37;
        let caption_image: Vec<usize> = (0..35).flat_map(|i| [i, i, i]).collect();
        let sim: Vec<f32> = (0..caption_image.len() * n_images)
            .map(|k| {
                let (c, i) = (k / n_images, k % n_images);
                let bonus = if caption_image[c] == i { 0.3 } else { 0.0 };
                (r.uniform(0.0, 1.0) * 8.0 + bonus * 8.0).round() / 8.0
            })
            .collect();
        let want = evaluate_whole(&sim, n_images, &caption_image);
        for block in [1, 7, 64, 1000] {
            let mut largest = 0;
            let got = evaluate_blocks(n_images, &caption_image, block, |rows, out| {
                largest = largest.max(out.len());
                out.copy_from_slice(&sim[rows.start * n_images..rows.end * n_images]);
                Ok::<(), ()>(())
            })
            .expect("no error");
            assert_eq!(got, want, "block of {block} captions");
            assert!(largest <= block * n_images, "a block of {largest} scores");
        }
        assert_eq!(evaluate(&sim, n_images, &caption_image), want);
        // Errors from the scorer stop the evaluation.
        let e = evaluate_blocks(n_images, &caption_image, 8, |_, _| Err("no scores"));
        assert_eq!(e, Err("no scores"));
    }
}
