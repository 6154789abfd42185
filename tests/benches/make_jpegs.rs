//! Generator of large, photo-like JPEGs for decode and indexing benchmarks (no data set needed).
//!
//! `cargo bench --bench make_jpegs -- DIR COUNT WIDTHxHEIGHT [QUALITY [FIRST]]` writes COUNT distinct JPEGs
//! (different content, so the indexer's content hash never reuses one; FIRST, default 0, is the first
//! seed, so several generators in parallel write different photos): smooth gradients and blobs with
//! edges and sensor-like noise, which compress at q90 to about the size of a phone photo (12 MP: ~4 MB).
//! The decode bench uses [`photo`] directly.

use std::path::PathBuf;

use image::{Rgb, RgbImage};

/// A deterministic photo-like image; `seed` changes every pixel.
pub fn photo(w: u32, h: u32, seed: u32) -> RgbImage {
    let mut state = 0x9E37_79B9u32 ^ seed.wrapping_mul(0x85EB_CA6B);
    let (fw, fh) = (w as f32, h as f32);
    let phase = seed as f32 * 0.37;
    RgbImage::from_fn(w, h, |x, y| {
        // xorshift noise, about +-8 levels
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state & 15) as f32 - 8.0;
        let (u, v) = (x as f32 / fw, y as f32 / fh);
        let blob = ((u * 7.0 + phase).sin() * (v * 5.0 - phase).cos()) * 60.0;
        let edge = if ((u * 23.0 + v * 11.0 + phase) as i32) % 3 == 0 {
            40.0
        } else {
            0.0
        };
        let r = 90.0 + 100.0 * u + blob + edge + noise;
        let g = 80.0 + 90.0 * v - blob * 0.5 + noise;
        let b = 140.0 - 60.0 * u + blob * 0.3 + edge * 0.5 + noise;
        Rgb([r, g, b].map(|c| c.clamp(0.0, 255.0) as u8))
    })
}

/// Encode as baseline JPEG at `quality` (4:2:0, as cameras write).
pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc).expect("encode JPEG");
    out
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let usage = "usage: cargo bench --bench make_jpegs -- DIR COUNT WIDTHxHEIGHT [QUALITY [FIRST]]";
    let [dir, count, size, rest @ ..] = args.as_slice() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let count: u32 = count.parse().expect("COUNT");
    let (w, h) = size.split_once('x').expect("WIDTHxHEIGHT");
    let (w, h): (u32, u32) = (w.parse().expect("width"), h.parse().expect("height"));
    let quality: u8 = rest.first().map_or(90, |q| q.parse().expect("QUALITY"));
    let first: u32 = rest.get(1).map_or(0, |f| f.parse().expect("FIRST"));
    std::fs::create_dir_all(&dir).expect("create DIR");
    for i in first..first + count {
        let bytes = jpeg(&photo(w, h, i), quality);
        std::fs::write(dir.join(format!("photo-{w}x{h}-{i:04}.jpg")), bytes).expect("write");
    }
    println!("wrote {count} JPEGs of {w}x{h} at q{quality} to {}", dir.display());
}
