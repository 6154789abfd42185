//! The trained two-branch head and its inference path (its file format is in [`crate::train::head_file`]).
//!
//! Each branch maps one modality into a shared embedding space (Wang et al. 2018, "two-branch network"):
//! standardise → Linear → ReLU → (dropout, training only) → Linear → (BatchNorm) → L2-normalise. For
//! `aligned` (CLIP-style) packs the [`HeadKind::Residual`] adapter is used instead: `x + W2·relu(W1·x)`,
//! L2-normalised, with `W2` and its bias zero at initialisation so training starts from zero-shot quality.
//!
//! Why inference is folded: at search time the head runs over every photo in the library, so standardisation
//! is folded into the first layer and eval-mode BatchNorm into the second when a head is built. Encoding is
//! then two matrix products (candle's `gemm`, multi-threaded), a ReLU and a normalisation per chunk of rows,
//! with one output allocation. The unfolded weights are kept for saving, so a file round-trips exactly.
//!
//! Layout convention: row vectors, `y = x·W + b`, so `w1` is `in x hidden` and `w2` is `hidden x out`.

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which architecture a head has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadKind {
    /// Two independent MLP branches into a new `embed`-wide space (unaligned encoders).
    TwoBranch,
    /// Identity-initialised residual adapters that stay in the encoders' shared space (aligned encoders).
    Residual,
}

/// Shape and options of a head, saved with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadConfig {
    pub kind: HeadKind,
    /// Width of the image-branch input.
    pub image_dim: usize,
    /// Width of the text-branch input.
    pub text_dim: usize,
    /// Hidden width of both branches.
    pub hidden: usize,
    /// Output width (equals the input widths for [`HeadKind::Residual`]).
    pub embed: usize,
    /// BatchNorm before the normalisation (two-branch only).
    pub batchnorm: bool,
    /// BatchNorm epsilon.
    pub bn_eps: f32,
}

impl HeadConfig {
    /// Check the combination is buildable.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Train(format!("bad head config: {m}: {self:?}")));
        if self.image_dim == 0 || self.text_dim == 0 || self.hidden == 0 || self.embed == 0 {
            return bad("all widths must be positive");
        }
        if self.kind == HeadKind::Residual {
            if self.image_dim != self.embed || self.text_dim != self.embed {
                return bad("a residual head needs image_dim == text_dim == embed");
            }
            if self.batchnorm {
                return bad("a residual head cannot use BatchNorm (it would break the identity start)");
            }
        }
        Ok(())
    }

    pub(crate) fn branch_dims(&self, image: bool) -> (usize, usize, usize) {
        (
            if image { self.image_dim } else { self.text_dim },
            self.hidden,
            self.embed,
        )
    }
}

/// BatchNorm parameters and running statistics of one branch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormWeights {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    pub running_mean: Vec<f32>,
    pub running_var: Vec<f32>,
}

/// The unfolded weights of one branch, as trained and saved.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchWeights {
    /// Input standardisation: `(x - mean) / std`.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// `in x hidden`.
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    /// `hidden x out`.
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
    pub bn: Option<BatchNormWeights>,
}

/// Inference-ready tensors with standardisation and BatchNorm folded in.
#[derive(Clone)]
struct Folded {
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
    in_dim: usize,
    residual: bool,
}

/// A trained head, ready to encode.
#[derive(Clone)]
pub struct Head {
    config: HeadConfig,
    image: BranchWeights,
    text: BranchWeights,
    blend: f32,
    folded_image: Folded,
    folded_text: Folded,
    /// Where the head applies (see [`crate::train::domain`]); `None` means everywhere.
    domain: Option<crate::train::domain::DomainGate>,
}

impl std::fmt::Debug for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Head")
            .field("config", &self.config)
            .field("blend", &self.blend)
            .finish_non_exhaustive()
    }
}

/// Rows encoded per matrix product; bounds temporary memory at about `CHUNK x hidden` floats.
const CHUNK: usize = 4096;

fn cerr(e: candle_core::Error) -> Error {
    Error::Train(format!("tensor error: {e}"))
}

impl Head {
    /// Build a head from weights, checking every size against `config`.
    pub fn new(config: HeadConfig, image: BranchWeights, text: BranchWeights, blend: f32) -> Result<Head> {
        config.validate()?;
        for (name, b, is_image) in [("image", &image, true), ("text", &text, false)] {
            check_branch(&config, name, b, is_image).map_err(Error::Train)?;
        }
        let folded_image = fold(&config, &image, true)?;
        let folded_text = fold(&config, &text, false)?;
        Ok(Head {
            config,
            image,
            text,
            blend,
            folded_image,
            folded_text,
            domain: None,
        })
    }

    /// The same head, applied only where `domain` lets it.
    pub fn with_domain(mut self, domain: Option<crate::train::domain::DomainGate>) -> Head {
        self.domain = domain;
        self
    }

    /// The head's per-photo gate, if it has one.
    pub fn domain(&self) -> Option<&crate::train::domain::DomainGate> {
        self.domain.as_ref()
    }

    /// Per-photo gates of `n` raw image feature rows: all 1 for a head without a domain gate.
    pub fn gates(&self, feats: &[f32], n: usize) -> Result<Vec<f32>> {
        match &self.domain {
            Some(d) => d.gates(feats, n),
            None => Ok(vec![1.0; n]),
        }
    }

    /// Shape and options.
    pub fn config(&self) -> &HeadConfig {
        &self.config
    }

    /// The blend chosen on validation when the head was trained (a pack's `HeadSpec::blend` overrides it).
    pub fn blend(&self) -> f32 {
        self.blend
    }

