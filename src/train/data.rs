//! Training inputs: cached embeddings, the seeded random source, the validation carve and standardisation.
//!
//! Training never touches photos or encoders: the index already holds every image's features and zero-shot
//! vector and every caption's sentence embedding, so a training run is pure arithmetic over [`TrainData`].
//! That keeps a run repeatable and fast, and lets tests build synthetic problems directly.
//!
//! Invariants: matrices are row-major `f32`; `caption_image[c] < n_images` for every caption. The random
//! source is a self-contained SplitMix64 so the same seed gives the same numbers on every platform and
//! every release of every dependency (candle's own RNG is thread-local and not seedable on the CPU).

use crate::error::{Error, Result};

/// Cached embeddings a head is trained on.
#[derive(Debug, Clone, Default)]
pub struct TrainData {
    /// `n_images x image_dim` image-branch inputs (e.g. 1280-d pooled CNN features), not normalised.
    pub image_features: Vec<f32>,
    /// `n_images x text_dim` zero-shot image vectors in text space, L2-normalised.
    pub image_zero_shot: Vec<f32>,
    /// `n_captions x text_dim` sentence embeddings, L2-normalised; also the zero-shot text vectors.
    pub text_features: Vec<f32>,
    /// Caption index to image index.
    pub caption_image: Vec<usize>,
    /// Width of an image feature row.
    pub image_dim: usize,
    /// Width of a sentence embedding (and of a zero-shot vector).
    pub text_dim: usize,
}

impl TrainData {
    /// Number of images.
    pub fn n_images(&self) -> usize {
        self.image_features.len().checked_div(self.image_dim).unwrap_or(0)
    }

    /// Number of captions.
    pub fn n_captions(&self) -> usize {
        self.caption_image.len()
    }

    /// Check sizes and indices; every error says which array is wrong and how.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Train(m));
        if self.image_dim == 0 || self.text_dim == 0 {
            return bad(format!(
                "zero feature width (image {}, text {})",
                self.image_dim, self.text_dim
            ));
        }
        if !self.image_features.len().is_multiple_of(self.image_dim) {
            return bad(format!(
                "image_features has {} values, not a multiple of image_dim {}",
                self.image_features.len(),
                self.image_dim
            ));
        }
        let n = self.n_images();
        if self.image_zero_shot.len() != n * self.text_dim {
            return bad(format!(
                "image_zero_shot has {} values, expected {n} images x {} = {}",
                self.image_zero_shot.len(),
                self.text_dim,
                n * self.text_dim
            ));
        }
        if self.text_features.len() != self.caption_image.len() * self.text_dim {
            return bad(format!(
                "text_features has {} values, expected {} captions x {} = {}",
                self.text_features.len(),
                self.caption_image.len(),
                self.text_dim,
                self.caption_image.len() * self.text_dim
            ));
        }
        if let Some((c, &i)) = self.caption_image.iter().enumerate().find(|&(_, &i)| i >= n) {
            return bad(format!(
                "caption {c} points at image {i}, but there are only {n} images"
            ));
        }
        Ok(())
    }

    /// The sub-problem over `images` (in that order) and their captions, with indices renumbered.
    pub fn subset(&self, images: &[usize]) -> TrainData {
        let mut new_index = vec![usize::MAX; self.n_images()];
        let mut out = TrainData {
            image_dim: self.image_dim,
            text_dim: self.text_dim,
            ..Default::default()
        };
        for (k, &i) in images.iter().enumerate() {
            new_index[i] = k;
            out.image_features
                .extend_from_slice(row(&self.image_features, self.image_dim, i));
            out.image_zero_shot
                .extend_from_slice(row(&self.image_zero_shot, self.text_dim, i));
        }
        for (c, &i) in self.caption_image.iter().enumerate() {
            if new_index[i] != usize::MAX {
                out.caption_image.push(new_index[i]);
                out.text_features
                    .extend_from_slice(row(&self.text_features, self.text_dim, c));
            }
        }
        out
    }
}

/// Row `i` of a row-major matrix with `d` columns.
pub(crate) fn row(m: &[f32], d: usize, i: usize) -> &[f32] {
    &m[i * d..(i + 1) * d]
}

