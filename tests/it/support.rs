//! Test support: temp data folders, tiny photos, the tiny packs, and the shared real-model folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vignette::config::Config;
use vignette::engine::Engine;
use vignette::jobs::{CancelToken, IndexRequest, IndexSummary, JobEvent, run_index};

/// Absolute path of a committed tiny pack.
pub fn tiny_pack(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/packs")
        .join(name)
}

/// A temp folder with `data/` (Vignette's data folder) and `photos/`.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("photos")).expect("mkdir");
        TestEnv { dir }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn photos(&self) -> PathBuf {
        self.dir.path().join("photos")
    }

    /// Config on the given tiny pack, two threads.
    pub fn config(&self, pack: &str) -> Config {
        let mut c = Config::new(Some(self.data())).expect("config");
        c.pack = tiny_pack(pack).to_string_lossy().into_owned();
        c.threads = 2;
        c
    }

    pub fn engine(&self, pack: &str) -> Arc<Engine> {
        Arc::new(Engine::open(self.config(pack)).expect("open engine"))
    }

    /// Write a solid-colour photo under `photos/` (format from the extension) and return its path.
    pub fn photo(&self, name: &str, rgb: [u8; 3]) -> PathBuf {
        let p = self.photos().join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        image::RgbImage::from_pixel(24, 16, image::Rgb(rgb))
            .save(&p)
            .expect("save photo");
        p
    }

    /// Index `photos/` (remembering the folder, pruning), collecting events.
    pub fn index(&self, engine: &Engine) -> (IndexSummary, Vec<JobEvent>) {
        index_roots(engine, vec![self.photos()])
    }
}

/// Index the given roots synchronously, collecting events.
pub fn index_roots(engine: &Engine, roots: Vec<PathBuf>) -> (IndexSummary, Vec<JobEvent>) {
    let events = std::sync::Mutex::new(Vec::new());
    let req = IndexRequest {
        roots,
        remember_folders: true,
        prune: true,
    };
    let summary = run_index(
        engine,
        &req,
        &|e| events.lock().expect("lock").push(e),
        &CancelToken::new(),
    )
    .expect("index");
    (summary, events.into_inner().expect("lock"))
}

/// The workplace's shared folder with real models and data, if present. Under CI it must be there.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGNETTE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("models/seed-effnet-minilm/image_encoder.onnx").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").map(|v| v != "true").unwrap_or(true),
        "CI=true but the shared models and data are missing at {} (set VIGNETTE_SHARED_DIR)",
        dir.display()
    );
    // Straight to stderr, not `eprintln!`: libtest captures the macros, and a skip must be visible.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "skipping: shared models and data sets not found at {} (set VIGNETTE_SHARED_DIR)",
        dir.display()
    );
    None
}

/// File names of search hits, in order.
pub fn names(hits: &[vignette::search::Hit]) -> Vec<String> {
    hits.iter()
        .map(|h| {
            h.path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// 24 colour photos (`red0.png` .. `blue7.png`, shades darkening with the number) under `photos/`, and
/// their caption set as JSONL lines: "crimson photo", "grass" or "a sky".
pub fn colour_caption_lines(env: &TestEnv) -> String {
    let mut lines = String::new();
    for i in 0..8u8 {
        for (w, c, cap) in [
            ("red", [220u8, 30, 30], "crimson photo"),
            ("green", [30, 220, 30], "grass"),
            ("blue", [30, 30, 220], "a sky"),
        ] {
            let name = format!("{w}{i}.png");
            env.photo(
                &name,
                [
                    c[0].saturating_sub(i * 9),
                    c[1].saturating_sub(i * 7),
                    c[2].saturating_sub(i * 5),
                ],
            );
            lines.push_str(&format!("{}\n", serde_json::json!({"image": name, "caption": cap})));
        }
    }
    lines
}
