//! What a training run can be told, with the defaults measured on flickr8k-1k. Its own module so the
//! trainable model (`model`) and the loop (`trainer`) both read it without depending on each other.

use serde::{Deserialize, Serialize};

use crate::train::head::HeadKind;
use crate::train::loss::LossKind;

/// Everything a training run can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Two-branch for unaligned encoders, residual for aligned (CLIP-style) packs.
    pub kind: HeadKind,
    pub hidden: usize,
    /// Output width (ignored by [`HeadKind::Residual`], which keeps the input width).
    pub embed: usize,
    pub margin: f32,
    pub loss: LossKind,
    pub lr: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    pub batch_size: usize,
    pub max_epochs: usize,
    /// Stop after this many epochs without a better validation R-sum.
    pub patience: usize,
    /// Dropout probability after the hidden ReLU.
    pub dropout: f32,
    /// BatchNorm before the normalisation (two-branch only).
    pub batchnorm: bool,
    /// Fraction of training images held out for early stopping and the blend.
    pub validation_fraction: f64,
    pub seed: u64,
    /// Threads for the matrix products (see the module docs).
    pub threads: usize,
    /// Give the head a per-photo domain gate ([`crate::train::domain`]) so photos unlike the training
    /// photos keep their zero-shot score.
    #[serde(default = "yes")]
    pub domain_gate: bool,
}

fn yes() -> bool {
    true
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            kind: HeadKind::TwoBranch,
            hidden: 1024,
            embed: 512,
            margin: 0.2,
            loss: LossKind::SumViolations,
            lr: 1e-3,
            weight_decay: 1e-4,
            batch_size: 128,
            max_epochs: 30,
            patience: 3,
            dropout: 0.2,
            batchnorm: true,
            validation_fraction: 0.1,
            seed: 0,
            threads: 1,
            domain_gate: true,
        }
    }
}
