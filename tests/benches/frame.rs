//! Frame cost of the real app in a headless egui_kittest harness (no GPU), with the tiny colour pack.
//!
//! Before divan's steady-state benches, `main` runs the scenario the GUI must survive: 1,000 synthetic
//! photos dropped onto the window and indexed while frames are stepped as fast as possible. It prints the
//! UI thread's CPU time per frame (`CLOCK_THREAD_CPUTIME_ID`, so time the indexing threads take
//! from the 2 cores is not counted) and wall time per frame, then the keystroke-to-results latency.
//!
//! With `VIGNETTE_BENCH_REAL=1` the scenario runs on the 1,000 real flickr8k-1k photos with the embedded
//! default pack instead (`VIGNETTE_SHARED_DIR`, default `../shared`), typing English prompts.
//!
//! Run: `CARGO_TARGET_DIR=/work/main/target cargo bench --profile dev --bench frame`
//! (`--profile dev` reuses the dev build of the dependencies, which this project optimises at opt-level 2).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use vignette::config::Config;
use vignette::gui::VignetteApp;
use vignette::gui::state::Settings;
use vignette::model::runtime::Provider;

const PHOTOS: usize = 1_000;

fn main() {
    let data = tempfile::tempdir().expect("tmp");
    if std::env::var_os("VIGNETTE_BENCH_REAL").is_some() {
        let shared = std::env::var_os("VIGNETTE_SHARED_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
        let prompts = ["a dog in the snow", "children playing", "a man on a bike"];
        while_indexing(
            data.path(),
            &shared.join("datasets/flickr8k-1k/images"),
            DEFAULT_PACK,
            &prompts,
        );
        return;
    }
    let photos = tempfile::tempdir().expect("tmp");
    synthetic_photos(photos.path(), PHOTOS);
    while_indexing(
        data.path(),
        photos.path(),
        TINY_PACK,
        &["red", "green", "blue", "dark sea", "bright yellow"],
    );
    divan::main();
}

const TINY_PACK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/packs/tiny-aligned");
const DEFAULT_PACK: &str = vignette::config::DEFAULT_PACK;

/// CPU time consumed by the calling thread so far, in nanoseconds.
#[allow(unsafe_code)] // One libc call: std has no per-thread CPU clock.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant the kernel knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn synthetic_photos(dir: &Path, n: usize) {
    for i in 0..n {
        let (r, g, b) = ((i * 37 % 256) as u8, (i * 91 % 256) as u8, (i * 53 % 256) as u8);
        let img = image::RgbImage::from_fn(96, 64, |x, y| image::Rgb([r ^ (x as u8), g ^ (y as u8), b]));
        img.save(dir.join(format!("photo-{i:04}.png"))).expect("write photo");
    }
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn harness(data: &Path, pack: &str) -> Harness<'static, VignetteApp> {
    let config = Config {
        data_dir: data.to_path_buf(),
        pack: pack.to_owned(),
        provider: Provider::Cpu,
        threads: 2,
    };
    Harness::builder()
        .with_size([1400.0, 900.0])
        .with_accessibility_check(false)
        .build_eframe(move |cc| VignetteApp::with_settings(&cc.egui_ctx, config, Settings::default()))
}

fn until(h: &mut Harness<'static, VignetteApp>, what: &str, cond: impl Fn(&VignetteApp) -> bool) {
    let t0 = Instant::now();
    while !cond(h.state()) {
        h.step();
        assert!(t0.elapsed() < Duration::from_secs(120), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn while_indexing(data: &Path, photos: &Path, pack: &str, prompts: &[&str]) {
    let mut h = harness(data, pack);
    h.step();
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(photos.to_path_buf())));
    until(&mut h, "indexing to start", VignetteApp::indexing);
    let (mut cpu, mut wall) = (Vec::new(), Vec::new());
    let t0 = Instant::now();
    while h.state().indexing() {
        let (c, w) = (thread_cpu_ns(), Instant::now());
        h.step();
        cpu.push((thread_cpu_ns() - c) as f64 / 1e6);
        wall.push(w.elapsed().as_secs_f64() * 1e3);
        // A real window paints at most at the display rate; 8 ms keeps the loader and indexer busy.
        std::thread::sleep(Duration::from_millis(8));
    }
    let secs = t0.elapsed().as_secs_f64();
    until(&mut h, "the grid to fill", |a| a.visible_items().len() == PHOTOS);
    for (name, v) in [("UI-thread CPU", &mut cpu), ("wall", &mut wall)] {
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "while indexing {PHOTOS} photos ({secs:.1} s, {} frames): {name} per frame mean {mean:.2} ms, p50 {:.2}, p95 {:.2}, max {:.2}",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.95),
            percentile(v, 1.0)
        );
    }
    // Keystroke to results: type one letter, step until the answer for it is on screen.
    let mut lat = Vec::new();
    for word in prompts {
        h.get_by_role_and_label(egui::Role::TextInput, "Search").focus();
        h.step();
        for ch in word.chars() {
            let t = Instant::now();
            h.get_by_role_and_label(egui::Role::TextInput, "Search")
                .type_text(&ch.to_string());
            h.step();
            until(&mut h, "the ranking", |a| !a.search.ranking);
            lat.push(t.elapsed().as_secs_f64() * 1e3);
        }
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.key_press(egui::Key::Backspace);
        h.step();
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "keystroke to results over {PHOTOS} photos ({} keystrokes): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.95),
        percentile(&lat, 1.0)
    );
}

/// A settled frame of the full grid (1,000 photos indexed, thumbnails loaded), no query.
#[divan::bench(sample_count = 200)]
fn frame_idle_grid(bencher: divan::Bencher) {
    let data = tempfile::tempdir().expect("tmp");
    let photos = tempfile::tempdir().expect("tmp");
    synthetic_photos(photos.path(), PHOTOS);
    let mut h = harness(data.path(), TINY_PACK);
    h.step();
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(photos.path().to_path_buf())));
    until(&mut h, "indexing to start", VignetteApp::indexing);
    until(&mut h, "indexing to finish", |a| {
        !a.indexing() && a.visible_items().len() == PHOTOS
    });
    for _ in 0..50 {
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    bencher.bench_local(|| h.step());
}
