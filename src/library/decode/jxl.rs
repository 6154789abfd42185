//! JPEG XL through `jxl-oxide` (pure Rust, MIT/Apache-2.0): no system library, built with the rest.
//! The decoder applies the file's orientation itself and reports upright dimensions.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder};

use super::Decoded;
use super::generic::to_rgb8;
use super::limits::{BUDGET, check_size, decode_err};
use crate::error::Result;

pub(super) fn decode(path: &Path, bytes: &[u8]) -> Result<Decoded> {
    let decoder = jxl_oxide::integration::JxlDecoder::new(Cursor::new(bytes)).map_err(|e| decode_err(path, e))?;
    let (w, h) = decoder.dimensions();
    check_size(path, w, h)?;
    // jxl-oxide renders in f32 planes (up to 4 x 4 bytes a pixel), then our buffers.
    let native = u64::from(decoder.color_type().bytes_per_pixel());
    let _lease = BUDGET.take(path, u64::from(w) * u64::from(h) * (16 + native + 3))?;
    let img = DynamicImage::from_decoder(decoder).map_err(|e| decode_err(path, e))?;
    Ok(Decoded {
        original: (img.width(), img.height()),
        image: to_rgb8(img),
    })
}
