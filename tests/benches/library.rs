//! Real-library scale: start-up and keystroke latency at 100,000 and 1,000,000 photos with a trained head.
//!
//! The benchmark builds its synthetic libraries itself (once; kept under `VIGNETTE_BENCH_LIBRARY`, default
//! the system temp folder, and reused while the row count matches): the embedded default pack encodes 48
//! generated pictures (`make_jpegs::photo`), and each indexed photo is one of those real feature and search vectors plus
//! Gaussian noise, under a plausible path (`/library/2019/IMG_000123.jpg`, 1,000 per folder). Up to
//! 100,000 photos every row carries a real 256 px WebP thumbnail; the 1,000,000 library stores a 64-byte
//! stand-in (the bytes per photo are measured at 100,000, and thumbnails are not read at start-up). The
//! head is a two-branch head of the trainer's default shape (1280 → 1024 → 512 and 384 → 1024 → 512, with
//! BatchNorm and a domain gate) with seeded random weights: ranking costs the same as with a trained one.
//!
//! Run: `cargo bench --bench library` (divan: start-up with the head's vectors already stored, keystroke
//! to top-200). `VIGNETTE_BENCH_REPORT=N cargo bench --bench library` instead prints one report for N
//! photos: start-up, resident memory, keystroke p50/p95 over 200 prompts and bytes on disk per photo
//! (what `tests/benches/compare.sh` puts in the README's table).

use std::time::Instant;

use divan::Bencher;
use vignette::search::{SearchOptions, Searcher};

#[path = "library_build.rs"]
mod build;
#[path = "make_jpegs.rs"]
#[allow(dead_code)]
mod make_jpegs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROMPTS: [&str; 8] = [
    "a",
    "a dog",
    "a dog running",
    "a dog running on the",
    "a dog running on the beach",
    "two children playing in the snow",
    "an old bridge over a river at dusk",
    "a red bicycle leaning against a wall",
];

/// Words appended to the prompts so every keystroke of the report is a prompt not seen before.
const WORDS: [&str; 25] = [
    "at night",
    "in winter",
    "from above",
    "close up",
    "in the rain",
    "at sunset",
    "indoors",
    "outdoors",
    "with people",
    "alone",
    "in a city",
    "in a forest",
    "by the sea",
    "black and white",
    "in spring",
    "on a table",
    "in motion",
    "old",
    "new",
    "small",
    "large",
    "blurred",
    "bright",
    "dark",
    "colourful",
];

/// The `i`-th distinct prompt.
fn prompt(i: usize) -> String {
    format!(
        "{} {}",
        PROMPTS[i % PROMPTS.len()],
        WORDS[(i / PROMPTS.len()) % WORDS.len()]
    )
}

fn main() {
    let logs = env_logger::Env::default().filter_or("VIGNETTE_LOG", "warn");
    let _ = env_logger::Builder::from_env(logs).try_init();
    if let Some(n) = std::env::var("VIGNETTE_BENCH_REPORT").ok().and_then(|v| v.parse().ok()) {
        report(n);
    } else {
        divan::main();
    }
}

fn options() -> SearchOptions {
    SearchOptions {
        k: 200,
        min_score: f32::NEG_INFINITY,
    }
}

/// Start-up to searchable: read the zero-shot table and the head's stored vectors, load the text encoder.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 5, sample_size = 1)]
fn startup_with_head(bencher: Bencher, n: usize) {
    let engine = build::library(n);
    bencher.bench(|| Searcher::new(engine.clone()).expect("searcher"));
}

/// Keystroke to ranked top 200: encode the prompt, score every photo in both spaces, fuse, rank.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 40, sample_size = 1)]
fn keystroke_with_head(bencher: Bencher, n: usize) {
    let mut s = Searcher::new(build::library(n)).expect("searcher");
    assert!(s.head().is_some(), "the library pack has a head");
    let mut i = 0;
    bencher.bench_local(|| {
        i += 1;
        s.search(&prompt(i), options()).expect("search")
    });
}

/// Print start-up, memory, keystroke percentiles and index size for `n` photos.
fn report(n: usize) {
    let engine = build::library(n);
    let rss0 = build::rss_kb();
    let t = Instant::now();
    let mut s = Searcher::new(engine.clone()).expect("searcher");
    let startup = t.elapsed().as_secs_f64();
    let rss = build::rss_kb();
    let mut timed = |i: usize| {
        let t = Instant::now();
        let hits = s.search(&prompt(i), options()).expect("search");
        assert_eq!(hits.len(), 200);
        t.elapsed().as_secs_f64() * 1e3
    };
    // New prompts (encode + rank), then the same prompts again (a filter or sort change: rank only).
    let mut times: Vec<f64> = (0..200).map(&mut timed).collect();
    let mut rerank: Vec<f64> = (0..200).map(&mut timed).collect();
    let mut text = engine.text_encoder().expect("text encoder");
    let mut encode: Vec<f64> = (0..200)
        .map(|i| {
            let t = Instant::now();
            text.encode(&[prompt(i + 1000).as_str()]).expect("encode");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * p).round() as usize]
    };
    let bytes = engine.index().expect("index").stats().expect("stats").bytes_on_disk;
    println!("photos {n}");
    println!("startup_s {startup:.3}");
    println!("rss_mb_before {:.0}", rss0 as f64 / 1024.0);
    println!("rss_mb_after_start {:.0}", rss as f64 / 1024.0);
    println!("peak_rss_mb {:.0}", build::peak_rss_kb() as f64 / 1024.0);
    println!("keystroke_ms_p50 {:.1}", pct(&mut times, 0.5));
    println!("keystroke_ms_p95 {:.1}", pct(&mut times, 0.95));
    println!("rerank_ms_p50 {:.1}", pct(&mut rerank, 0.5));
    println!("rerank_ms_p95 {:.1}", pct(&mut rerank, 0.95));
    println!("prompt_encode_ms_p50 {:.1}", pct(&mut encode, 0.5));
    println!("prompt_encode_ms_p95 {:.1}", pct(&mut encode, 0.95));
    println!("index_bytes_per_photo {:.0}", bytes as f64 / n as f64);
    println!("data_dir {}", engine.config.data_dir.display());
}
