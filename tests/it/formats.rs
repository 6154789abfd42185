//! Phone and camera formats with the committed fixtures (tests/fixtures/formats/README.md): HEIC with
//! EXIF orientation, AVIF, JPEG XL, a DNG read through its embedded preview, odd JPEGs; indexing them
//! end to end; and the skip reason when libheif is missing (a child process pointed at a library that
//! does not exist).

use std::path::{Path, PathBuf};
use std::process::Command;

use vignette::library::decode::{self, Decoded, heif};

use crate::support::{TestEnv, tiny_pack};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

fn decode_fixture(name: &str, min_side: u32) -> vignette::error::Result<Decoded> {
    let path = fixture(name);
    let bytes = std::fs::read(&path).expect("read fixture");
    decode::decode(&path, &bytes, min_side)
}

/// Whether libheif loads here; under CI it must (the CI script installs libheif1).
fn libheif_here() -> bool {
    match heif::status() {
        Ok(_) => true,
        Err(why) => {
            assert!(
                std::env::var("CI").map(|v| v != "true").unwrap_or(true),
                "CI=true but libheif cannot be loaded: {why}"
            );
            eprintln!("skipping: libheif not loadable here ({why}); apt install libheif1 to run this test");
            false
        }
    }
}

fn is_red(p: image::Rgb<u8>) -> bool {
    p[0] > 180 && p[1] < 80 && p[2] < 80
}

fn is_blue(p: image::Rgb<u8>) -> bool {
    p[2] > 180 && p[0] < 80 && p[1] < 80
}

/// The fixtures' halves turned by EXIF orientation 6: portrait, red on top, blue below.
fn assert_upright_red_on_top(d: &Decoded, what: &str) {
    let (w, h) = d.image.dimensions();
    assert!(h > w, "{what}: expected portrait, got {w}x{h}");
    let top = *d.image.get_pixel(w / 2, h / 8);
    let bottom = *d.image.get_pixel(w / 2, h - 1 - h / 8);
    assert!(is_red(top), "{what}: top should be red: {top:?}");
    assert!(is_blue(bottom), "{what}: bottom should be blue: {bottom:?}");
}

/// Side by side halves, as stored: red left, blue right.
fn assert_red_left(d: &Decoded, what: &str) {
    let (w, h) = d.image.dimensions();
    let (left, right) = (
        *d.image.get_pixel(w / 8, h / 2),
        *d.image.get_pixel(w - 1 - w / 8, h / 2),
    );
    assert!(is_red(left) && is_blue(right), "{what}: left {left:?}, right {right:?}");
}

#[test]
fn heic_comes_out_upright_from_its_exif_orientation() {
    if !libheif_here() {
        return;
    }
    let d = decode_fixture("rotated.heic", 16).expect("decode HEIC");
    assert_eq!(d.original, (48, 64));
    assert_upright_red_on_top(&d, "HEIC");
}

#[test]
fn avif_decodes_through_libheif() {
    if !libheif_here() {
        return;
    }
    let d = decode_fixture("plain.avif", 16).expect("decode AVIF");
    assert_eq!(d.original, (64, 48));
    assert_red_left(&d, "AVIF");
}

#[test]
fn jpeg_xl_decodes() {
    let d = decode_fixture("plain.jxl", 16).expect("decode JPEG XL");
    assert_eq!(d.original, (64, 48));
    assert_red_left(&d, "JPEG XL");
}

#[test]
fn dng_is_read_through_its_embedded_preview_and_turned_upright() {
    let d = decode_fixture("rotated.dng", 224).expect("decode DNG");
    // The preview (640x480, orientation 6), not the 64x64 sensor image.
    assert_eq!(d.original, (480, 640));
    assert_upright_red_on_top(&d, "DNG preview");
    let e = decode_fixture("thumb-only.dng", 224).err().expect("no usable preview");
    let msg = e.to_string();
    assert!(msg.contains("DNG file has no embedded JPEG preview"), "{msg}");
    assert!(msg.contains("160x120"), "{msg}");
}

#[test]
fn odd_jpegs_decode_in_the_right_colours_or_skip_with_a_reason() {
    let cmyk = decode_fixture("cmyk.jpg", 16).expect("CMYK JPEG");
    assert_red_left(&cmyk, "CMYK JPEG");
    let grey = decode_fixture("grey16.jpg", 16).expect("16-bit JPEG");
    let (w, h) = grey.image.dimensions();
    let (left, right) = (grey.image.get_pixel(4, h / 2)[0], grey.image.get_pixel(w - 4, h / 2)[0]);
    assert!((230..=236).contains(&left), "60000/65535 is 233 in 8 bits, got {left}");
    assert!((9..=13).contains(&right), "3000/65535 is 11 in 8 bits, got {right}");
    let e = decode_fixture("grey12.jpg", 16)
        .err()
        .expect("12-bit lossy is not supported");
    assert!(e.to_string().contains("grey12.jpg"), "{e}");
}

#[test]
fn every_format_indexes_and_unusable_files_say_why() {
    let env = TestEnv::new();
    let mut names = vec!["plain.jxl", "rotated.dng", "thumb-only.dng", "cmyk.jpg", "grey16.jpg"];
    let heif = libheif_here();
    if heif {
        names.extend(["rotated.heic", "plain.avif"]);
    }
    for n in &names {
        std::fs::copy(fixture(n), env.photos().join(n)).expect("copy fixture");
    }
    let (s, _) = crate::support::index_roots(&env.engine("tiny-aligned"), vec![env.photos()]);
    assert_eq!(s.indexed, names.len() - 1, "{:?}", s.skipped);
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert!(s.skipped[0].0.ends_with("thumb-only.dng"));
    assert!(s.skipped[0].1.contains("full-size preview"), "{}", s.skipped[0].1);
}

#[test]
fn missing_libheif_is_a_skip_that_says_what_to_install() {
    let env = TestEnv::new();
    std::fs::copy(fixture("rotated.heic"), env.photos().join("phone.heic")).expect("copy");
    env.photo("ok.png", [10, 200, 10]);
    let out = Command::new(env!("CARGO_BIN_EXE_vignette"))
        .env(heif::LIBHEIF_ENV, "libheif-missing-for-this-test.so.1")
        .arg("--data-dir")
        .arg(env.data())
        .arg("--pack")
        .arg(tiny_pack("tiny-aligned"))
        .arg("index")
        .arg(env.photos())
        .output()
        .expect("run vignette");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("indexed 1"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("phone.heic"))
        .unwrap_or_else(|| panic!("no skip line for phone.heic in:\n{stdout}"));
    assert!(line.contains("HEIC needs libheif (apt install libheif1"), "{line}");
    assert!(line.contains("libheif-missing-for-this-test.so.1"), "{line}");
}
