//! Query latency with the real default pack: text encoding of a prompt, and ranking the flickr8k-1k index.
//!
//! Needs the shared seed encoders and photos (`VIGNETTE_SHARED_DIR`, default `../shared`); indexes the
//! 1,000 photos into a temp data folder once, then measures. Run: `cargo bench --bench search`.

use std::path::PathBuf;
use std::sync::Arc;

use divan::Bencher;
use vignette::config::Config;
use vignette::engine::Engine;
use vignette::jobs::{CancelToken, IndexRequest, run_index};
use vignette::search::{SearchOptions, Searcher};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn shared() -> PathBuf {
    std::env::var_os("VIGNETTE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

fn searcher() -> Searcher {
    let data = std::env::temp_dir().join("vignette-bench-search");
    let config = Config::new(Some(data)).expect("config");
    let engine = Arc::new(Engine::open(config).expect("default pack (set VIGNETTE_SHARED_DIR)"));
    let req = IndexRequest {
        roots: vec![shared().join("datasets/flickr8k-1k/images")],
        remember_folders: true,
        prune: true,
    };
    run_index(&engine, &req, &|_| {}, &CancelToken::new()).expect("index");
    Searcher::new(engine).expect("searcher")
}

/// Keystroke to ranked results: encode the prompt, rank 1,000 photos, top 200.
#[divan::bench(sample_count = 30)]
fn prompt_to_results(bencher: Bencher) {
    let mut s = searcher();
    let prompts = [
        "a dog",
        "a dog running",
        "a dog running on the beach",
        "two children playing in the snow",
    ];
    let mut i = 0;
    bencher.bench_local(|| {
        i += 1;
        s.search(
            prompts[i % prompts.len()],
            SearchOptions {
                k: 200,
                min_score: f32::NEG_INFINITY,
            },
        )
        .expect("search")
    });
}
