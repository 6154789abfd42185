//! The trainable model behind [`crate::train::trainer`]: candle variables, the training-mode forward pass,
//! BatchNorm bookkeeping and one optimisation step.
//!
//! Why it is written out instead of using `candle_nn::{Linear, BatchNorm, Dropout}`: weight init, dropout
//! masks and BatchNorm running statistics must come from the seeded [`Rng`] and be readable as plain
//! vectors, so that runs repeat exactly and the result converts to a [`Head`] (whose inference path is
//! tested against the same maths). Invariants: running statistics are updated after the optimiser step from
//! the batch statistics of the forward pass (PyTorch order, momentum 0.1, unbiased running variance); a
//! residual branch keeps identity standardisation and starts with `W2 = 0`, `b2 = 0`.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer};

use crate::error::{Error, Result};
use crate::train::data::{Rng, TrainData, column_stats, row};
use crate::train::head::{BatchNormWeights, BranchWeights, Head, HeadConfig, HeadKind};
use crate::train::loss::{negative_mask, triplet_loss};
use crate::train::options::TrainOptions;

pub(crate) fn cerr(e: candle_core::Error) -> Error {
    Error::Train(format!("tensor error: {e}"))
}

pub(crate) fn standardise(m: &[f32], mean: &[f32], std: &[f32]) -> Vec<f32> {
    let d = mean.len();
    m.chunks_exact(d)
        .flat_map(|r| r.iter().zip(mean).zip(std).map(|((x, mu), s)| (x - mu) / s))
        .collect()
}

pub(crate) fn gather(m: &[f32], d: usize, rows: &[usize]) -> Vec<f32> {
    rows.iter().flat_map(|&r| row(m, d, r).iter().copied()).collect()
}

pub(crate) fn dropout_mask(rng: &mut Rng, rows: usize, cols: usize, p: f32) -> Option<Vec<f32>> {
    (p > 0.0).then(|| {
        (0..rows * cols)
            .map(|_| if rng.unit() < p { 0.0 } else { 1.0 / (1.0 - p) })
            .collect()
    })
}

/// Trainable variables and running statistics of one branch.
pub(crate) struct BranchVars {
    w1: Var,
    b1: Var,
    w2: Var,
    b2: Var,
    bn: Option<(Var, Var)>,
    running: Option<(Vec<f32>, Vec<f32>)>,
    pub(crate) mean: Vec<f32>,
    pub(crate) std: Vec<f32>,
    residual: bool,
}

impl BranchVars {
    fn new(c: &HeadConfig, image: bool, feats: &[f32], rng: &mut Rng) -> candle_core::Result<BranchVars> {
        let (i, h, o) = c.branch_dims(image);
        let residual = c.kind == HeadKind::Residual;
        let (mean, std) = if residual {
            (vec![0.0; i], vec![1.0; i])
        } else {
            column_stats(feats, i)
        };
        // PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
        let mut uniform = |n: usize, fan_in: usize, shape: &[usize]| {
            let a = 1.0 / (fan_in as f32).sqrt();
            Var::from_vec(
                (0..n).map(|_| rng.uniform(-a, a)).collect::<Vec<f32>>(),
                shape,
                &Device::Cpu,
            )
        };
        let w1 = uniform(i * h, i, &[i, h])?;
        let b1 = uniform(h, i, &[h])?;
        let (w2, b2) = if residual {
            (
                Var::zeros((h, o), DType::F32, &Device::Cpu)?,
                Var::zeros(o, DType::F32, &Device::Cpu)?,
            )
        } else {
            (uniform(h * o, h, &[h, o])?, uniform(o, h, &[o])?)
        };
        let bn = if c.batchnorm {
            Some((
                Var::ones(o, DType::F32, &Device::Cpu)?,
                Var::zeros(o, DType::F32, &Device::Cpu)?,
            ))
        } else {
            None
        };
        let running = c.batchnorm.then(|| (vec![0.0; o], vec![1.0; o]));
        Ok(BranchVars {
            w1,
            b1,
            w2,
            b2,
            bn,
            running,
            mean,
            std,
            residual,
        })
    }

