//! The search-quality benchmark on the shared data (ignored tests; the numbers in the README come from here).
//!
//! Why a test and not a binary: it reuses the integration-test build and needs no extra target in the
//! manifest. `quality_on_shared_data` opens the default pack with a data folder of its own
//! (`VIGNETTE_BENCH_DATA`, default `/tmp/vignette-quality-bench`, kept so a second run reuses the index),
//! prepares flickr8k-1k `train` and `test` and all of openmoji-861 from `VIGNETTE_SHARED_DIR`, then for
//! each seed trains on `train` (validation carved from it) and prints text-to-image R@1/5/10 of zero-shot,
//! head and blend on the flickr test split and on openmoji (never trained or tuned on), with mean and
//! standard deviation over the seeds. Options: `VIGNETTE_SEEDS` (5), `VIGNETTE_HARDEST=1` (hardest
//! negative loss), `VIGNETTE_RESIDUAL=1` (the residual adapter, trained on the zero-shot vectors since the
//! default pack's features and sentence embeddings differ in width), `VIGNETTE_GATE=0` (no domain gate),
//! `VIGNETTE_BENCH_PACK=DIR` (another pack, e.g. a copy with the first bridge's `[labels]` table), and
//! `VIGNETTE_{DROPOUT,WD,LR,MARGIN,EMBED,HIDDEN,PATIENCE,VAL}` for the training options.
//! Run: `VIGNETTE_SHARED_DIR=../shared cargo test --release --test it quality_on -- --ignored --nocapture`.
//! Timing a seed-sized head over 100,000 rows is `flickr_bench::encode_100k_rows` (one copy).

use std::path::{Path, PathBuf};
use std::time::Instant;

use vignette::config::Config;
use vignette::engine::Engine;
use vignette::jobs::CancelToken;
use vignette::train::captions;
use vignette::train::data::TrainData;
use vignette::train::eval::{evaluate_on, evaluate_standardised, evaluate_zero_shot};
use vignette::train::head::HeadKind;
use vignette::train::metrics::{Recall, RetrievalReport};
use vignette::train::prepare::prepare;
use vignette::train::trainer::{TrainOptions, TrainOutcome, train};

fn env_or<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d)
}

fn prepared(engine: &Engine, ds: &Path, subset: Option<&str>) -> TrainData {
    let mut set = captions::load_with_images(&ds.join("captions.jsonl"), None).expect("caption set");
    if let Some(subset) = subset {
        let split = captions::read_split(&ds.join("split.json")).expect("split");
        set.retain_names(&split[subset]);
    }
    prepare(engine, &set, &|_| {}, &CancelToken::new())
        .expect("prepare")
        .data
}