    /// Unfolded weights of the image and text branches.
    pub fn weights(&self) -> (&BranchWeights, &BranchWeights) {
        (&self.image, &self.text)
    }

    /// Encode `n` image feature rows (`n x image_dim`) into L2-normalised `n x embed` vectors (eval mode).
    pub fn encode_images(&self, feats: &[f32], n: usize) -> Result<Vec<f32>> {
        encode(&self.folded_image, feats, n, self.config.embed)
    }

    /// Encode `n` sentence embeddings (`n x text_dim`) into L2-normalised `n x embed` vectors (eval mode).
    pub fn encode_texts(&self, feats: &[f32], n: usize) -> Result<Vec<f32>> {
        encode(&self.folded_text, feats, n, self.config.embed)
    }
}

pub(crate) fn branch_tensors<'a>(
    c: &HeadConfig,
    b: &'a BranchWeights,
    image: bool,
) -> Vec<(&'static str, Vec<usize>, &'a [f32])> {
    let (i, h, o) = c.branch_dims(image);
    let mut v: Vec<(&'static str, Vec<usize>, &'a [f32])> = vec![
        ("mean", vec![i], &b.mean),
        ("std", vec![i], &b.std),
        ("w1", vec![i, h], &b.w1),
        ("b1", vec![h], &b.b1),
        ("w2", vec![h, o], &b.w2),
        ("b2", vec![o], &b.b2),
    ];
    if let Some(bn) = &b.bn {
        v.push(("bn.gamma", vec![o], &bn.gamma));
        v.push(("bn.beta", vec![o], &bn.beta));
        v.push(("bn.running_mean", vec![o], &bn.running_mean));
        v.push(("bn.running_var", vec![o], &bn.running_var));
    }
    v
}

fn check_branch(c: &HeadConfig, name: &str, b: &BranchWeights, image: bool) -> std::result::Result<(), String> {
    if c.kind == HeadKind::Residual && (b.mean.iter().any(|&m| m != 0.0) || b.std.iter().any(|&s| s != 1.0)) {
        return Err(format!(
            "{name} branch: a residual head works on the raw aligned vectors (mean 0, std 1)"
        ));
    }
    if c.batchnorm != b.bn.is_some() {
        return Err(format!(
            "{name} branch: BatchNorm weights present = {}, config says {}",
            b.bn.is_some(),
            c.batchnorm
        ));
    }
    for (field, shape, data) in branch_tensors(c, b, image) {
        let want: usize = shape.iter().product();
        if data.len() != want {
            return Err(format!(
                "{name}.{field} has {} values, expected {want} ({shape:?})",
                data.len()
            ));
        }
    }
    Ok(())
}

/// Fold standardisation into layer 1 and eval-mode BatchNorm into layer 2.
fn fold(c: &HeadConfig, b: &BranchWeights, image: bool) -> Result<Folded> {
    let (i, h, o) = c.branch_dims(image);
    let mut w1 = b.w1.clone();
    let mut b1 = b.b1.clone();
    for r in 0..i {
        let (mu, inv) = (b.mean[r], 1.0 / b.std[r]);
        let w_row = &mut w1[r * h..(r + 1) * h];
        for (wv, bv) in w_row.iter_mut().zip(b1.iter_mut()) {
            *wv *= inv;
            *bv -= mu * *wv;
        }
    }
    let mut w2 = b.w2.clone();
    let mut b2 = b.b2.clone();
    if let Some(bn) = &b.bn {
        let scale: Vec<f32> = bn
            .gamma
            .iter()
            .zip(&bn.running_var)
            .map(|(g, v)| g / (v + c.bn_eps).sqrt())
            .collect();
        for w_row in w2.chunks_exact_mut(o) {
            w_row.iter_mut().zip(&scale).for_each(|(w, s)| *w *= s);
        }
        for k in 0..o {
            b2[k] = (b2[k] - bn.running_mean[k]) * scale[k] + bn.beta[k];
        }
    }
    let t = |v: Vec<f32>, s: &[usize]| Tensor::from_vec(v, s, &Device::Cpu).map_err(cerr);
    Ok(Folded {
        w1: t(w1, &[i, h])?,
        b1: t(b1, &[h])?,
        w2: t(w2, &[h, o])?,
        b2: t(b2, &[o])?,
        in_dim: i,
        residual: c.kind == HeadKind::Residual,
    })
}

fn encode(f: &Folded, feats: &[f32], n: usize, out_dim: usize) -> Result<Vec<f32>> {
    if feats.len() != n * f.in_dim {
        return Err(Error::Train(format!(
            "cannot encode: {} values given for {n} rows of width {} (expected {})",
            feats.len(),
            f.in_dim,
            n * f.in_dim
        )));
    }
    let mut out = Vec::with_capacity(n * out_dim);
    for chunk in feats.chunks(CHUNK * f.in_dim) {
        let rows = chunk.len() / f.in_dim;
        let x = Tensor::from_slice(chunk, (rows, f.in_dim), &Device::Cpu).map_err(cerr)?;
        let hdn = x
            .matmul(&f.w1)
            .and_then(|t| t.broadcast_add(&f.b1))
            .and_then(|t| t.relu())
            .map_err(cerr)?;
        let mut y = hdn.matmul(&f.w2).and_then(|t| t.broadcast_add(&f.b2)).map_err(cerr)?;
        if f.residual {
            y = (y + &x).map_err(cerr)?;
        }
        let start = out.len();
        out.extend(y.flatten_all().and_then(|t| t.to_vec1::<f32>()).map_err(cerr)?);
        for r in out[start..].chunks_exact_mut(out_dim) {
            let norm = r.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            r.iter_mut().for_each(|v| *v /= norm);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "head_tests.rs"]
pub(crate) mod tests;
