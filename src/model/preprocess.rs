//! Image preprocessing, built from the pack's [`ImageSpec`] rather than hard-coded per model.
//!
//! The steps mirror the reference pipelines (torchvision / Pillow and CLIP's): resize (shorter side to
//! `size` keeping aspect, or stretch), centre crop, scale to 0..1, subtract mean, divide by std, lay out as
//! CHW float32. Resizing uses `fast_image_resize`, whose convolution filters follow Pillow's (antialiased
//! when downscaling), which keeps us within the reference's tolerance.

use fast_image_resize as fr;
use image::RgbImage;

use crate::error::{Error, Result};
use crate::model::pack::{CropMode, Filter, ImageSpec, ResizeMode};

/// Resize an RGB image to exactly `w` x `h`.
pub fn resize(img: &RgbImage, w: u32, h: u32, filter: Filter) -> Result<RgbImage> {
    if img.dimensions() == (w, h) {
        return Ok(img.clone());
    }
    let mut dst = RgbImage::new(w, h);
    let alg = match filter {
        Filter::Nearest => fr::ResizeAlg::Nearest,
        Filter::Bilinear => fr::ResizeAlg::Convolution(fr::FilterType::Bilinear),
        Filter::Bicubic => fr::ResizeAlg::Convolution(fr::FilterType::CatmullRom),
        Filter::Lanczos3 => fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3),
    };
    let mut resizer = fr::Resizer::new();
    resizer
        .resize(img, &mut dst, &fr::ResizeOptions::new().resize_alg(alg))
        .map_err(|e| Error::Resize(e.to_string()))?;
    Ok(dst)
}

/// Scale an RGB image so its longer side is at most `max_side` (never up), keeping its aspect ratio.
pub fn fit_within(img: &RgbImage, max_side: u32, filter: Filter) -> Result<RgbImage> {
    let (w, h) = img.dimensions();
    let scale = (max_side as f32 / w.max(h) as f32).min(1.0);
    let (tw, th) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    resize(img, tw, th, filter)
}

/// Bring an upright RGB image to the model's square input (before normalisation).
pub fn fit(img: &RgbImage, spec: &ImageSpec) -> Result<RgbImage> {
    let s = spec.size;
    let (w, h) = img.dimensions();
    let resized = match spec.resize {
        ResizeMode::Stretch => resize(img, s, s, spec.filter)?,
        ResizeMode::ShorterSide => {
            let (nw, nh) = if w <= h {
                (s, ((h as f64 * s as f64 / w as f64).round() as u32).max(s))
            } else {
                (((w as f64 * s as f64 / h as f64).round() as u32).max(s), s)
            };
            resize(img, nw, nh, spec.filter)?
        }
    };
    match spec.crop {
        CropMode::None => Ok(resized),
        CropMode::Center => {
            let (rw, rh) = resized.dimensions();

            // Pillow-style (left, top) = floor((w - s) / 2), as in the reference pipeline
            let x = (rw - s) / 2;
            let y = (rh - s) / 2;
            Ok(image::imageops::crop_imm(&resized, x, y, s, s).to_image())
        }
    }
}

/// Append the normalised CHW float32 tensor of a `size` x `size` image to `out`.
pub fn normalise_into(img: &RgbImage, spec: &ImageSpec, out: &mut Vec<f32>) {
    let plane = (img.width() * img.height()) as usize;
    let start = out.len();
    out.resize(start + 3 * plane, 0.0);
    let dst = &mut out[start..];
    for (i, p) in img.pixels().enumerate() {
        for c in 0..3 {
            dst[c * plane + i] = (f32::from(p[c]) / 255.0 - spec.mean[c]) / spec.std[c];
        }
    }
}

/// Full preprocessing of one upright image into a CHW tensor.
pub fn tensor(img: &RgbImage, spec: &ImageSpec) -> Result<Vec<f32>> {
    let fitted = fit(img, spec)?;
    let mut out = Vec::with_capacity(3 * (spec.size * spec.size) as usize);
    normalise_into(&fitted, spec, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(resize: ResizeMode, crop: CropMode) -> ImageSpec {
        ImageSpec {
            file: String::new(),
            sha256: None,
            input: "x".into(),
            output: "y".into(),
            logits_output: None,
            embedding_dim: 3,
            size: 4,
            resize,
            crop,
            filter: Filter::Bilinear,
            mean: [0.5, 0.5, 0.5],
            std: [0.5, 0.5, 0.5],
            batch: 1,
        }
    }

    #[test]
    fn shorter_side_then_centre_crop() {
        // 8x4 image: left half black, right half white -> after resize to 8x4 (no-op) crop keeps x 2..6
        let img = RgbImage::from_fn(8, 4, |x, _| {
            if x < 4 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255; 3])
            }
        });
        let out = fit(&img, &spec(ResizeMode::ShorterSide, CropMode::Center)).expect("fit");
        assert_eq!(out.dimensions(), (4, 4));
        assert_eq!(out.get_pixel(0, 0)[0], 0);
        assert_eq!(out.get_pixel(3, 0)[0], 255);
    }

    #[test]
    fn normalisation_and_layout() {
        let img = RgbImage::from_pixel(4, 4, image::Rgb([255, 0, 128]));
        let t = tensor(&img, &spec(ResizeMode::Stretch, CropMode::None)).expect("tensor");
        assert_eq!(t.len(), 48);
        assert!((t[0] - 1.0).abs() < 1e-6); // R plane first
        assert!((t[16] + 1.0).abs() < 1e-6); // G plane
        assert!(t[32].abs() < 0.01); // B plane ~0
    }
}
