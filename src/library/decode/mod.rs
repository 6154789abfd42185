//! Decoding a photo once into everything the index needs: a model-sized RGB image and a thumbnail.
//!
//! Invariants: every photo comes out upright (EXIF orientation or the container's transform applied), in
//! 8-bit RGB, transparent pixels composited on white (as the reference preprocessing does). Nothing is
//! allocated for pixels before the header passed the size checks and the shared byte budget
//! ([`limits`]), and a decoder that panics costs one photo (a skip with the reason), never the run.
//!
//! One entry point, [`decode`], for the indexer, the thumbnails, the preview and image queries, so every
//! front end reads the same formats. It picks the decoder from the file's first bytes (and the extension
//! for RAW, whose containers look like TIFF):
//!
//! | format | module | library |
//! |---|---|---|
//! | JPEG | [`jpeg`] | `jpeg-decoder`, DCT-scaled to the size asked for |
//! | PNG, WebP, GIF, BMP, TIFF | [`generic`] | `image` |
//! | HEIC/HEIF, AVIF | [`heif`] | libheif, loaded at run time |
//! | DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2 | [`raw`] | the embedded JPEG preview, via [`jpeg`] |
//! | JPEG XL | [`jxl`] | `jxl-oxide` |

mod generic;
pub mod heif;
pub mod jpeg;
pub mod jpeg_header;
mod jxl;
pub mod limits;
pub mod raw;

use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

use crate::error::{Error, Result};
use limits::decode_err;
pub use limits::{MAX_PIXELS, check_size, read_photo};

/// A decoded photo, possibly reduced at decode time.
pub struct Decoded {
    /// Upright RGB pixels; at least `min_side` on its shorter side when the file was that big.
    pub image: RgbImage,
    /// Width and height of the original file (upright).
    pub original: (u32, u32),
}

/// The decoder a file's bytes (and, for RAW, its extension) call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    /// Anything `image` reads: PNG, WebP, GIF, BMP, TIFF.
    Generic,
    Heic,
    Avif,
    Raw,
    Jxl,
}

/// Tell the format from the first bytes; RAW by extension, since DNG, CR2, NEF and ARW are TIFF files.
pub fn kind(path: &Path, bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Kind::Jpeg);
    }
    if let Some(k) = isobmff_kind(bytes) {
        return Some(k);
    }
    let raw_magic = bytes.starts_with(b"FUJIFILMCCD-RAW") || bytes.starts_with(b"IIRO") || bytes.starts_with(b"IIU\0");
    if raw_magic || raw::is_raw(path) {
        return Some(Kind::Raw);
    }
    if bytes.starts_with(&[0xFF, 0x0A]) || bytes.starts_with(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some(Kind::Jxl);
    }
    image::guess_format(bytes).ok().map(|_| Kind::Generic)
}

/// HEIC, AVIF and CR3 share the ISO base media file format; the `ftyp` brands tell them apart.
fn isobmff_kind(bytes: &[u8]) -> Option<Kind> {
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let brands: Vec<&[u8]> = std::iter::once(bytes.get(8..12)?)
        .chain(bytes.get(16..size.clamp(16, 256).min(bytes.len()))?.chunks_exact(4))
        .collect();
    let has = |names: &[&[u8]]| brands.iter().any(|b| names.contains(b));
    if has(&[b"crx "]) {
        Some(Kind::Raw)
    } else if has(&[b"avif", b"avis"]) {
        Some(Kind::Avif)
    } else if has(&[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"]) {
        Some(Kind::Heic)
    } else {
        None
    }
}

/// Decode `bytes` (read from `path`) so that the shorter side stays at least `min_side` where possible.
/// A panic inside a decoder becomes an [`Error::Decode`] naming it.
pub fn decode(path: &Path, bytes: &[u8], min_side: u32) -> Result<Decoded> {
    guarded(path, || decode_unguarded(path, bytes, min_side))
}

/// Run a decoder, turning a panic into a skip reason (the default hook still logs it to stderr).
fn guarded(path: &Path, decoder: impl FnOnce() -> Result<Decoded>) -> Result<Decoded> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decoder)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(decode_err(path, format!("the decoder crashed on this file ({what})")))
    })
}

fn decode_unguarded(path: &Path, bytes: &[u8], min_side: u32) -> Result<Decoded> {
    match kind(path, bytes) {
        Some(Kind::Jpeg) => jpeg::decode(path, bytes, min_side),
        Some(Kind::Generic) => generic::decode(path, bytes),
        Some(Kind::Heic) => heif::decode(path, bytes, "HEIC"),
        Some(Kind::Avif) => heif::decode(path, bytes, "AVIF"),
        Some(Kind::Raw) => raw::decode(path, bytes, min_side),
        Some(Kind::Jxl) => jxl::decode(path, bytes),
        None => Err(decode_err(path, "not a recognised image format")),
    }
}

