//! Reading a JPEG's frame header (size, precision, coding process) by walking its markers, without
//! decoding: the size checks need it before any allocation, the 16-bit path needs the precision, and the
//! RAW reader uses it to tell a real embedded preview from bytes that merely look like a JPEG start.

/// What the frame header (SOFn) of a JPEG declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegHeader {
    pub width: u32,
    pub height: u32,
    /// Bits per sample (8 for nearly every photo; 12 or 16 in medical and lossless files).
    pub precision: u8,
    /// Colour components (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK).
    pub components: u8,
    /// SOF3/SOF7/SOF11/SOF15: lossless (the raw sensor data inside CR2 and many DNGs).
    pub lossless: bool,
}

/// Parse the frame header of the JPEG starting at `bytes[0]`; `None` when it is not a well-formed JPEG
/// up to its frame header.
pub fn parse(bytes: &[u8]) -> Option<JpegHeader> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2usize;
    loop {
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        // Fill bytes: any number of 0xFF before the marker code.
        while *bytes.get(i + 1)? == 0xFF {
            i += 1;
        }
        let marker = *bytes.get(i + 1)?;
        i += 2;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 | 0xD9 | 0xDA | 0x00 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        if len < 2 {
            return None;
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let seg = bytes.get(i + 2..i + len)?;
            if seg.len() < 6 {
                return None;
            }
            return Some(JpegHeader {
                precision: seg[0],
                height: u32::from(u16::from_be_bytes([seg[1], seg[2]])),
                width: u32::from(u16::from_be_bytes([seg[3], seg[4]])),
                components: seg[5],
                lossless: matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF),
            });
        }
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_frame_header_of_an_encoded_jpeg() {
        let img = image::RgbImage::from_pixel(37, 21, image::Rgb([1, 2, 3]));
        let mut v = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut v), image::ImageFormat::Jpeg)
            .expect("encode");
        let h = parse(&v).expect("header");
        assert_eq!(
            (h.width, h.height, h.precision, h.components, h.lossless),
            (37, 21, 8, 3, false)
        );
        assert_eq!(parse(&v[..20]), None);
        assert_eq!(parse(b"\xFF\xD8\xFF\xDA\x00\x02"), None);
        assert_eq!(parse(b"not a jpeg"), None);
    }
}
