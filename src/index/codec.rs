//! How vectors are stored: 8-bit codes with a per-row affine scale ("q8"), about a quarter of f32.
//!
//! Why: a real library is 10^5 to 10^6 photos, and every start of the app reads all search vectors (and
//! the trained head's vectors) into memory, every keystroke scans them. At f32 a photo's 1280 raw features
//! and 384-d search vector took 6.6 kB on disk and 1.5 kB in memory; q8 takes 1.7 kB and 0.4 kB, and the
//! integer scan ([`crate::search::table`]) reads a quarter of the bytes. Per-row affine (`x ≈ lo + q·step`,
//! `q` in 0..=255) rather than symmetric int8 because raw CNN features are non-negative (ReLU6): a
//! symmetric code would waste half its levels on them. The rounding error is at most `step/2` per
//! component, under 0.2 % of the row's range; measured on flickr8k-1k it moves neither zero-shot nor
//! trained-blend R@10 (README, "Performance").
//!
//! Blob layout: one tag byte, `lo` and `step` as little-endian f32, then the codes, plus one pad byte
//! when needed so the length is never a multiple of 4. Indexes written before schema 3 hold plain
//! little-endian f32 blobs, whose length always is; both decode, so old rows stay readable.

use crate::error::{Error, Result};

const TAG: u8 = b'q';
const TAG_PADDED: u8 = b'Q';
const HEADER: usize = 9;

/// A q8-coded row borrowed from a blob.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Q8<'a> {
    pub lo: f32,
    pub step: f32,
    pub codes: &'a [u8],
}

/// Encode a row as a q8 blob.
pub fn encode(v: &[f32]) -> Vec<u8> {
    let (lo, step) = scale_of(v);
    let padded = (HEADER + v.len()).is_multiple_of(4);
    let mut out = Vec::with_capacity(HEADER + v.len() + 1);
    out.push(if padded { TAG_PADDED } else { TAG });
    out.extend(lo.to_le_bytes());
    out.extend(step.to_le_bytes());
    out.extend(v.iter().map(|&x| quantise(x, lo, step)));
    if padded {
        out.push(0);
    }
    out
}

/// The affine scale of a row: its minimum and the step between codes.
pub fn scale_of(v: &[f32]) -> (f32, f32) {
    let (lo, hi) = v
        .iter()
        .filter(|x| x.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    if lo > hi {
        return (0.0, 0.0);
    }
    (lo, (hi - lo) / 255.0)
}

/// The code of `x` on a row with this scale.
#[inline]
pub fn quantise(x: f32, lo: f32, step: f32) -> u8 {
    if step > 0.0 && x.is_finite() {
        ((x - lo) / step).round().clamp(0.0, 255.0) as u8
    } else {
        0
    }
}

/// Borrow the codes of a q8 blob; `None` for an f32 blob.
pub fn as_q8(blob: &[u8]) -> Option<Q8<'_>> {
    if blob.len().is_multiple_of(4) || blob.len() < HEADER {
        return None;
    }
    let end = match blob[0] {
        TAG => blob.len(),
        TAG_PADDED => blob.len() - 1,
        _ => return None,
    };
    let f = |i: usize| f32::from_le_bytes([blob[i], blob[i + 1], blob[i + 2], blob[i + 3]]);
    Some(Q8 {
        lo: f(1),
        step: f(5),
        codes: &blob[HEADER..end],
    })
}

/// Decode a stored row (q8 or legacy f32), appending it to `out`; checks its width when `dim` is known.
pub fn decode_into(blob: &[u8], dim: Option<usize>, out: &mut Vec<f32>) -> Result<()> {
    let width = match as_q8(blob) {
        Some(q) => {
            out.extend(q.codes.iter().map(|&c| q.lo + c as f32 * q.step));
            q.codes.len()
        }
        None if blob.len().is_multiple_of(4) => {
            crate::bytes::f32_from_le_into(blob, out);
            blob.len() / 4
        }
        None => return Err(Error::Internal("a stored vector is neither q8 nor f32")),
    };
    match dim {
        Some(d) if d != width => Err(Error::Internal("a stored vector has the wrong width")),
        _ => Ok(()),
    }
}

/// Decode a stored row into a new vector.
pub fn decode(blob: &[u8]) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    decode_into(blob, None, &mut out)?;
    Ok(out)
}

/// Rows of q8 codes in memory, `codes` row-major (`len() x dim`), one affine scale per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Q8Matrix {
    pub dim: usize,
    pub codes: Vec<u8>,
    pub lo: Vec<f32>,
    pub step: Vec<f32>,
}

