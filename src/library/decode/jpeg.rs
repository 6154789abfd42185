//! JPEG, the common case for photos, through DCT scaling: a 12 MP photo decodes straight to 1/2, 1/4 or
//! 1/8 size, enough for a 224 px model input and a 320 px thumbnail, at a fraction of the cost of a full
//! decode. 8-bit JPEGs (nearly every photo) go through libjpeg-turbo's decoder (the `mozjpeg` crate):
//! its Huffman decoding is what a scaled decode spends its time on, and it is about 1.6x `jpeg-decoder`
//! there (`cargo bench --bench decode -- jpeg_candidates`). Whatever it cannot read (12-bit, lossless,
//! CMYK, or a file it rejects) goes through `jpeg-decoder`, which also words the error. Grey, 16-bit and
//! CMYK files come out as 8-bit RGB too.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

use super::jpeg_header;
use super::limits::{BUDGET, check_size, decode_err};
use super::{Decoded, swaps_sides};
use crate::error::Result;

/// Decode so that the shorter side stays at least `min_side` where the file is that big.
pub(super) fn decode(path: &Path, bytes: &[u8], min_side: u32) -> Result<Decoded> {
    decode_oriented(path, bytes, min_side, Orientation::NoTransforms)
}

/// [`decode`], turning by `fallback` when the JPEG has no EXIF orientation of its own (a RAW preview
/// whose container holds the orientation).
pub(super) fn decode_oriented(path: &Path, bytes: &[u8], min_side: u32, fallback: Orientation) -> Result<Decoded> {
    let header = jpeg_header::parse(bytes).ok_or_else(|| decode_err(path, "damaged JPEG: no frame header"))?;
    let (w, h) = (header.width, header.height);
    check_size(path, w, h)?;
    let factor = scale_factor(w, h, min_side);
    if header.precision == 8 && !header.lossless {
        let _lease = BUDGET.take(path, u64::from(w.div_ceil(factor)) * u64::from(h.div_ceil(factor)) * 6)?;
        if let Some((img, exif)) = decode_turbo(bytes, factor) {
            let orientation = exif.and_then(|e| Orientation::from_exif_chunk(&e)).unwrap_or(fallback);
            return Ok(oriented(img, orientation, (w, h)));
        }
    }
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    dec.read_info().map_err(|e| decode_err(path, e))?;
    let (sw, sh) = if header.lossless {
        // Lossless frames have no DCT to scale.
        (w, h)
    } else {
        let req = (w.div_ceil(factor), h.div_ceil(factor));
        let req = (
            u16::try_from(req.0).unwrap_or(u16::MAX),
            u16::try_from(req.1).unwrap_or(u16::MAX),
        );
        let (sw, sh) = dec.scale(req.0, req.1).map_err(|e| decode_err(path, e))?;
        (u32::from(sw), u32::from(sh))
    };
    // Decoder output (up to 4 bytes a pixel, 2 for 16-bit grey), our RGB copy and the rotated copy.
    let px = u64::from(sw) * u64::from(sh);
    let _lease = BUDGET.take(path, px * (4 + 3 + 3))?;
    let pixels = dec.decode().map_err(|e| decode_err(path, e))?;
    let info = dec.info().ok_or_else(|| decode_err(path, "missing JPEG header"))?;
    let rgb = to_rgb(info.pixel_format, header.precision, pixels);
    let img =
        RgbImage::from_raw(sw, sh, rgb).ok_or_else(|| decode_err(path, "decoder returned a short pixel buffer"))?;
    let orientation = dec
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(fallback);
    Ok(oriented(img, orientation, (w, h)))
}

fn oriented(img: RgbImage, orientation: Orientation, (w, h): (u32, u32)) -> Decoded {
    let mut dynimg = DynamicImage::ImageRgb8(img);
    dynimg.apply_orientation(orientation);
    let original = if swaps_sides(orientation) { (h, w) } else { (w, h) };
    Decoded {
        image: dynimg.into_rgb8(),
        original,
    }
}

