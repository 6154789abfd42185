//! Hostile and unusual photos: sizes no photo has are skipped from the header with bounded memory (peak
//! resident memory of a real `vignette index` child read with `wait4`), and 16-bit PNGs, animated GIFs
//! and all eight EXIF orientations decode correctly.

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use image::{DynamicImage, ImageEncoder as _, Rgb, RgbImage};
use vignette::library::decode;

use crate::support::{TestEnv, tiny_pack};

/// CRC-32 (PNG's polynomial), to patch a header.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid 1x1 PNG whose IHDR then declares `w` x `h` (CRC fixed): the classic decompression-bomb header.
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::new();
    DynamicImage::ImageRgb8(RgbImage::new(1, 1))
        .write_to(&mut Cursor::new(&mut v), image::ImageFormat::Png)
        .expect("png");
    // 8-byte signature, then IHDR: length (4), "IHDR" (4), width, height, ...; CRC over type + data.
    v[16..20].copy_from_slice(&w.to_be_bytes());
    v[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&v[12..29]);
    v[29..33].copy_from_slice(&crc.to_be_bytes());
    v
}

fn write_hostile_files(dir: &Path) {
    // 1,000,000 x 1 and 65,535 x 1: real, tiny files (a few KB) whose naive resize needs 150 GB.
    RgbImage::new(1_000_000, 1)
        .save(dir.join("wide.png"))
        .expect("wide png");
    RgbImage::new(65_535, 1).save(dir.join("wide.jpg")).expect("wide jpg");
    std::fs::write(dir.join("huge.png"), png_declaring(100_000, 100_000)).expect("huge png");
}

#[test]
fn absurd_sizes_are_refused_from_the_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_hostile_files(dir.path());
    for (name, says) in [
        ("wide.png", "1000000x1 is not a photo"),
        ("wide.jpg", "65535x1 is not a photo"),
        ("huge.png", "100000x100000 exceeds"),
    ] {
        let p = dir.path().join(name);
        let bytes = std::fs::read(&p).expect("read");
        assert!(bytes.len() < 64 * 1024, "{name} should be small: {}", bytes.len());
        let e = decode::decode(&p, &bytes, 224).err().expect("refused");
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
}

/// Run `cmd` and return its exit status and peak resident memory (VmHWM, from `wait4`'s rusage) in KB.
// The child is reaped by `wait4` (which returns its rusage), not by `Child::wait`.
#[allow(unsafe_code, clippy::zombie_processes)]
fn run_measured(cmd: &mut Command) -> (i32, i64, String) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn vignette");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).expect("read stdout");
        s
    });
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage; `pid` is our own un-reaped child, waited for exactly once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let out = reader.join().expect("stdout thread");
    (libc::WEXITSTATUS(status), usage.ru_maxrss, out)
}

#[test]
fn hostile_sizes_are_skipped_with_peak_memory_under_1_gb() {
    let env = TestEnv::new();
    write_hostile_files(&env.photos());
    env.photo("ok.png", [200, 30, 30]);
    let (code, max_rss_kb, out) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_vignette"))
            .arg("--data-dir")
            .arg(env.data())
            .arg("--pack")
            .arg(tiny_pack("tiny-aligned"))
            .arg("index")
            .arg(env.photos()),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("indexed 1,"), "{out}");
    for name in ["wide.png", "wide.jpg", "huge.png"] {
        assert!(
            out.lines().any(|l| l.starts_with("skipped") && l.contains(name)),
            "{name} not reported in:\n{out}"
        );
    }
    assert!(max_rss_kb < 1024 * 1024, "peak resident memory {max_rss_kb} KB");
}

#[test]
fn sixteen_bit_png_and_animated_gif_decode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p16 = dir.path().join("deep.png");
    let deep = image::ImageBuffer::<Rgb<u16>, Vec<u16>>::from_pixel(30, 20, Rgb([60_000, 3_000, 3_000]));
    DynamicImage::ImageRgb16(deep).save(&p16).expect("16-bit png");
    let d = decode::decode(&p16, &std::fs::read(&p16).expect("read"), 8).expect("16-bit png");
    assert_eq!(d.image.get_pixel(5, 5).0, [233, 12, 12]);

    let gif = dir.path().join("anim.gif");
    {
        let file = std::fs::File::create(&gif).expect("create");
        let mut enc = image::codecs::gif::GifEncoder::new(file);
        let frames = [[220u8, 20, 20, 255], [20, 20, 220, 255]]
            .map(|c| image::Frame::new(image::RgbaImage::from_pixel(16, 16, image::Rgba(c))));
        enc.encode_frames(frames).expect("frames");
    }
    let d = decode::decode(&gif, &std::fs::read(&gif).expect("read"), 8).expect("gif");
    let p = d.image.get_pixel(8, 8);
    assert!(p[0] > 180 && p[2] < 60, "first frame is red: {p:?}");
}

/// A JPEG of quadrants (red, green / blue, white), 80x40, with EXIF orientation `o`.
fn quadrant_jpeg(o: u8) -> Vec<u8> {
    let img = RgbImage::from_fn(80, 40, |x, y| match (x < 40, y < 20) {
        (true, true) => Rgb([230, 20, 20]),
        (false, true) => Rgb([20, 230, 20]),
        (true, false) => Rgb([20, 20, 230]),
        (false, false) => Rgb([240, 240, 240]),
    });
    let exif: Vec<u8> = [
        &b"MM\x00\x2a\x00\x00\x00\x08"[..],
        &[0, 1],
        &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0],
        &[0, 0, 0, 0],
    ]
    .concat();
    let mut bytes = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95);
    enc.set_exif_metadata(exif).expect("exif");
    enc.write_image(img.as_raw(), 80, 40, image::ExtendedColorType::Rgb8)
        .expect("encode");
    bytes
}

#[test]
fn every_exif_orientation_comes_out_upright() {
    const R: char = 'r';
    const G: char = 'g';
    const B: char = 'b';
    const W: char = 'w';
    // What the viewer sees top-left and top-right, per the EXIF specification.
    let expected = [(R, G), (G, R), (W, B), (B, W), (R, B), (B, R), (W, G), (G, W)];
    let name = |p: &Rgb<u8>| match (p[0] > 150, p[1] > 150, p[2] > 150) {
        (true, false, false) => R,
        (false, true, false) => G,
        (false, false, true) => B,
        (true, true, true) => W,
        _ => '?',
    };
    for (o, want) in (1u8..=8).zip(expected) {
        let d = decode::decode(Path::new("o.jpg"), &quadrant_jpeg(o), 40).expect("decode");
        let (w, h) = d.image.dimensions();
        let swapped = o >= 5;
        assert_eq!(d.original, if swapped { (40, 80) } else { (80, 40) }, "orientation {o}");
        assert_eq!((w > h), !swapped, "orientation {o}: {w}x{h}");
        let tl = name(d.image.get_pixel(w / 4, h / 4));
        let tr = name(d.image.get_pixel(w * 3 / 4, h / 4));
        assert_eq!((tl, tr), want, "orientation {o}");
    }
}
