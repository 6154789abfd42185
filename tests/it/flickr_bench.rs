//! Measurement against the reference recipe on real features (ignored test; needs cached features).
//!
//! Why a test and not a binary: it reuses the integration-test build and needs no extra target in the
//! manifest; it lives under `tests/` because nothing in it ships. It reads features dumped by an external script from `VIGNETTE_FEATURES_DIR`:
//! `image_features.f32` (n x 1280), `image_zero_shot.f32` (n x 384), `text_features.f32` (captions x 384),
//! raw little-endian, and `index.json` with `images`, `caption_image`, `d_img`, `d_txt` and `split`
//! (`train` / `test` file names). It trains on `train` (validation carved from it), evaluates on `test`,
//! and prints text-to-image R@K of zero-shot, head alone and blend for each seed, with timings.
//! Run: `VIGNETTE_FEATURES_DIR=/tmp/feats cargo test --test it flickr -- --ignored --nocapture`.
//! `encode_100k_rows` (also ignored, needs no data) times `Head::encode_images` on a
//! seed-sized head (1280 → 1024 → 512) over 100,000 rows, the size of a large photo library.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use vignette::train::data::TrainData;
use vignette::train::eval::evaluate_on;
use vignette::train::trainer::{TrainOptions, train};

fn read_f32(p: &Path) -> Vec<f32> {
    vignette::bytes::f32_from_le(&std::fs::read(p).expect("feature file"))
}

fn load(dir: &Path) -> (TrainData, Vec<usize>, Vec<usize>) {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).expect("index.json")).expect("json");
    let images: Vec<String> = serde_json::from_value(index["images"].clone()).expect("images");
    let caption_image: Vec<usize> = serde_json::from_value(index["caption_image"].clone()).expect("caption_image");
    let split = &index["split"];
    let pos: HashMap<&str, usize> = images.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let ids = |k: &str| {
        let names: Vec<String> = serde_json::from_value(split[k].clone()).expect("split names");
        names.iter().map(|n| pos[n.as_str()]).collect::<Vec<_>>()
    };
    let data = TrainData {
        image_features: read_f32(&dir.join("image_features.f32")),
        image_zero_shot: read_f32(&dir.join("image_zero_shot.f32")),
        text_features: read_f32(&dir.join("text_features.f32")),
        caption_image,
        image_dim: index["d_img"].as_u64().expect("d_img") as usize,
        text_dim: index["d_txt"].as_u64().expect("d_txt") as usize,
    };
    data.validate().expect("consistent features");
    (data, ids("train"), ids("test"))
}

fn env_or<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d)
}

#[test]
#[ignore = "needs VIGNETTE_FEATURES_DIR with dumped flickr8k-1k features"]
fn flickr8k_1k_against_reference() {
    let dir = std::env::var("VIGNETTE_FEATURES_DIR").expect("set VIGNETTE_FEATURES_DIR");
    let (data, train_ids, test_ids) = load(Path::new(&dir));
    let (fit, test) = (data.subset(&train_ids), data.subset(&test_ids));
    let seeds: u64 = env_or("VIGNETTE_SEEDS", 5);
    let mut opts = TrainOptions {
        threads: env_or("VIGNETTE_THREADS", 1),
        dropout: env_or("VIGNETTE_DROPOUT", TrainOptions::default().dropout),
        weight_decay: env_or("VIGNETTE_WD", TrainOptions::default().weight_decay),
        validation_fraction: env_or("VIGNETTE_VAL", TrainOptions::default().validation_fraction),
        batchnorm: env_or("VIGNETTE_BN", true),
        ..Default::default()
    };
    if std::env::var("VIGNETTE_HARDEST").is_ok() {
        opts.loss = vignette::train::loss::LossKind::HardestNegative;
    }
    println!("options: {opts:?}");
    println!("seed | zero-shot R@1/5/10 | head R@1/5/10 | blend(w) R@1/5/10 | epochs(best) | s/run | s/epoch");
    let mut sums = [[0.0f64; 3]; 3];
    for seed in 0..seeds {
        opts.seed = seed;
        let t = Instant::now();
        let out = train(&fit, &opts, &|| false, &mut |_| {}).expect("train");
        let secs = t.elapsed().as_secs_f64();
        let ev = evaluate_on(&out.head, &test, out.blend).expect("evaluate");
        let rs = [
            ev.zero_shot.text_to_image,
            ev.head.text_to_image,
            ev.blend.text_to_image,
        ];
        for (s, r) in sums.iter_mut().zip(&rs) {
            s[0] += r.r1;
            s[1] += r.r5;
            s[2] += r.r10;
        }
        println!(
            "{seed} | {:.1}/{:.1}/{:.1} | {:.1}/{:.1}/{:.1} | ({:.2}) {:.1}/{:.1}/{:.1} | {}({}) | {secs:.1} | {:.2}",
            rs[0].r1,
            rs[0].r5,
            rs[0].r10,
            rs[1].r1,
            rs[1].r5,
            rs[1].r10,
            out.blend,
            rs[2].r1,
            rs[2].r5,
            rs[2].r10,
            out.history.len(),
            out.best_epoch,
            secs / out.history.len() as f64
        );
    }
    let n = seeds as f64;
    let mean = |s: &[f64; 3]| format!("{:.1}/{:.1}/{:.1}", s[0] / n, s[1] / n, s[2] / n);
    println!("mean | {} | {} | {}", mean(&sums[0]), mean(&sums[1]), mean(&sums[2]));
    // The goal: the blend beats the zero-shot bridge on the test split.
    assert!(sums[2].iter().sum::<f64>() > sums[0].iter().sum::<f64>());
}

#[test]
#[ignore = "timing; run with --ignored --nocapture"]
fn encode_100k_rows() {
    use vignette::train::data::Rng;
    use vignette::train::head::{BatchNormWeights, BranchWeights, Head, HeadConfig, HeadKind};
    let (i, t, h, o) = (1280, 384, 1024, 512);
    let mut r = Rng::new(1, 1);
    let mut v = |n: usize| (0..n).map(|_| r.uniform(-0.05, 0.05)).collect::<Vec<f32>>();
    let mut branch = |d: usize| BranchWeights {
        mean: vec![0.1; d],
        std: vec![2.0; d],
        w1: v(d * h),
        b1: v(h),
        w2: v(h * o),
        b2: v(o),
        bn: Some(BatchNormWeights {
            gamma: vec![1.0; o],
            beta: vec![0.0; o],
            running_mean: vec![0.0; o],
            running_var: vec![1.0; o],
        }),
    };
    let (image, text) = (branch(i), branch(t));
    let config = HeadConfig {
        kind: HeadKind::TwoBranch,
        image_dim: i,
        text_dim: t,
        hidden: h,
        embed: o,
        batchnorm: true,
        bn_eps: 1e-5,
    };
    let head = Head::new(config, image, text, 0.5).expect("head");
    let n = 100_000;
    let feats: Vec<f32> = (0..n * i).map(|k| ((k * 7919) % 1000) as f32 / 500.0).collect();
    let t0 = Instant::now();
    let out = head.encode_images(&feats, n).expect("encode");
    let secs = t0.elapsed().as_secs_f64();
    println!("encoded {n} image rows (1280 -> 1024 -> 512) in {secs:.2} s");
    assert_eq!(out.len(), n * o);
    let norm: f32 = out[..o].iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-4);
}