/// libjpeg-turbo's decode at 1/`factor` size, as RGB, with the EXIF block (TIFF header onwards) if any.
/// `None` where it fails; libjpeg reports fatal errors by unwinding (`mozjpeg`'s error manager resumes
/// an unwind without the panic hook), caught here so a bad file never takes a thread down.
fn decode_turbo(bytes: &[u8], factor: u32) -> Option<(RgbImage, Option<Vec<u8>>)> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut d = mozjpeg::Decompress::with_markers(&[mozjpeg::Marker::APP(1)])
            .from_mem(bytes)
            .ok()?;
        let exif = d
            .markers()
            .find_map(|m| m.data.strip_prefix(b"Exif\0\0").map(<[u8]>::to_vec));
        d.scale(u8::try_from(8 / factor.clamp(1, 8)).unwrap_or(1));
        let mut started = d.rgb().ok()?;
        let (sw, sh) = (
            u32::try_from(started.width()).ok()?,
            u32::try_from(started.height()).ok()?,
        );
        let pixels = started.read_scanlines::<u8>().ok()?;
        started.finish().ok()?;
        Some((RgbImage::from_raw(sw, sh, pixels)?, exif))
    }))
    .ok()
    .flatten()
}

/// The DCT scale (1, 2, 4 or 8) that keeps the shorter side at least `min_side`.
pub(super) fn scale_factor(w: u32, h: u32, min_side: u32) -> u32 {
    let wanted = (w.min(h).max(1) / min_side.max(1)).clamp(1, 8);
    [8u32, 4, 2, 1].into_iter().find(|f| *f <= wanted).unwrap_or(1)
}

fn to_rgb(format: jpeg_decoder::PixelFormat, precision: u8, pixels: Vec<u8>) -> Vec<u8> {
    match format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&v| [v, v, v]).collect(),
        jpeg_decoder::PixelFormat::L16 => {
            // Samples are native-endian u16 holding `precision` significant bits: keep the top 8 of
            // them (taking one byte of the pair kept the low byte on little-endian machines: noise).
            let shift = u32::from(precision.clamp(8, 16)) - 8;
            pixels
                .chunks_exact(2)
                .map(|c| (u16::from_ne_bytes([c[0], c[1]]) >> shift).min(255) as u8)
                .flat_map(|v| [v, v, v])
                .collect()
        }
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|c| {
                // jpeg-decoder undoes Adobe's inverted storage (and YCCK): these are ink amounts.
                let k = 255 - u16::from(c[3]);
                [c[0], c[1], c[2]].map(|v| (((255 - u16::from(v)) * k) / 255) as u8)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_samples_keep_their_high_bits() {
        let samples: [u16; 3] = [0xFFFF, 0x8000, 0x00FF];
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_ne_bytes()).collect();
        let rgb = to_rgb(jpeg_decoder::PixelFormat::L16, 16, bytes);
        assert_eq!(rgb, [255, 255, 255, 128, 128, 128, 0, 0, 0]);
        let twelve: Vec<u8> = [0x0FFFu16, 0x0800].iter().flat_map(|s| s.to_ne_bytes()).collect();
        assert_eq!(
            to_rgb(jpeg_decoder::PixelFormat::L16, 12, twelve),
            [255, 255, 255, 128, 128, 128]
        );
    }

    #[test]
    fn libjpeg_turbo_agrees_with_jpeg_decoder_and_refuses_garbage() {
        let img = RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, (x / 3) as u8])
        });
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&img)
            .expect("encode");
        let (turbo, exif) = decode_turbo(&bytes, 4).expect("libjpeg-turbo decodes");
        assert!(exif.is_none());
        let mut dec = jpeg_decoder::Decoder::new(Cursor::new(&bytes));
        dec.read_info().expect("info");
        assert_eq!(dec.scale(160, 120).expect("scale"), (160, 120));
        let reference = dec.decode().expect("jpeg-decoder");
        assert_eq!(turbo.dimensions(), (160, 120));
        let diff: u64 = turbo
            .as_raw()
            .iter()
            .zip(&reference)
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        assert!(
            diff / (reference.len() as u64) < 4,
            "mean difference {}",
            diff / reference.len() as u64
        );
        assert!(decode_turbo(b"\xFF\xD8 not a jpeg", 1).is_none());
    }

    #[test]
    fn scale_keeps_the_shorter_side() {
        assert_eq!(scale_factor(4000, 3000, 320), 8);
        assert_eq!(scale_factor(1000, 600, 224), 2);
        assert_eq!(scale_factor(100, 100, 224), 1);
        assert_eq!(scale_factor(100, 100, u32::MAX), 1);
    }
}
