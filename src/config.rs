//! Settings resolved once from the command line, the environment and defaults.
//!
//! Everything Vignette writes lives under one data folder (`--data-dir`, `VIGNETTE_DATA_DIR`, default from
//! `directories`): `indexes/` (one SQLite file per pack fingerprint), `packs/` (installed model packs),
//! `cache/` (derived data such as class-name embeddings). The default model pack is found, in order, at
//! `VIGNETTE_DEFAULT_PACK`, beside the executable (`../share/vignette/models/`, the installed layout) and in
//! the source tree's `models/`. ONNX files a pack folder lacks are looked up on the model search path
//! (`VIGNETTE_MODEL_PATH`, `:`-separated, then the workplace's shared seed folder next to the checkout).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::runtime::Provider;

/// Name of the embedded default pack.
pub const DEFAULT_PACK: &str = "seed-effnet-minilm";

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    /// Pack name (installed or default) or a pack folder path.
    pub pack: String,
    pub provider: Provider,
    /// Threads for decoding and ONNX Runtime; 0 = all cores.
    pub threads: usize,
}

impl Config {
    /// Settings with the default data folder (or `VIGNETTE_DATA_DIR`).
    pub fn new(data_dir: Option<PathBuf>) -> Result<Config> {
        let data_dir = match data_dir.or_else(|| std::env::var_os("VIGNETTE_DATA_DIR").map(PathBuf::from)) {
            Some(d) => d,
            None => directories::ProjectDirs::from("org", "vignette", "vignette")
                .map(|d| d.data_dir().to_path_buf())
                .ok_or_else(|| Error::Other("cannot find a home folder for the data folder; pass --data-dir".into()))?,
        };
        Ok(Config {
            data_dir,
            pack: std::env::var("VIGNETTE_PACK").unwrap_or_else(|_| DEFAULT_PACK.to_owned()),
            provider: Provider::Auto,
            threads: 0,
        })
    }

    /// Threads to use (resolving 0 to the number of cores).
    pub fn threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        }
    }

    pub fn packs_dir(&self) -> PathBuf {
        self.data_dir.join("packs")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache")
    }

    pub fn indexes_dir(&self) -> PathBuf {
        self.data_dir.join("indexes")
    }

    /// The folder of the selected pack.
    pub fn pack_dir(&self) -> Result<PathBuf> {
        let p = Path::new(&self.pack);
        if p.join(crate::model::pack::MANIFEST).is_file() {
            return Ok(p.to_path_buf());
        }
        let installed = self.packs_dir().join(&self.pack);
        if installed.join(crate::model::pack::MANIFEST).is_file() {
            return Ok(installed);
        }
        if self.pack == DEFAULT_PACK
            && let Some(d) = default_pack_dirs()
                .into_iter()
                .find(|d| d.join(crate::model::pack::MANIFEST).is_file())
        {
            return Ok(d);
        }
        Err(Error::Other(format!(
            "model pack {:?} not found (looked for a folder with pack.toml, and in {})",
            self.pack,
            self.packs_dir().display()
        )))
    }
}

fn default_pack_dirs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(p) = std::env::var_os("VIGNETTE_DEFAULT_PACK") {
        v.push(PathBuf::from(p));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        v.push(exe_dir.join("../share/vignette/models").join(DEFAULT_PACK));
    }
    v.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(DEFAULT_PACK));
    v
}

/// Folders searched for pack files missing from a pack folder: `VIGNETTE_MODEL_PATH`, the installed
/// share folder and source tree for a pack of that name (a user copy of a pack made when a head is saved
/// keeps its encoders there), and the workplace's shared seed folder next to the checkout.
pub fn model_search_path(pack_name: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::env::var_os("VIGNETTE_MODEL_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        v.push(exe_dir.join("../share/vignette/models").join(pack_name));
    }
    v.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(pack_name));
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/models")
        .join(pack_name);
    v.push(std::fs::canonicalize(&checkout).unwrap_or(checkout));
    v
}

/// Create `dir` (and missing parents) readable by the owner only (0700 on Unix): the data folder holds
/// thumbnails of private photos and their paths. An existing folder keeps the permissions it has.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| Error::io("cannot create folder", dir, e))
}