impl Q8Matrix {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.lo.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.lo.is_empty()
    }

    /// Append a stored row: q8 codes are copied as they are, a legacy f32 row is coded now.
    pub fn push_blob(&mut self, blob: &[u8]) -> Result<()> {
        match as_q8(blob) {
            Some(q) => {
                self.check_width(q.codes.len())?;
                self.codes.extend_from_slice(q.codes);
                self.lo.push(q.lo);
                self.step.push(q.step);
                Ok(())
            }
            None => self.push(&decode(blob)?),
        }
    }

    /// Append an f32 row.
    pub fn push(&mut self, v: &[f32]) -> Result<()> {
        self.check_width(v.len())?;
        let (lo, step) = scale_of(v);
        self.codes.extend(v.iter().map(|&x| quantise(x, lo, step)));
        self.lo.push(lo);
        self.step.push(step);
        Ok(())
    }

    fn check_width(&mut self, width: usize) -> Result<()> {
        if self.is_empty() && self.dim == 0 {
            self.dim = width;
        }
        if width == self.dim {
            Ok(())
        } else {
            Err(Error::Internal("stored vectors of different widths in one index"))
        }
    }

    /// Append every row of `other`.
    pub fn append(&mut self, other: Q8Matrix) -> Result<()> {
        if other.is_empty() {
            return Ok(());
        }
        if self.is_empty() && (self.dim == 0 || self.dim == other.dim) {
            // Moved, not copied: a million rows never exist twice in memory.
            *self = other;
            return Ok(());
        }
        self.check_width(other.dim)?;
        self.codes.extend(other.codes);
        self.lo.extend(other.lo);
        self.step.extend(other.step);
        Ok(())
    }

    /// Append row `i` of `other` as it is coded.
    pub fn push_codes(&mut self, other: &Q8Matrix, i: usize) -> Result<()> {
        self.check_width(other.dim)?;
        self.codes.extend_from_slice(other.codes_of(i));
        self.lo.push(other.lo[i]);
        self.step.push(other.step[i]);
        Ok(())
    }

    /// Release spare capacity left by growing row by row (up to half the bytes after a large read).
    pub fn shrink_to_fit(&mut self) {
        self.codes.shrink_to_fit();
        self.lo.shrink_to_fit();
        self.step.shrink_to_fit();
    }

    /// The codes of row `i`.
    pub fn codes_of(&self, i: usize) -> &[u8] {
        &self.codes[i * self.dim..(i + 1) * self.dim]
    }

    /// Row `i` decoded to f32.
    pub fn row(&self, i: usize) -> Vec<f32> {
        let (lo, step) = (self.lo[i], self.step[i]);
        self.codes_of(i).iter().map(|&c| lo + c as f32 * step).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_error_is_at_most_half_a_step() {
        for dim in [1usize, 2, 3, 4, 7, 384, 1280] {
            let v: Vec<f32> = (0..dim).map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * 0.3).collect();
            let blob = encode(&v);
            assert_ne!(blob.len() % 4, 0, "dim {dim}: q8 never looks like f32");
            let back = decode(&blob).expect("decodes");
            assert_eq!(back.len(), dim);
            let (_, step) = scale_of(&v);
            for (a, b) in v.iter().zip(&back) {
                assert!((a - b).abs() <= step / 2.0 + 1e-7, "dim {dim}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn legacy_f32_blobs_still_decode() {
        let v = [0.5f32, -0.25, 1.0];
        let mut out = Vec::new();
        decode_into(&crate::bytes::f32_to_le(&v), Some(3), &mut out).expect("f32");
        assert_eq!(out, v);
        assert!(decode_into(&crate::bytes::f32_to_le(&v), Some(4), &mut out).is_err());
        assert!(decode(&[1, 2, 3]).is_err(), "garbage is an error, not a vector");
    }

    #[test]
    fn constant_and_non_finite_rows_are_safe() {
        let back = decode(&encode(&[0.7; 5])).expect("constant");
        assert!(back.iter().all(|&x| (x - 0.7).abs() < 1e-6));
        let back = decode(&encode(&[f32::NAN, 1.0, 2.0])).expect("nan");
        assert_eq!(back[0], 1.0, "a non-finite value becomes the row's minimum");
        assert_eq!(decode(&encode(&[])).expect("empty"), Vec::<f32>::new());
    }

    #[test]
    fn matrix_takes_both_formats_and_rejects_other_widths() {
        let mut m = Q8Matrix::default();
        m.push_blob(&encode(&[0.0, 0.5, 1.0])).expect("q8");
        m.push_blob(&crate::bytes::f32_to_le(&[1.0, 0.5, 0.0])).expect("f32");
        assert_eq!((m.len(), m.dim), (2, 3));
        assert!(matches!(m.codes_of(0), [0, 127 | 128, 255]), "{:?}", m.codes_of(0));
        assert!((m.row(1)[1] - 0.5).abs() < 0.003);
        assert!(m.push(&[1.0]).is_err());
        let mut all = Q8Matrix::default();
        all.append(m.clone()).expect("append");
        assert_eq!(all, m);
    }
}
