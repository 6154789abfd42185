//! Byte-level helpers shared by the index, the encoders' caches, the head files and the front ends.
//!
//! One little-endian f32 codec (the index's vector blobs, the label cache, safetensors payloads all store
//! f32 as little-endian bytes, whatever the machine) and one byte-size formatter, so every window and
//! subcommand writes sizes the same way. A leaf module: it imports nothing from the crate.

/// Encode f32s as little-endian bytes.
pub fn f32_to_le(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Decode little-endian bytes into f32s, appending to `out` (a trailing partial value is ignored).
pub fn f32_from_le_into(b: &[u8], out: &mut Vec<f32>) {
    out.extend(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])));
}

/// Decode little-endian bytes into f32s.
pub fn f32_from_le(b: &[u8]) -> Vec<f32> {
    let mut out = Vec::with_capacity(b.len() / 4);
    f32_from_le_into(b, &mut out);
    out
}

/// A byte count for people, in SI units as file managers show them: "300 kB", "351.2 MB", "1.4 GB".
pub fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        n if n >= 1_000_000_000 => format!("{:.1} GB", b / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.0} kB", b / 1e3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_round_trip_is_exact_and_little_endian() {
        let v = [0.0, -1.5, f32::MIN_POSITIVE, 3.25e8];
        let b = f32_to_le(&v);
        assert_eq!(b.len(), 16);
        assert_eq!(&b[4..8], &(-1.5f32).to_le_bytes());
        assert_eq!(f32_from_le(&b), v);
        let mut out = vec![9.0];
        f32_from_le_into(&b[..6], &mut out);
        assert_eq!(out, [9.0, 0.0], "a partial trailing value is ignored");
    }

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(human_size(0), "0 kB");
        assert_eq!(human_size(300_000), "300 kB");
        assert_eq!(human_size(351_234_567), "351.2 MB");
        assert_eq!(human_size(1_400_000_000), "1.4 GB");
    }
}
