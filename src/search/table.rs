//! The in-memory search table and its integer scan.
//!
//! Why integers: at 1,000,000 photos a keystroke scores every row in the zero-shot space and, with a
//! trained head, in the head's space too: 640 values per row. Kept as f32 that is 2.5 GB of memory and
//! 2.5 GB read per keystroke; as q8 codes ([`crate::index::codec`]) it is 640 MB, the same bytes the index
//! stores. The query is coded to 12-bit integers, so a row's dot product is an exact integer sum of
//! `u8 x i16` products (which compilers turn into `pmaddwd`, 8 products per instruction on any x86-64)
//! followed by the row's affine correction:
//!
//! `x·q ≈ Σ (lo + c_j·step)·q_j = lo·Σq + step·scale·Σ c_j·qq_j`, with `q ≈ scale·qq`.
//!
//! The 12-bit query adds an error of at most 1/8190 of its largest component per term, far below the
//! codes' own; the sum cannot overflow i32 for rows up to 2,048 values (asserted when the query is coded).

use crate::index::Q8Matrix;

/// A query coded for the integer scan.
#[derive(Debug, Clone, Default)]
pub struct CodedQuery {
    codes: Vec<i16>,
    scale: f32,
    sum: f32,
}

/// Largest query code: 255 x 4095 x 2048 < 2^31.
const QMAX: f32 = 4095.0;

impl CodedQuery {
    /// Code an f32 query.
    pub fn new(q: &[f32]) -> CodedQuery {
        debug_assert!(q.len() <= 2048, "wider rows could overflow the i32 sum");
        let max = q.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / QMAX } else { 1.0 };
        CodedQuery {
            codes: q.iter().map(|x| (x / scale).round() as i16).collect(),
            scale,
            sum: q.iter().sum(),
        }
    }

    /// Dot product of row `row` of `m` with this query.
    #[inline]
    pub fn dot(&self, m: &Q8Matrix, row: usize) -> f32 {
        let dot = idot(m.codes_of(row), &self.codes);
        m.lo[row] * self.sum + m.step[row] * self.scale * dot as f32
    }
}

/// `Σ a_j·b_j` in exact integer arithmetic: with AVX2 where the processor has it (twice the products
/// per instruction; the x86-64 baseline the binary is built for only guarantees SSE2).
#[inline]
#[allow(unsafe_code)]
fn idot(a: &[u8], b: &[i16]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2 (checked just above), the only requirement of `idot_avx2`.
        return unsafe { idot_avx2(a, b) };
    }
    idot_portable(a, b)
}

/// [`idot_portable`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn idot_avx2(a: &[u8], b: &[i16]) -> i32 {
    idot_portable(a, b)
}

/// In blocks of 16 so the compiler emits multiply-add instructions (`pmaddwd`).
#[inline(always)]
fn idot_portable(a: &[u8], b: &[i16]) -> i32 {
    let mut acc = [0i32; 16];
    let (ac, bc) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    for (x, y) in ac.zip(bc) {
        for i in 0..16 {
            acc[i] += i32::from(i16::from(x[i])) * i32::from(y[i]);
        }
    }
    acc.iter().sum::<i32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, dim: usize, seed: u64) -> Vec<f32> {
        let mut s = seed | 1;
        let mut v: Vec<f32> = (0..n * dim)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % 2001) as f32 / 1000.0 - 1.0
            })
            .collect();
        crate::model::encoders::normalise_rows(&mut v, dim);
        v
    }

    #[test]
    fn integer_scan_matches_f32_dot_products() {
        for dim in [3usize, 16, 37, 384] {
            let data = rows(200, dim, dim as u64);
            let q = rows(1, dim, 99);
            let mut m = Q8Matrix::default();
            for r in data.chunks_exact(dim) {
                m.push(r).expect("push");
            }
            let cq = CodedQuery::new(&q);
            for (i, r) in data.chunks_exact(dim).enumerate() {
                let exact: f32 = r.iter().zip(&q).map(|(a, b)| a * b).sum();
                let got = cq.dot(&m, i);
                assert!((exact - got).abs() < 0.01, "dim {dim} row {i}: {exact} vs {got}");
            }
        }
    }

    #[test]
    fn q8_ranking_keeps_the_f32_top_ten() {
        let (n, dim) = (5000, 384);
        let data = rows(n, dim, 7);
        let mut m = Q8Matrix::default();
        for r in data.chunks_exact(dim) {
            m.push(r).expect("push");
        }
        let mut overlap = 0;
        for s in 0..20u64 {
            let q = rows(1, dim, 1000 + s);
            let exact = super::super::rank::top_k(&data, dim, &q, 10, f32::NEG_INFINITY);
            let cq = CodedQuery::new(&q);
            let coded = super::super::rank::top_k_rows(n, 10, f32::NEG_INFINITY, &|i| cq.dot(&m, i));
            overlap += exact.iter().filter(|e| coded.iter().any(|c| c.row == e.row)).count();
        }
        assert!(overlap >= 190, "q8 top-10 shares {overlap}/200 rows with f32");
    }

    #[test]
    fn both_kernels_agree() {
        let a: Vec<u8> = (0..389).map(|i| (i * 31 % 256) as u8).collect();
        let b: Vec<i16> = (0..389).map(|i| ((i * 97 % 8191) as i16) - 4095).collect();
        let exact: i32 = a.iter().zip(&b).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum();
        assert_eq!(idot_portable(&a, &b), exact);
        assert_eq!(idot(&a, &b), exact);
    }

    #[test]
    fn zero_query_scores_zero() {
        let mut m = Q8Matrix::default();
        m.push(&[0.5, -0.5]).expect("push");
        assert_eq!(CodedQuery::new(&[0.0, 0.0]).dot(&m, 0), 0.0);
    }
}