fn swaps_sides(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

fn composite_on_white(img: &DynamicImage) -> RgbImage {
    let rgba = img.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(p[3]);
        for c in 0..3 {
            o[c] = ((u16::from(p[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
    }
    out
}

/// Quality of cached thumbnails (libwebp's 0-100 scale). Measured on flickr8k-1k at 256 px: 5.5 kB per
/// thumbnail on average, against 7.8 kB for a 4:2:0 JPEG of the same size at quality 70 and 13 kB for
/// the 320 px 4:4:4 JPEG at quality 85 stored before schema 3; side by side in the grid they look the
/// same (README, "Performance").
const THUMB_QUALITY: f32 = 70.0;

/// Encode a thumbnail of at most `max_side` pixels on its longer side as lossy WebP.
pub fn thumbnail(img: &RgbImage, max_side: u32) -> Result<Vec<u8>> {
    let small = crate::model::preprocess::fit_within(img, max_side, crate::model::pack::Filter::Bilinear)?;
    let (tw, th) = small.dimensions();
    let mut config = webp::WebPConfig::new().map_err(|()| Error::Resize("cannot set up the WebP encoder".into()))?;
    config.quality = THUMB_QUALITY;
    // Method 2 of 0-6: within 2 % of the default's size at less than half its time (thumbnails are
    // encoded on the indexing threads).
    config.method = 2;
    let mem = webp::Encoder::from_rgb(small.as_raw(), tw, th)
        .encode_advanced(&config)
        .map_err(|e| Error::Resize(format!("cannot encode thumbnail: {e:?}")))?;
    Ok(mem.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn encode(img: &DynamicImage, fmt: image::ImageFormat) -> Vec<u8> {
        let mut v = Vec::new();
        img.write_to(&mut Cursor::new(&mut v), fmt).expect("encode");
        v
    }

    #[test]
    fn jpeg_is_reduced_but_keeps_min_side() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(2000, 1000, image::Rgb([200, 10, 10])));
        let bytes = encode(&img, image::ImageFormat::Jpeg);
        let d = decode(Path::new("x.jpg"), &bytes, 224).expect("decode");
        assert_eq!(d.original, (2000, 1000));
        assert!(
            d.image.height() >= 224 && d.image.height() <= 500,
            "{:?}",
            d.image.dimensions()
        );
        assert!(d.image.get_pixel(10, 10)[0] > 180);
    }

    #[test]
    fn png_alpha_is_composited_on_white() {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 0])));
        let d = decode(Path::new("x.png"), &encode(&img, image::ImageFormat::Png), 224).expect("decode");
        assert_eq!(d.image.get_pixel(0, 0).0, [255, 255, 255]);
    }

    #[test]
    fn a_decoder_panic_is_a_decode_error_and_frees_its_budget() {
        let p = Path::new("/p/crash.png");
        // A budget of its own: the global one is shared with the other tests running in parallel.
        let budget = limits::Budget::new(10_000);
        let e = guarded(p, || {
            let _lease = budget.take(p, 1000)?;
            panic!("index out of bounds");
        })
        .err()
        .expect("error");
        assert!(matches!(e, Error::Decode { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("decoder crashed on this file (index out of bounds)"),
            "{e}"
        );
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn formats_are_told_by_content_and_raw_by_extension() {
        let ftyp =
            |brand: &[u8; 4], compat: &[u8; 4]| [&[0, 0, 0, 20][..], b"ftyp", brand, &[0, 0, 0, 0], compat].concat();
        assert_eq!(kind(Path::new("a.jpg"), &ftyp(b"heic", b"mif1")), Some(Kind::Heic));
        assert_eq!(kind(Path::new("a"), &ftyp(b"mif1", b"avif")), Some(Kind::Avif));
        assert_eq!(kind(Path::new("a.cr3"), &ftyp(b"crx ", b"isom")), Some(Kind::Raw));
        assert_eq!(kind(Path::new("a.NEF"), b"MM\0*\0\0\0\x08"), Some(Kind::Raw));
        assert_eq!(kind(Path::new("a.tif"), b"MM\0*\0\0\0\x08"), Some(Kind::Generic));
        assert_eq!(kind(Path::new("a.orf"), b"IIRO\x08\0\0\0"), Some(Kind::Raw));
        assert_eq!(kind(Path::new("a.jxl"), &[0xFF, 0x0A, 0]), Some(Kind::Jxl));
        assert_eq!(kind(Path::new("a.heic"), b"hello"), None);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = decode(Path::new("/p/bad.jpg"), b"not an image at all", 224)
            .err()
            .expect("error");
        assert!(err.to_string().contains("/p/bad.jpg"), "{err}");
        let truncated = &encode(&DynamicImage::new_rgb8(64, 64), image::ImageFormat::Jpeg)[..100];
        assert!(decode(Path::new("t.jpg"), truncated, 224).is_err());
    }

    #[test]
    fn exif_orientation_is_applied() {
        use image::ImageEncoder as _;
        // 40x20: left half red, right half blue; EXIF orientation 6 = rotate 90 degrees clockwise.
        let img = RgbImage::from_fn(40, 20, |x, _| {
            if x < 20 {
                image::Rgb([250, 0, 0])
            } else {
                image::Rgb([0, 0, 250])
            }
        });
        let exif: Vec<u8> = [
            &b"MM\x00\x2a\x00\x00\x00\x08"[..],
            &[0, 1],
            &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0],
            &[0, 0, 0, 0],
        ]
        .concat();
        let mut bytes = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95);
        enc.set_exif_metadata(exif).expect("exif");
        enc.write_image(img.as_raw(), 40, 20, image::ExtendedColorType::Rgb8)
            .expect("encode");
        let d = decode(Path::new("r.jpg"), &bytes, 8).expect("decode");
        assert_eq!(d.original, (20, 40));
        assert_eq!(d.image.height() * 2, d.image.width() * 4);
        let top = d.image.get_pixel(d.image.width() / 2, 2);
        let bottom = d.image.get_pixel(d.image.width() / 2, d.image.height() - 3);
        assert!(top[0] > 200 && top[2] < 60, "top should be red: {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom should be blue: {bottom:?}");
    }
}
