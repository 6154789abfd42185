//! Top-k ranking over stored vectors: exact brute force at 10k, 100k and 1M rows (384 dims, the default
//! pack's search space). Run: `cargo bench --bench rank`.

use divan::Bencher;
use vignette::search::rank::top_k;

fn main() {
    divan::main();
}

fn table(n: usize, dim: usize) -> Vec<f32> {
    // Deterministic pseudo-random rows, L2-normalised.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut v: Vec<f32> = (0..n * dim)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
        .collect();
    vignette::model::encoders::normalise_rows(&mut v, dim);
    v
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 20)]
fn top20_of(bencher: Bencher, n: usize) {
    let dim = 384;
    let data = table(n, dim);
    let q = table(1, dim);
    bencher.bench(|| top_k(divan::black_box(&data), dim, &q, 20, f32::NEG_INFINITY));
}

/// The same ranking over q8 codes with the integer scan the searcher uses (`search::table`).
#[divan::bench(args = [100_000, 1_000_000], sample_count = 20)]
fn top20_of_q8(bencher: Bencher, n: usize) {
    let dim = 384;
    let data = table(n, dim);
    let mut m = vignette::index::Q8Matrix::default();
    for r in data.chunks_exact(dim) {
        m.push(r).expect("push");
    }
    let q = vignette::search::table::CodedQuery::new(&table(1, dim));
    bencher.bench(|| {
        vignette::search::rank::top_k_rows(n, 20, f32::NEG_INFINITY, &|row| q.dot(divan::black_box(&m), row))
    });
}
