//! Brute-force top-k over every row.
//!
//! The score of a row comes from the caller ([`super::table`] scans q8 codes; [`top_k`] plain f32 rows).
//! Top-k keeps a bounded heap per chunk and merges them, so memory stays O(k x chunks) even for millions of
//! rows; chunks run on rayon for large tables. Ties are broken by row order (lower row first), so results
//! are deterministic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

/// A ranked row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub row: usize,
    pub score: f32,
}

/// Heap entry ordered so the heap's max is the worst kept result.
#[derive(PartialEq)]
struct Worst(Scored);

impl Eq for Worst {}

impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        better(&self.0, &other.0)
    }
}

/// `Less` when `a` ranks before `b`.
fn better(a: &Scored, b: &Scored) -> Ordering {
    b.score.total_cmp(&a.score).then(a.row.cmp(&b.row))
}

const CHUNK: usize = 16_384;

/// Dot product of two equal-length slices (written so the compiler vectorises it).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ac.remainder().iter().zip(bc.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ac.zip(bc) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

fn top_in(rows: std::ops::Range<usize>, score: &(dyn Fn(usize) -> f32 + Sync), k: usize, min: f32) -> Vec<Scored> {
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    for row in rows {
        let s = Scored { row, score: score(row) };
        if s.score < min || s.score.is_nan() {
            continue;
        }
        if heap.len() < k {
            heap.push(Worst(s));
        } else if let Some(w) = heap.peek()
            && better(&s, &w.0) == Ordering::Less
        {
            heap.pop();
            heap.push(Worst(s));
        }
    }
    heap.into_iter().map(|w| w.0).collect()
}

/// The `k` best of rows `0..n` by `score(row)`, best first, ignoring scores below `min_score` (and NaN,
/// which a filter can use to leave a row out).
pub fn top_k_rows(n: usize, k: usize, min_score: f32, score: &(dyn Fn(usize) -> f32 + Sync)) -> Vec<Scored> {
    if k == 0 {
        return Vec::new();
    }
    let mut all: Vec<Scored> = if n <= CHUNK {
        top_in(0..n, score, k, min_score)
    } else {
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .flat_map_iter(|c| top_in(c * CHUNK..((c + 1) * CHUNK).min(n), score, k, min_score))
            .collect()
    };
    all.sort_by(better);
    all.truncate(k);
    all
}

/// The `k` rows of `data` (`n x dim`, f32) most similar to `query` by dot product.
pub fn top_k(data: &[f32], dim: usize, query: &[f32], k: usize, min_score: f32) -> Vec<Scored> {
    if dim == 0 {
        return Vec::new();
    }
    top_k_rows(data.len() / dim, k, min_score, &|row| {
        dot(&data[row * dim..(row + 1) * dim], query)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_score_with_stable_ties() {
        let data = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.6, 0.8];
        let r = top_k(&data, 2, &[1.0, 0.0], 3, -1.0);
        let rows: Vec<_> = r.iter().map(|s| s.row).collect();
        assert_eq!(rows, [0, 2, 3]);
        let r = top_k(&data, 2, &[1.0, 0.0], 10, 0.5);
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn chunked_matches_naive() {
        let dim = 8;
        let n = CHUNK * 2 + 77;
        let data: Vec<f32> = (0..n * dim)
            .map(|i| ((i * 7919) % 1013) as f32 / 1013.0 - 0.5)
            .collect();
        let q: Vec<f32> = (0..dim).map(|i| (i as f32 - 3.5) / 4.0).collect();
        let fast = top_k(&data, dim, &q, 25, f32::NEG_INFINITY);
        let mut naive: Vec<Scored> = data
            .chunks_exact(dim)
            .enumerate()
            .map(|(row, r)| Scored { row, score: dot(r, &q) })
            .collect();
        naive.sort_by(better);
        naive.truncate(25);
        assert_eq!(fast, naive);
    }
}