    /// Training-mode forward pass; also returns the batch mean and (biased) variance fed to BatchNorm.
    fn forward(&self, x: &Tensor, mask: Option<&Tensor>) -> candle_core::Result<(Tensor, Option<(Tensor, Tensor)>)> {
        let mut h = x
            .matmul(self.w1.as_tensor())?
            .broadcast_add(self.b1.as_tensor())?
            .relu()?;
        if let Some(m) = mask {
            h = h.mul(m)?;
        }
        let mut y = h.matmul(self.w2.as_tensor())?.broadcast_add(self.b2.as_tensor())?;
        if self.residual {
            y = (y + x)?;
        }
        let mut stats = None;
        if let Some((gamma, beta)) = &self.bn {
            let mean = y.mean_keepdim(0)?;
            let centred = y.broadcast_sub(&mean)?;
            let var = centred.sqr()?.mean_keepdim(0)?;
            let inv = (var.affine(1.0, 1e-5)?).sqrt()?.recip()?;
            y = centred
                .broadcast_mul(&inv)?
                .broadcast_mul(gamma.as_tensor())?
                .broadcast_add(beta.as_tensor())?;
            stats = Some((mean.detach(), var.detach()));
        }
        let norm = y.sqr()?.sum_keepdim(1)?.affine(1.0, 1e-12)?.sqrt()?;
        Ok((y.broadcast_div(&norm)?, stats))
    }

    fn update_running(&mut self, stats: Option<(Tensor, Tensor)>, batch: usize) -> candle_core::Result<()> {
        if let (Some((rm, rv)), Some((m, v))) = (self.running.as_mut(), stats) {
            let unbias = batch as f32 / (batch as f32 - 1.0);
            for (r, x) in rm.iter_mut().zip(m.flatten_all()?.to_vec1::<f32>()?) {
                *r = 0.9 * *r + 0.1 * x;
            }
            for (r, x) in rv.iter_mut().zip(v.flatten_all()?.to_vec1::<f32>()?) {
                *r = 0.9 * *r + 0.1 * x * unbias;
            }
        }
        Ok(())
    }

    fn weights(&self) -> candle_core::Result<BranchWeights> {
        let v = |t: &Var| t.as_tensor().flatten_all()?.to_vec1::<f32>();
        let bn = match (&self.bn, &self.running) {
            (Some((g, b)), Some((rm, rv))) => Some(BatchNormWeights {
                gamma: v(g)?,
                beta: v(b)?,
                running_mean: rm.clone(),
                running_var: rv.clone(),
            }),
            _ => None,
        };
        Ok(BranchWeights {
            mean: self.mean.clone(),
            std: self.std.clone(),
            w1: v(&self.w1)?,
            b1: v(&self.b1)?,
            w2: v(&self.w2)?,
            b2: v(&self.b2)?,
            bn,
        })
    }
}

/// Both branches.
pub(crate) struct Model {
    pub(crate) image: BranchVars,
    pub(crate) text: BranchVars,
}

impl Model {
    pub(crate) fn new(c: &HeadConfig, fit: &TrainData, seed: u64) -> candle_core::Result<Model> {
        let mut rng = Rng::new(seed, 4);
        let image = BranchVars::new(c, true, &fit.image_features, &mut rng)?;
        let text = BranchVars::new(c, false, &fit.text_features, &mut rng)?;
        Ok(Model { image, text })
    }

    pub(crate) fn vars(&self) -> Vec<Var> {
        let mut v = Vec::new();
        for b in [&self.image, &self.text] {
            v.extend([b.w1.clone(), b.b1.clone(), b.w2.clone(), b.b2.clone()]);
            if let Some((g, be)) = &b.bn {
                v.extend([g.clone(), be.clone()]);
            }
        }
        v
    }

    /// One optimisation step on a batch; returns the loss before the update.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn step(
        &mut self,
        opt: &mut AdamW,
        xi: Vec<f32>,
        xt: Vec<f32>,
        mi: Option<Vec<f32>>,
        mt: Option<Vec<f32>>,
        images: &[usize],
        o: &TrainOptions,
    ) -> candle_core::Result<f32> {
        let b = images.len();
        let xi = Tensor::from_vec(xi, (b, self.image.mean.len()), &Device::Cpu)?;
        let xt = Tensor::from_vec(xt, (b, self.text.mean.len()), &Device::Cpu)?;
        let hidden = self.image.b1.as_tensor().dim(0)?;
        let mask = |m: Option<Vec<f32>>| m.map(|m| Tensor::from_vec(m, (b, hidden), &Device::Cpu)).transpose();
        let (mi, mt) = (mask(mi)?, mask(mt)?);
        let (ei, si) = self.image.forward(&xi, mi.as_ref())?;
        let (et, st) = self.text.forward(&xt, mt.as_ref())?;
        let scores = et.matmul(&ei.t()?)?;
        let loss = triplet_loss(&scores, &negative_mask(images)?, o.margin, o.loss)?;
        let grads = loss.backward()?;
        opt.step(&grads)?;
        self.image.update_running(si, b)?;
        self.text.update_running(st, b)?;
        loss.to_scalar::<f32>()
    }

    pub(crate) fn head(&self, c: &HeadConfig) -> Result<Head> {
        let image = self.image.weights().map_err(cerr)?;
        let text = self.text.weights().map_err(cerr)?;
        Head::new(c.clone(), image, text, 1.0)
    }
}
