//! Builds the synthetic libraries of `library.rs` (see its module doc for what they hold and why).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vignette::config::Config;
use vignette::engine::Engine;
use vignette::index::NewPhoto;
use vignette::model::encoders::normalise_rows;
use vignette::train::domain::DomainGate;
use vignette::train::head::{BatchNormWeights, BranchWeights, Head, HeadConfig, HeadKind};

/// Real vectors the rows are drawn from.
const BASES: usize = 48;
/// Rows written per transaction.
const BATCH: usize = 5_000;

/// The data folder of the `n`-photo library.
pub fn data_dir(n: usize) -> PathBuf {
    std::env::var_os("VIGNETTE_BENCH_LIBRARY")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("vignette-library-{n}"))
}

/// An engine on the `n`-photo library with the synthetic head, built on first use.
pub fn library(n: usize) -> Arc<Engine> {
    let dir = data_dir(n);
    let marker = dir.join("built");
    let pack = std::fs::read_to_string(&marker).ok();
    let pack = match pack {
        Some(p) => p,
        None => build(n, &dir, &marker),
    };
    let mut config = Config::new(Some(dir)).expect("config");
    config.pack = pack.trim().to_owned();
    Arc::new(Engine::open(config).expect("library pack"))
}

fn build(n: usize, dir: &Path, marker: &Path) -> String {
    eprintln!("building a library of {n} photos in {} (once)", dir.display());
    let _ = std::fs::remove_dir_all(dir);
    let engine = Engine::open(Config::new(Some(dir.to_path_buf())).expect("config")).expect("default pack");
    let (features, search, thumbs) = bases(&engine);
    let (fd, sd) = (features.len() / BASES, search.len() / BASES);
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut index = engine.index().expect("index");
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..n {
        let b = i % BASES;
        let mut emb: Vec<f32> = search[b * sd..(b + 1) * sd]
            .iter()
            .map(|x| x + 0.02 * rng.normal())
            .collect();
        normalise_rows(&mut emb, sd);
        let feats = features[b * fd..(b + 1) * fd]
            .iter()
            .map(|x| (x + 0.05 * rng.normal()).max(0.0))
            .collect();
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
        batch.push(NewPhoto {
            path: PathBuf::from(format!("/library/{}/IMG_{i:07}.jpg", 2000 + i / 1000)),
            size: 3_500_000,
            mtime_ns: 1_600_000_000_000_000_000 + i as i64,
            hash,
            width: 4000,
            height: 3000,
            embedding: emb,
            features: feats,
            thumb: if n <= 100_000 {
                thumbs[b].clone()
            } else {
                vec![0x52; 64]
            },
        });
        if batch.len() == BATCH || i + 1 == n {
            index.commit(&batch, &[], &[]).expect("commit");
            batch.clear();
        }
    }
    for y in 0..n.div_ceil(1000) {
        index
            .add_folder(Path::new(&format!("/library/{}", 2000 + y)))
            .expect("folder");
    }
    let head = synthetic_head(&features, fd, sd);
    let saved = vignette::workspace::train::save_head(&engine, &head, "bench", &[]).expect("save head");
    let pack = saved.switch_to.unwrap_or_else(|| engine.pack.manifest.name.clone());
    // The first start with a new head computes and stores its vectors; the benchmark measures later ones.
    let mut config = Config::new(Some(dir.to_path_buf())).expect("config");
    config.pack = pack.clone();
    let engine = Arc::new(Engine::open(config).expect("head pack"));
    let t = std::time::Instant::now();
    vignette::search::Searcher::new(engine).expect("first start");
    eprintln!(
        "first start with the new head (computes its vectors): {:.1} s",
        t.elapsed().as_secs_f64()
    );
    std::fs::write(marker, &pack).expect("marker");
    pack
}

/// Features, search vectors and WebP thumbnails of `BASES` generated pictures, encoded by the pack.
fn bases(engine: &Engine) -> (Vec<f32>, Vec<f32>, Vec<Vec<u8>>) {
    let spec = &engine.pack.manifest.image;
    let mut enc = engine.image_encoder().expect("image encoder");
    let (mut features, mut search, mut thumbs) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 0..BASES {
        let img = crate::make_jpegs::photo(640, 480, seed as u32);
        thumbs.push(vignette::library::decode::thumbnail(&img, 256).expect("thumbnail"));
        let t = vignette::model::preprocess::tensor(&img, spec).expect("tensor");
        let v = enc.encode(t, 1).expect("encode");
        features.extend(v.features);
        search.extend(v.search);
    }
    (features, search, thumbs)
}

/// A head of the trainer's default shape with seeded random weights and a domain gate.
fn synthetic_head(features: &[f32], fd: usize, sd: usize) -> Head {
    let (hidden, embed) = (1024, 512);
    let mut rng = Rng(7);
    let mut branch = |input: usize| BranchWeights {
        mean: vec![0.0; input],
        std: vec![1.0; input],
        w1: (0..input * hidden)
            .map(|_| rng.normal() / (input as f32).sqrt())
            .collect(),
        b1: vec![0.0; hidden],
        w2: (0..hidden * embed)
            .map(|_| rng.normal() / (hidden as f32).sqrt())
            .collect(),
        b2: vec![0.0; embed],
        bn: Some(BatchNormWeights {
            gamma: vec![1.0; embed],
            beta: vec![0.0; embed],
            running_mean: vec![0.0; embed],
            running_var: vec![1.0; embed],
        }),
    };
    let (image, text) = (branch(fd), branch(sd));
    let config = HeadConfig {
        kind: HeadKind::TwoBranch,
        image_dim: fd,
        text_dim: sd,
        hidden,
        embed,
        batchnorm: true,
        bn_eps: 1e-5,
    };
    let half = BASES / 2 * fd;
    let gate = DomainGate::fit(&features[..half], &features[half..], fd, 1).expect("gate");
    Head::new(config, image, text, 0.5)
        .expect("head")
        .with_domain(Some(gate))
}

/// Resident memory now (kB), from /proc (0 where there is none).
pub fn rss_kb() -> u64 {
    proc_status("VmRSS:")
}

/// Peak resident memory (kB).
pub fn peak_rss_kb() -> u64 {
    proc_status("VmHWM:")
}

fn proc_status(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// xorshift64* with a Box-Muller normal: deterministic rows without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit().max(1e-7), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}
