//! PNG, WebP, GIF (first frame), BMP and TIFF through `image`, with the size checked from the header
//! and the decoded bytes taken from the shared budget before the decoder allocates them.

use std::io::Cursor;
use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

use super::limits::{BUDGET, MAX_PIXELS, check_size, decode_err};
use super::{Decoded, composite_on_white};
use crate::error::Result;

pub(super) fn decode(path: &Path, bytes: &[u8]) -> Result<Decoded> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode_err(path, e))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_err(path, e))?;
    let (w, h) = decoder.dimensions();
    check_size(path, w, h)?;
    // The decoder's own buffer, our 8-bit RGB copy, and a rotated copy.
    let native = u64::from(decoder.color_type().bytes_per_pixel());
    let _lease = BUDGET.take(path, u64::from(w) * u64::from(h) * (native + 3 + 3))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_err(path, e))?;
    img.apply_orientation(orientation);
    let original = (img.width(), img.height());
    Ok(Decoded {
        image: to_rgb8(img),
        original,
    })
}

/// 8-bit RGB of any colour type; transparency is composited on white.
pub(super) fn to_rgb8(img: DynamicImage) -> RgbImage {
    if img.color().has_alpha() {
        composite_on_white(&img)
    } else {
        img.into_rgb8()
    }
}
