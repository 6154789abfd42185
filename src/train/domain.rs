//! Where a trained head applies: a per-photo gate from the photo's closeness to the training photos.
//!
//! Why: a head fitted on one kind of picture (a writer's holiday photos) ranks pictures of another kind
//! (scanned drawings, screenshots, clip art) worse than the zero-shot bridge does: measured on
//! openmoji-861 with a flickr8k-trained head, the fixed blend lost a fifth of the zero-shot R-sum. So each
//! photo gets a gate `g` in `[0, 1]` and its score is `(1 - blend·g)·zero_shot + blend·g·head`: photos like
//! the training photos get the full blend, photos unlike them keep the zero-shot score.
//!
//! Closeness is the mean cosine of the photo's raw image features to its [`DomainGate::k`] nearest
//! training photos. Measured on flickr8k-1k and openmoji-861 (EfficientNet-Lite0 features): held-out
//! flickr photos score 0.40 to 0.60, drawings 0.30 to 0.40; a diagonal Mahalanobis distance to the
//! training mean did not separate them (drawings lie *nearer* the mean) and a 128-d random projection
//! blurred the gap, so the reference photos are kept whole (at most [`MAX_REFERENCE`] of them, which
//! bounds the cost to about the head's own image branch). The thresholds are calibrated on the
//! validation photos, which the fit never saw, so a new photo of the training kind behaves like them:
//! at or above the 5th percentile of their closeness the gate is 1, and it falls linearly to 0 over
//! one more such spread (the distance from that percentile down from the median).

use candle_core::{Device, Tensor};

use crate::error::{Error, Result};
use crate::train::data::{Rng, row};

/// Most training photos kept as references (a random sample beyond that).
pub const MAX_REFERENCE: usize = 1024;

/// Neighbours averaged for a photo's closeness.
pub const NEIGHBOURS: usize = 10;

/// Rows per matrix product when scoring photos (bounds temporary memory).
const CHUNK: usize = 2048;

/// The per-photo gate of a head: reference photos and two calibrated thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainGate {
    /// `m x dim` L2-normalised raw features of training photos.
    pub reference: Vec<f32>,
    pub dim: usize,
    /// Neighbours averaged (at most the number of references).
    pub k: usize,
    /// Closeness at or above which the head applies fully.
    pub full: f32,
    /// Closeness at or below which the head does not apply.
    pub none: f32,
}

impl DomainGate {
    /// Build the gate from the photos the head was fitted on and calibrate it on held-out `validation`
    /// photos (both `n x dim` raw features).
    pub fn fit(fit: &[f32], validation: &[f32], dim: usize, seed: u64) -> Result<DomainGate> {
        let n = fit.len().checked_div(dim).unwrap_or(0);
        if n == 0 || validation.len() < dim || !fit.len().is_multiple_of(dim) {
            return Err(Error::Train(
                "the domain gate needs fitted and validation photos".into(),
            ));
        }
        let mut rows: Vec<usize> = (0..n).collect();
        if n > MAX_REFERENCE {
            Rng::new(seed, 11).shuffle(&mut rows);
            rows.truncate(MAX_REFERENCE);
            rows.sort_unstable();
        }
        let mut reference: Vec<f32> = rows.iter().flat_map(|&i| row(fit, dim, i).iter().copied()).collect();
        crate::model::encoders::normalise_rows(&mut reference, dim);
        let mut gate = DomainGate {
            reference,
            dim,
            k: NEIGHBOURS.min(rows.len().div_ceil(2)).max(1),
            full: 0.0,
            none: 0.0,
        };
        let mut sims = gate.closeness(validation, validation.len() / dim)?;
        sims.sort_by(f32::total_cmp);
        let q = |p: f64| sims[((sims.len() - 1) as f64 * p).round() as usize];
        let (low, median) = (q(0.05), q(0.5));
        gate.full = low;
        gate.none = low - (median - low).max(0.02);
        Ok(gate)
    }