/// `r1/r5/r10` of each run, as mean ± standard deviation.
fn summary(runs: &[Recall]) -> String {
    let n = runs.len() as f64;
    let stat = |f: fn(&Recall) -> f64| {
        let m = runs.iter().map(f).sum::<f64>() / n;
        let sd = (runs.iter().map(|r| (f(r) - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        format!("{m:.1} ± {sd:.1}")
    };
    format!(
        "{} / {} / {} (sum {})",
        stat(|r| r.r1),
        stat(|r| r.r5),
        stat(|r| r.r10),
        stat(Recall::rsum)
    )
}

/// The alternative fusion on `test` and `probe`, its blend chosen on the run's validation photos.
fn standardised(
    out: &TrainOutcome,
    fit: &TrainData,
    test: &TrainData,
    probe: &TrainData,
) -> (RetrievalReport, RetrievalReport, f32) {
    let val = fit.subset(&out.validation_images);
    let rsum = |w| {
        evaluate_standardised(&out.head, &val, w)
            .expect("eval")
            .text_to_image
            .rsum()
    };
    let blend = vignette::train::eval::BLEND_GRID
        .iter()
        .copied()
        .max_by(|&x, &y| rsum(x).total_cmp(&rsum(y)).then(y.total_cmp(&x)))
        .unwrap_or(0.5);
    (
        evaluate_standardised(&out.head, test, blend).expect("eval"),
        evaluate_standardised(&out.head, probe, blend).expect("eval"),
        blend,
    )
}

#[test]
#[ignore = "needs VIGNETTE_SHARED_DIR with flickr8k-1k and openmoji-861; minutes"]
fn quality_on_shared_data() {
    let shared = PathBuf::from(std::env::var("VIGNETTE_SHARED_DIR").expect("set VIGNETTE_SHARED_DIR"));
    let data_dir = std::env::var("VIGNETTE_BENCH_DATA").unwrap_or_else(|_| "/tmp/vignette-quality-bench".into());
    let mut config = Config::new(Some(PathBuf::from(data_dir))).expect("config");
    config.pack = std::env::var("VIGNETTE_BENCH_PACK").unwrap_or_else(|_| vignette::config::DEFAULT_PACK.to_owned());
    let engine = Engine::open(config).expect("default pack");
    let flickr = shared.join("datasets/flickr8k-1k");
    let moji = shared.join("datasets/openmoji-861");
    let (mut fit, mut test, mut probe) = (
        prepared(&engine, &flickr, Some("train")),
        prepared(&engine, &flickr, Some("test")),
        prepared(&engine, &moji, None),
    );
    let d = TrainOptions::default();
    let mut opts = TrainOptions {
        domain_gate: env_or("VIGNETTE_GATE", 1) == 1,
        dropout: env_or("VIGNETTE_DROPOUT", d.dropout),
        weight_decay: env_or("VIGNETTE_WD", d.weight_decay),
        lr: env_or("VIGNETTE_LR", d.lr),
        margin: env_or("VIGNETTE_MARGIN", d.margin),
        embed: env_or("VIGNETTE_EMBED", d.embed),
        hidden: env_or("VIGNETTE_HIDDEN", d.hidden),
        patience: env_or("VIGNETTE_PATIENCE", d.patience),
        validation_fraction: env_or("VIGNETTE_VAL", d.validation_fraction),
        ..d
    };
    if env_or("VIGNETTE_HARDEST", 0) == 1 {
        opts.loss = vignette::train::loss::LossKind::HardestNegative;
    }
    if env_or("VIGNETTE_RESIDUAL", 0) == 1 {
        opts.kind = HeadKind::Residual;
        for d in [&mut fit, &mut test, &mut probe] {
            d.image_features = d.image_zero_shot.clone();
            d.image_dim = d.text_dim;
        }
    }
    println!("options: {opts:?}");
    let zs = (
        evaluate_zero_shot(&test).expect("eval"),
        evaluate_zero_shot(&probe).expect("eval"),
    );
    println!("zero-shot flickr8k-1k test: {}", summary(&[zs.0.text_to_image]));
    println!("zero-shot openmoji-861:     {}", summary(&[zs.1.text_to_image]));
    let (mut runs, mut below) = (vec![Vec::new(); 6], 0);
    for seed in 0..env_or("VIGNETTE_SEEDS", 5u64) {
        opts.seed = seed;
        let t = Instant::now();
        let out = train(&fit, &opts, &|| false, &mut |_| {}).expect("train");
        let (a, b) = (
            evaluate_on(&out.head, &test, out.blend).expect("evaluate"),
            evaluate_on(&out.head, &probe, out.blend).expect("evaluate"),
        );
        let r = |x: &Recall| format!("{:.1}/{:.1}/{:.1}", x.r1, x.r5, x.r10);
        println!(
            "seed {seed}: blend {:.2}, best epoch {}, {:.0} s | flickr head {} blend {} (gate {:.2}) | openmoji head {} blend {} (gate {:.2})",
            out.blend,
            out.best_epoch,
            t.elapsed().as_secs_f64(),
            r(&a.head.text_to_image),
            r(&a.blend.text_to_image),
            a.mean_gate,
            r(&b.head.text_to_image),
            r(&b.blend.text_to_image),
            b.mean_gate
        );
        below += usize::from(b.blend.text_to_image.rsum() < zs.1.text_to_image.rsum());
        let (sa, sb, std_blend) = standardised(&out, &fit, &test, &probe);
        println!(
            "        standardised fusion (blend {std_blend:.2}): flickr {} openmoji {}",
            r(&sa.text_to_image),
            r(&sb.text_to_image)
        );
        runs[4].push(sa.text_to_image);
        runs[5].push(sb.text_to_image);
        for (v, x) in runs.iter_mut().zip([a.head, a.blend, b.head, b.blend]) {
            v.push(x.text_to_image);
        }
    }
    println!("flickr8k-1k test head:  {}", summary(&runs[0]));
    println!("flickr8k-1k test blend: {}", summary(&runs[1]));
    println!("openmoji-861 head:      {}", summary(&runs[2]));
    println!("openmoji-861 blend:     {}", summary(&runs[3]));
    println!("flickr8k-1k test standardised fusion: {}", summary(&runs[4]));
    println!("openmoji-861 standardised fusion:     {}", summary(&runs[5]));
    println!("seeds with the openmoji blend below zero-shot: {below}");
    let mean = |v: &[Recall], f: fn(&Recall) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    assert!(mean(&runs[1], Recall::rsum) > zs.0.text_to_image.rsum());
}