/// Seeded SplitMix64: tiny, fast, and identical everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`; `stream` separates independent uses of one seed (init, shuffle, dropout).
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next_u64();
        r
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize % n.max(1)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Split image indices `0..n_images` into (fit, validation), validation being `fraction` of them (at least
/// one image when `fraction > 0` and there are two or more images), chosen by `seed`. Both lists are sorted.
pub fn carve_validation(n_images: usize, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n_images).collect();
    Rng::new(seed, 1).shuffle(&mut order);
    let mut n_val = (n_images as f64 * fraction.clamp(0.0, 1.0)).round() as usize;
    if fraction > 0.0 && n_images >= 2 {
        n_val = n_val.clamp(1, n_images - 1);
    }
    let mut val = order[..n_val].to_vec();
    let mut fit = order[n_val..].to_vec();
    val.sort_unstable();
    fit.sort_unstable();
    (fit, val)
}

/// Per-dimension mean and standard deviation of the rows of `m` (`d` columns). Dimensions with (near) zero
/// spread get std 1, so they pass through centred instead of exploding.
pub fn column_stats(m: &[f32], d: usize) -> (Vec<f32>, Vec<f32>) {
    let n = (m.len() / d.max(1)).max(1) as f64;
    let mut mean = vec![0f64; d];
    for r in m.chunks_exact(d) {
        for (a, &x) in mean.iter_mut().zip(r) {
            *a += f64::from(x);
        }
    }
    mean.iter_mut().for_each(|a| *a /= n);
    let mut var = vec![0f64; d];
    for r in m.chunks_exact(d) {
        for ((v, &x), &mu) in var.iter_mut().zip(r).zip(&mean) {
            let e = f64::from(x) - mu;
            *v += e * e;
        }
    }
    let std = var
        .iter()
        .map(|v| (v / n).sqrt())
        .map(|s| if s < 1e-6 { 1.0 } else { s as f32 })
        .collect();
    (mean.into_iter().map(|m| m as f32).collect(), std)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> TrainData {
        TrainData {
            image_features: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            image_zero_shot: vec![1.0, 0.0, 0.0, 1.0, 0.6, 0.8],
            text_features: vec![1.0, 0.0, 0.0, 1.0, 0.6, 0.8, 0.8, 0.6],
            caption_image: vec![0, 1, 2, 2],
            image_dim: 2,
            text_dim: 2,
        }
    }

    #[test]
    fn validate_catches_bad_shapes_and_indices() {
        assert!(toy().validate().is_ok());
        let mut d = toy();
        d.caption_image[1] = 7;
        let msg = d.validate().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("caption 1 points at image 7"), "{msg}");
        let mut d = toy();
        d.text_features.pop();
        assert!(d.validate().is_err());
    }

    #[test]
    fn subset_renumbers_images_and_keeps_their_captions() {
        let s = toy().subset(&[2, 0]);
        assert_eq!(s.image_features, vec![5.0, 6.0, 1.0, 2.0]);
        assert_eq!(s.caption_image, vec![1, 0, 0]);
        assert_eq!(s.text_features, vec![1.0, 0.0, 0.6, 0.8, 0.8, 0.6]);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn carve_is_seeded_disjoint_and_complete() {
        let (fit, val) = carve_validation(100, 0.1, 7);
        assert_eq!(val.len(), 10);
        assert_eq!(carve_validation(100, 0.1, 7), (fit.clone(), val.clone()));
        assert_ne!(carve_validation(100, 0.1, 8).1, val);
        let mut all: Vec<usize> = fit.iter().chain(&val).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(carve_validation(3, 0.01, 1).1.len(), 1);
    }

    #[test]
    fn stats_and_rng_behave() {
        let (mean, std) = column_stats(&[1.0, 5.0, 3.0, 5.0], 2);
        assert_eq!(mean, vec![2.0, 5.0]);
        assert_eq!(std, vec![1.0, 1.0]); // second column constant -> 1
        let mut r = Rng::new(3, 0);
        let xs: Vec<f32> = (0..1000).map(|_| r.unit()).collect();
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = xs.iter().sum::<f32>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05, "{mean}");
        assert_ne!(Rng::new(3, 0).next_u64(), Rng::new(3, 1).next_u64());
    }
}
