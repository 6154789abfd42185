//! Unit tests of `head` (kept beside it so the module stays short).

use super::*;
use crate::train::data::Rng;

pub(crate) fn random_head(kind: HeadKind, batchnorm: bool, seed: u64) -> Head {
    let (i, t, h, o) = if kind == HeadKind::Residual {
        (4, 4, 3, 4)
    } else {
        (5, 3, 6, 4)
    };
    let config = HeadConfig {
        kind,
        image_dim: i,
        text_dim: t,
        hidden: h,
        embed: o,
        batchnorm,
        bn_eps: 1e-5,
    };
    let mut r = Rng::new(seed, 9);
    let mut v = |n: usize, lo: f32, hi: f32| (0..n).map(|_| r.uniform(lo, hi)).collect::<Vec<f32>>();
    let residual = kind == HeadKind::Residual;
    let mut branch = |d: usize| BranchWeights {
        mean: if residual { vec![0.0; d] } else { v(d, -1.0, 1.0) },
        std: if residual { vec![1.0; d] } else { v(d, 0.5, 2.0) },
        w1: v(d * h, -1.0, 1.0),
        b1: v(h, -0.5, 0.5),
        w2: v(h * o, -1.0, 1.0),
        b2: v(o, -0.5, 0.5),
        bn: batchnorm.then(|| BatchNormWeights {
            gamma: v(o, 0.5, 1.5),
            beta: v(o, -0.5, 0.5),
            running_mean: v(o, -0.5, 0.5),
            running_var: v(o, 0.5, 2.0),
        }),
    };
    let image = branch(i);
    let text = branch(t);
    Head::new(config, image, text, 0.4).expect("valid head")
}

/// The textbook, unfolded forward pass in plain Rust.
#[allow(clippy::needless_range_loop)]
fn reference(c: &HeadConfig, b: &BranchWeights, x: &[f32]) -> Vec<f32> {
    let (h, o) = (c.hidden, c.embed);
    let xs: Vec<f32> = x
        .iter()
        .zip(&b.mean)
        .zip(&b.std)
        .map(|((v, m), s)| (v - m) / s)
        .collect();
    let hid: Vec<f32> = (0..h)
        .map(|j| (b.b1[j] + xs.iter().enumerate().map(|(r, v)| v * b.w1[r * h + j]).sum::<f32>()).max(0.0))
        .collect();
    let mut y: Vec<f32> = (0..o)
        .map(|k| b.b2[k] + hid.iter().enumerate().map(|(j, v)| v * b.w2[j * o + k]).sum::<f32>())
        .collect();
    if c.kind == HeadKind::Residual {
        y.iter_mut().zip(&xs).for_each(|(a, v)| *a += v);
    }
    if let Some(bn) = &b.bn {
        for k in 0..o {
            y[k] = (y[k] - bn.running_mean[k]) / (bn.running_var[k] + c.bn_eps).sqrt() * bn.gamma[k] + bn.beta[k];
        }
    }
    let n = y.iter().map(|v| v * v).sum::<f32>().sqrt();
    y.iter().map(|v| v / n).collect()
}

#[test]
fn folded_encoding_matches_the_unfolded_forward_pass() {
    for bn in [false, true] {
        let head = random_head(HeadKind::TwoBranch, bn, 1);
        let x: Vec<f32> = (0..15).map(|k| (k as f32 * 0.37).sin()).collect();
        let got = head.encode_images(&x, 3).expect("encode");
        for r in 0..3 {
            let want = reference(head.config(), &head.image, &x[r * 5..(r + 1) * 5]);
            for (a, b) in got[r * 4..(r + 1) * 4].iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "bn={bn} row {r}: {a} vs {b}");
            }
        }
        let t = head.encode_texts(&x[..6], 2).expect("encode");
        let want = reference(head.config(), &head.text, &x[3..6]);
        assert!(t[4..].iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-5));
    }
}

#[test]
fn encode_rejects_wrong_sizes() {
    let head = random_head(HeadKind::TwoBranch, false, 1);
    let err = head
        .encode_images(&[0.0; 7], 2)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("7 values given for 2 rows of width 5"), "{err}");
}
