//! Decoding speed per format, on the same machine in the same run: what one decode thread of the indexer
//! does per photo (decode reduced to the 320 px thumbnail size, upright RGB). Photos/s = 1 / time.
//!
//! Inputs are generated (tests/benches/make_jpegs.rs): 4000x3000 and 8000x6000 JPEGs (q90), and the
//! 4000x3000 photo as PNG, lossless WebP, and, where the tools are installed, HEIC (`heif-enc`),
//! JPEG XL (`cjxl`) and a DNG whose full-size preview is that JPEG (tests/fixtures/formats/make_dng.py).
//! A missing tool leaves its format out with a note. Run: `cargo bench --bench decode`.

#[path = "make_jpegs.rs"]
mod make_jpegs;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use divan::Bencher;
use vignette::library::decode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The thumbnail side: the largest size the indexer asks a decoder for.
const MIN_SIDE: u32 = 320;

fn main() {
    divan::main();
}

struct Inputs {
    dir: tempfile::TempDir,
}

fn inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = |n: &str| dir.path().join(n);
        let img = make_jpegs::photo(4000, 3000, 1);
        std::fs::write(p("12mp.jpg"), make_jpegs::jpeg(&img, 90)).expect("write");
        std::fs::write(p("48mp.jpg"), make_jpegs::jpeg(&make_jpegs::photo(8000, 6000, 2), 90)).expect("write");
        img.save(p("12mp.png")).expect("png");
        img.save(p("12mp.webp")).expect("webp");
        let tool = |name: &str, args: &[&Path]| {
            let ok = Command::new(name)
                .args(args)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if !ok {
                eprintln!("note: `{name}` not available or failed; its format is left out");
            }
        };
        tool(
            "heif-enc",
            &[
                Path::new("-q"),
                Path::new("80"),
                &p("12mp.jpg"),
                Path::new("-o"),
                &p("12mp.heic"),
            ],
        );
        tool("cjxl", &[&p("12mp.png"), &p("12mp.jxl"), Path::new("--quiet")]);
        let make_dng = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/make_dng.py");
        let (w, h, o) = (Path::new("4000"), Path::new("3000"), Path::new("1"));
        tool("python3", &[&make_dng, &p("12mp.jpg"), w, h, o, &p("12mp.dng")]);
        Inputs { dir }
    })
}

fn file(name: &str) -> Option<(PathBuf, Vec<u8>)> {
    let path = inputs().dir.path().join(name);
    let bytes = std::fs::read(&path).ok()?;
    Some((path, bytes))
}

#[divan::bench(args = ["12mp.jpg", "48mp.jpg", "12mp.png", "12mp.webp", "12mp.heic", "12mp.jxl", "12mp.dng"], sample_count = 10, sample_size = 1)]
fn decode_one(bencher: Bencher, name: &str) {
    let Some((path, bytes)) = file(name) else {
        eprintln!("skipping {name}: input not generated");
        return;
    };
    if let Err(e) = decode::decode(&path, &bytes, MIN_SIDE) {
        eprintln!("skipping {name}: {e}");
        return;
    }
    bencher.bench(|| decode::decode(&path, &bytes, MIN_SIDE).map(|d| d.image.width()));
}

/// The JPEG decoders that were candidates for the indexer, on the same 12 MP and 48 MP files: a full
/// decode through `image` (zune-jpeg), and DCT-scaled decodes (1/8 size) through `jpeg-decoder` and
/// through libjpeg-turbo's decoder (`mozjpeg`, what `decode::decode` uses for 8-bit JPEGs). Only the
/// decode to RGB pixels is timed; orientation and resizing are the same for all.
#[divan::bench(consts = [0, 1, 2, 3], args = ["12mp.jpg", "48mp.jpg"], sample_count = 10, sample_size = 1)]
fn jpeg_candidates<const WHICH: usize>(bencher: Bencher, name: &str) {
    let Some((_, bytes)) = file(name) else { return };
    let run = |bytes: &[u8]| -> usize {
        match WHICH {
            0 => image::load_from_memory(bytes).expect("image").into_rgb8().len(),
            1 => {
                let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
                d.read_info().expect("info");
                let i = d.info().expect("info");
                d.scale(i.width.div_ceil(8), i.height.div_ceil(8)).expect("scale");
                d.decode().expect("jpeg-decoder").len()
            }
            _ => {
                let mut d = mozjpeg::Decompress::new_mem(bytes).expect("mozjpeg");
                d.scale(if WHICH == 2 { 1 } else { 8 });
                let mut s = d.rgb().expect("rgb");
                let px: Vec<[u8; 3]> = s.read_scanlines().expect("scanlines");
                px.len()
            }
        }
    };
    eprintln!(
        "jpeg_candidates: {} = {}",
        WHICH,
        [
            "image (zune-jpeg), full size",
            "jpeg-decoder, 1/8 scale",
            "libjpeg-turbo (mozjpeg), 1/8 scale",
            "libjpeg-turbo (mozjpeg), full size"
        ][WHICH]
    );
    bencher.bench(|| run(&bytes));
}
