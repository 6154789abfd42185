//! The near-duplicate threshold against real photos: distinct flickr8k-1k photos must stay apart and
//! burst-like edits of one photo (resized, re-encoded, cropped, brightened, shifted) must group.
//!
//! Quick by default (the first 60 photos); the figures in `src/search/dedup.rs` come from all 1000:
//! `DEDUP_PHOTOS=1000 cargo test --test it dedup_threshold -- --nocapture`.

use std::path::Path;

use image::{DynamicImage, RgbImage, imageops};
use vignette::library::decode;
use vignette::library::facts::{hamming, thumb_dhash};
use vignette::search::dedup::DHASH_THRESHOLD;

/// dHash of an image passed through the indexer's steps (WebP thumbnail, then its hash).
fn indexed_dhash(img: &RgbImage) -> u64 {
    let thumb = decode::thumbnail(img, vignette::jobs::THUMB_SIDE).expect("thumb");
    thumb_dhash(&thumb).expect("hash")
}

fn jpeg(img: &RgbImage, quality: u8) -> RgbImage {
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality))
        .expect("encode");
    decode::decode(Path::new("e.jpg"), &out, 4096).expect("decode").image
}

fn crop(img: &RgbImage, left: f32, top: f32, right: f32, bottom: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (x, y) = ((w as f32 * left) as u32, (h as f32 * top) as u32);
    let (cw, ch) = (w - x - (w as f32 * right) as u32, h - y - (h as f32 * bottom) as u32);
    imageops::crop_imm(img, x, y, cw, ch).to_image()
}

type Edit = (&'static str, fn(&RgbImage) -> RgbImage);

const EDITS: [Edit; 7] = [
    ("resized to 50%", |i| {
        imageops::resize(i, i.width() / 2, i.height() / 2, imageops::FilterType::Triangle)
    }),
    ("re-encoded q=40", |i| jpeg(i, 40)),
    ("cropped 5% a side", |i| crop(i, 0.05, 0.05, 0.05, 0.05)),
    ("cropped 10% a side", |i| crop(i, 0.10, 0.10, 0.10, 0.10)),
    ("brightened +25", |i| {
        DynamicImage::ImageRgb8(i.clone()).brighten(25).to_rgb8()
    }),
    ("shifted 3% (burst)", |i| crop(i, 0.03, 0.0, 0.0, 0.0)),
    ("shifted 6% (burst)", |i| crop(i, 0.06, 0.02, 0.0, 0.0)),
];

#[test]
fn dedup_threshold_separates_photos_and_groups_edits() {
    let Some(shared) = crate::support::shared_dir() else {
        return;
    };
    let n: usize = std::env::var("DEDUP_PHOTOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut files: Vec<_> = std::fs::read_dir(shared.join("datasets/flickr8k-1k/images"))
        .expect("images")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files.truncate(n);
    let mut originals = Vec::new();
    let mut edit_dist = vec![Vec::new(); EDITS.len()];
    for p in &files {
        let bytes = std::fs::read(p).expect("read");
        let img = decode::decode(p, &bytes, 4096).expect("decode").image;
        let h = indexed_dhash(&img);
        originals.push(h);
        for (e, (_, edit)) in EDITS.iter().enumerate() {
            edit_dist[e].push(hamming(h, indexed_dhash(&edit(&img))));
        }
    }
    let pairs: Vec<u32> = (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .map(|(a, b)| hamming(originals[a], originals[b]))
        .collect();
    let share = |d: &[u32], t: u32| d.iter().filter(|&&x| x <= t).count() as f64 / d.len().max(1) as f64;
    let mut report = format!("{n} photos, {} distinct pairs\nT   false pairs  ", pairs.len());
    report += &EDITS.map(|(name, _)| format!("{name:>19}")).join("");
    for t in [4, 6, 8, 10, 12, 14, 16] {
        report += &format!("\n{t:<3} {:>10.4}%  ", 100.0 * share(&pairs, t));
        report += &edit_dist
            .iter()
            .map(|d| format!("{:>18.1}%", 100.0 * share(d, t)))
            .collect::<String>();
    }
    let min_pair = pairs.iter().min().copied().unwrap_or(64);
    report += &format!("\nclosest distinct pair: {min_pair} bits");
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{report}");
    let t = DHASH_THRESHOLD;
    assert!(
        share(&pairs, t) < 0.00001,
        "too many distinct photos group at {t}:\n{report}"
    );
    // Size, quality, brightness and a 3% shift must group; larger crops are reported, not required.
    for e in [0, 1, 4, 5] {
        assert!(
            share(&edit_dist[e], t) >= 0.9,
            "{} does not group at {t}:\n{report}",
            EDITS[e].0
        );
    }
}