    /// Mean cosine of each of `n` feature rows to its `k` nearest references.
    pub fn closeness(&self, features: &[f32], n: usize) -> Result<Vec<f32>> {
        if features.len() != n * self.dim {
            return Err(Error::Train(format!(
                "domain gate: {} values given for {n} rows of width {}",
                features.len(),
                self.dim
            )));
        }
        let m = self.reference.len() / self.dim;
        let cerr = |e: candle_core::Error| Error::Train(format!("tensor error: {e}"));
        let refs = Tensor::from_slice(&self.reference, (m, self.dim), &Device::Cpu)
            .and_then(|t| t.t())
            .map_err(cerr)?;
        let mut out = Vec::with_capacity(n);
        for chunk in features.chunks(CHUNK * self.dim) {
            let rows = chunk.len() / self.dim;
            let mut x = chunk.to_vec();
            crate::model::encoders::normalise_rows(&mut x, self.dim);
            let sims = Tensor::from_vec(x, (rows, self.dim), &Device::Cpu)
                .and_then(|t| t.matmul(&refs))
                .and_then(|t| t.flatten_all())
                .and_then(|t| t.to_vec1::<f32>())
                .map_err(cerr)?;
            for r in sims.chunks_exact(m) {
                let mut r = r.to_vec();
                let k = self.k.min(m);
                r.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
                out.push(r[..k].iter().sum::<f32>() / k as f32);
            }
        }
        Ok(out)
    }

    /// The gate of a closeness value: 1 at or above `full`, 0 at or below `none`, linear between.
    pub fn gate_of(&self, closeness: f32) -> f32 {
        if closeness >= self.full {
            1.0
        } else if closeness <= self.none {
            0.0
        } else {
            (closeness - self.none) / (self.full - self.none)
        }
    }

    /// The gates of `n` raw feature rows.
    pub fn gates(&self, features: &[f32], n: usize) -> Result<Vec<f32>> {
        Ok(self
            .closeness(features, n)?
            .into_iter()
            .map(|c| self.gate_of(c))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows drawn around `centre` (one-hot direction) with some noise.
    fn cloud(r: &mut Rng, centre: usize, n: usize, dim: usize) -> Vec<f32> {
        (0..n)
            .flat_map(|_| {
                (0..dim)
                    .map(|j| if j == centre { 3.0 } else { 0.0 } + r.uniform(0.0, 1.0))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn photos_like_the_training_photos_pass_and_others_are_gated_out() {
        let mut r = Rng::new(1, 0);
        let dim = 16;
        let fit = cloud(&mut r, 0, 60, dim);
        let val = cloud(&mut r, 0, 20, dim);
        let gate = DomainGate::fit(&fit, &val, dim, 0).expect("fit");
        assert!(gate.none < gate.full && gate.k == NEIGHBOURS);
        let same = gate.gates(&cloud(&mut r, 0, 50, dim), 50).expect("gates");
        let other = gate.gates(&cloud(&mut r, 5, 50, dim), 50).expect("gates");
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        assert!(mean(&same) > 0.9, "in-domain gates {same:?}");
        assert!(other.iter().all(|&g| g == 0.0), "out-of-domain gates {other:?}");
        assert_eq!(gate.gate_of(gate.full + 0.1), 1.0);
        assert!((gate.gate_of((gate.full + gate.none) / 2.0) - 0.5).abs() < 1e-5);
    }

    #[test]
    fn reference_is_capped_and_bad_sizes_are_errors() {
        let mut r = Rng::new(2, 0);
        let dim = 4;
        let fit = cloud(&mut r, 1, MAX_REFERENCE + 100, dim);
        let gate = DomainGate::fit(&fit, &fit[..8 * dim], dim, 3).expect("fit");
        assert_eq!(gate.reference.len(), MAX_REFERENCE * dim);
        assert!(gate.closeness(&[1.0; 5], 1).is_err());
        assert!(DomainGate::fit(&[], &fit[..dim], dim, 0).is_err());
    }
}
