//! Camera RAW files (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2) through the JPEG preview the camera or
//! converter embedded: what every photo browser shows, a fast JPEG decode instead of demosaicing, and one
//! reader for all eight containers.
//!
//! Every container stores its previews as plain baseline JPEGs (TIFF strips in DNG/CR2/NEF/ARW/ORF/RW2,
//! a header offset in RAF, `PRVW`/`mdat` boxes in CR3), while the sensor data is either not JPEG at all
//! or lossless JPEG. So the reader looks at each JPEG start marker in the file, keeps those whose frame
//! header parses as a lossy JPEG, and decodes the largest. A file whose previews are all thumbnails
//! (under [`MIN_PREVIEW_SIDE`]) is skipped with a reason that says how to get one.
//!
//! Orientation: a preview with its own EXIF orientation (RAF) uses it; otherwise the container's IFD0
//! `Orientation` (TIFF-based files, and the TIFF inside CR3's `CMT1` box) applies.

use std::path::Path;

use image::metadata::Orientation;

use super::jpeg_header::{self, JpegHeader};
use super::limits::decode_err;
use super::{Decoded, jpeg};
use crate::error::Result;

/// Extensions read as RAW, with the name used in messages.
pub const EXTENSIONS: &[&str] = &["dng", "cr2", "cr3", "nef", "arw", "raf", "orf", "rw2"];

/// Smallest longer side of a preview we index (a 320 px thumbnail and a 224 px model input need it).
pub const MIN_PREVIEW_SIDE: u32 = 640;

/// Whether `path`'s extension is a RAW format.
pub fn is_raw(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Every lossy JPEG embedded in `bytes`, with its offset and header, in file order.
pub fn previews(bytes: &[u8]) -> Vec<(usize, JpegHeader)> {
    let mut found = Vec::new();
    let mut i = 1; // a JPEG at offset 0 is not a RAW file
    while let Some(pos) = find(&bytes[i.min(bytes.len())..], &[0xFF, 0xD8, 0xFF]) {
        let at = i + pos;
        if let Some(h) = jpeg_header::parse(&bytes[at..]).filter(|h| !h.lossless && h.width > 0 && h.height > 0) {
            found.push((at, h));
        }
        i = at + 3;
    }
    found
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decode the largest embedded preview of a RAW file.
pub(super) fn decode(path: &Path, bytes: &[u8], min_side: u32) -> Result<Decoded> {
    let kind = path
        .extension()
        .and_then(|e| e.to_str())
        .map_or_else(|| "RAW".to_owned(), str::to_ascii_uppercase);
    let best = previews(bytes)
        .into_iter()
        .max_by_key(|(_, h)| u64::from(h.width) * u64::from(h.height));
    let Some((at, header)) = best.filter(|(_, h)| h.width.max(h.height) >= MIN_PREVIEW_SIDE) else {
        let largest = best.map_or_else(|| "none".to_owned(), |(_, h)| format!("{}x{}", h.width, h.height));
        return Err(decode_err(
            path,
            format!(
                "{kind} file has no embedded JPEG preview of at least {MIN_PREVIEW_SIDE} px (largest: {largest}); \
                 Vignette reads RAW files through that preview: save them with a full-size preview \
                 (in a DNG converter: JPEG preview \"full size\") or keep a JPEG beside them"
            ),
        ));
    };
    let container = container_orientation(bytes).unwrap_or(Orientation::NoTransforms);
    let d = jpeg::decode_oriented(path, &bytes[at..], min_side, container)?;
    log::debug!(
        "{}: {kind} preview {}x{} at byte {at}",
        path.display(),
        header.width,
        header.height
    );
    Ok(d)
}

/// The `Orientation` tag of IFD0 of the TIFF structure that holds the RAW's metadata.
fn container_orientation(bytes: &[u8]) -> Option<Orientation> {
    let tiff = if matches!(bytes.get(..2)?, b"II" | b"MM") {
        bytes
    } else {
        // CR3: the TIFF IFD0 sits in a `CMT1` box, right after its type.
        let at = find(bytes.get(..bytes.len().min(1 << 20))?, b"CMT1")?;
        bytes.get(at + 4..)?
    };
    let value = ifd0_short(tiff, 0x0112)?;
    Orientation::from_exif(u8::try_from(value).ok()?)
}

/// A SHORT tag of IFD0 in a TIFF-like structure (any 2-byte magic: ORF and RW2 use their own).
pub(super) fn ifd0_short(tiff: &[u8], tag: u16) -> Option<u16> {
    let le = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(o..o + 2)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(o..o + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(512)).find_map(|k| {
        let e = ifd + 2 + k * 12;
        (u16_at(e)? == tag && u16_at(e + 2)? == 3).then(|| u16_at(e + 8))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_is_read_from_ifd0_in_both_byte_orders() {
        let le = [
            b"II*\0".as_slice(),
            &8u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0],
        ]
        .concat();
        assert_eq!(ifd0_short(&le, 0x0112), Some(6));
        let be = [
            b"MM\0*".as_slice(),
            &8u32.to_be_bytes(),
            &1u16.to_be_bytes(),
            &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0],
        ]
        .concat();
        assert_eq!(container_orientation(&be), Some(Orientation::Rotate270));
        assert_eq!(ifd0_short(&be[..12], 0x0112), None);
    }

    #[test]
    fn only_lossy_jpegs_count_as_previews() {
        let img = image::RgbImage::from_pixel(64, 48, image::Rgb([9, 9, 9]));
        let mut jpg = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut jpg), image::ImageFormat::Jpeg)
            .expect("encode");
        let mut lossless = jpg.clone();
        // Turn the first SOF0 into SOF3.
        let sof = lossless.windows(2).position(|w| w == [0xFF, 0xC0]).expect("sof0");
        lossless[sof + 1] = 0xC3;
        let file = [b"II*\0junk\xFF\xD8\xFF".as_slice(), &lossless, b"pad", &jpg].concat();
        let found = previews(&file);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].1.width, found[0].1.height), (64, 48));
        let e = decode(Path::new("x.nef"), &file, 224).err().expect("too small");
        assert!(e.to_string().contains("NEF file has no embedded JPEG preview"), "{e}");
        assert!(e.to_string().contains("largest: 64x48"), "{e}");
    }
}
