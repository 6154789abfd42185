//! Facts about a photo that filters and near-duplicate grouping need: when it was taken and a
//! perceptual hash of what it shows.
//!
//! **Date taken.** EXIF `DateTimeOriginal` (else `DateTimeDigitized`, else `DateTime`) read with
//! `kamadak-exif`, which finds the EXIF block in JPEG, TIFF (so TIFF-based RAW: DNG, NEF, ARW, CR2, ...),
//! HEIF/HEIC/AVIF, PNG and WebP files. Where there is none (a screenshot, an export that stripped it, JPEG
//! XL and CR3, whose containers it cannot read) the file's modification time stands in. Dates are naive
//! wall-clock times (see [`super::dates`]).
//!
//! **dHash.** The difference hash of the stored thumbnail: 9x8 grey pixels by area averaging, one bit
//! per horizontal neighbour pair (left brighter than right). It survives resizing, re-encoding and
//! small crops or exposure changes, which is what burst shots and edited copies differ by, and costs
//! one 320 px thumbnail decode. It is computed from the stored thumbnail (not the decoded photo) at index time
//! *and* when an older index is migrated, so both paths give identical hashes.

use std::io::Cursor;

use image::imageops::{FilterType, resize};

use super::dates;

/// Seconds since the epoch (wall clock) of the EXIF capture date in `bytes`, if it has one.
pub fn exif_taken_at(bytes: &[u8]) -> Option<i64> {
    let exif = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)).ok()?;
    [
        exif::Tag::DateTimeOriginal,
        exif::Tag::DateTimeDigitized,
        exif::Tag::DateTime,
    ]
    .iter()
    .find_map(|&tag| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Ascii(ref v) = field.value else {
            return None;
        };
        let t = exif::DateTime::from_ascii(v.first()?).ok()?;
        dates::seconds(
            i64::from(t.year),
            u32::from(t.month),
            u32::from(t.day),
            u32::from(t.hour),
            u32::from(t.minute),
            u32::from(t.second),
        )
    })
}

/// The date a photo was taken: its EXIF date, else its modification time.
pub fn taken_at(bytes: &[u8], mtime_ns: i64) -> i64 {
    exif_taken_at(bytes).unwrap_or(mtime_ns.div_euclid(1_000_000_000))
}

/// The difference hash of an image.
pub fn dhash(img: &image::DynamicImage) -> u64 {
    // A first area-averaging step to 72x64 so the bilinear 9x8 step sees every pixel, not a few samples.
    let grey = img.to_luma8();
    let mid = resize(&grey, 72, 64, FilterType::Triangle);
    let small = resize(&mid, 9, 8, FilterType::Triangle);
    let mut h = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            h = (h << 1) | u64::from(small.get_pixel(x, y)[0] > small.get_pixel(x + 1, y)[0]);
        }
    }
    h
}

/// The difference hash of a stored thumbnail (WebP, or JPEG in older indexes); `None` when it cannot be
/// decoded.
pub fn thumb_dhash(thumb: &[u8]) -> Option<u64> {
    image::load_from_memory(thumb).ok().map(|img| dhash(&img))
}

/// Bits that differ between two hashes.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// An 8x8 JPEG whose EXIF `DateTimeOriginal` is `date` ("YYYY:MM:DD HH:MM:SS" and a NUL), for tests.
#[cfg(test)]
pub(crate) fn jpeg_taken(date: &[u8; 20]) -> Vec<u8> {
    use image::ImageEncoder as _;
    // TIFF header, IFD0 with one entry: the Exif IFD pointer; Exif IFD with DateTimeOriginal.
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend([0, 1, 0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    tiff.extend([0, 1, 0x90, 0x03, 0, 2, 0, 0, 0, 20, 0, 0, 0, 44, 0, 0, 0, 0]);
    tiff.extend(date);
    let mut bytes = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
    enc.set_exif_metadata(tiff).expect("exif");
    enc.write_image(&[9; 8 * 8 * 3], 8, 8, image::ExtendedColorType::Rgb8)
        .expect("encode");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, RgbImage};

    fn scene(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let v = ((fx * 7.0).sin() * 90.0 + (fy * 5.0).cos() * 60.0 + 128.0) as u8;
            image::Rgb([v, v / 2, 255 - v])
        }))
    }

    #[test]
    fn dhash_survives_resizing_but_not_a_different_picture() {
        let a = dhash(&scene(320, 240));
        let b = dhash(&scene(160, 120));
        let other = dhash(&DynamicImage::ImageRgb8(RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([((x * y) % 251) as u8, (x % 256) as u8, (y * 3 % 256) as u8])
        })));
        assert!(hamming(a, b) <= 4, "{}", hamming(a, b));
        assert!(hamming(a, other) > 16, "{}", hamming(a, other));
    }

    #[test]
    fn exif_date_is_read_and_missing_exif_falls_back_to_mtime() {
        let bytes = jpeg_taken(b"2021:07:14 09:30:05\0");
        let want = dates::seconds(2021, 7, 14, 9, 30, 5).expect("valid");
        assert_eq!(taken_at(&bytes, 5_000_000_000), want);
        assert_eq!(taken_at(b"no exif here", 5_000_000_000), 5);
    }
}
