//! Settings resolved once from the command line, the environment and defaults.
//!
//! Everything Vignette writes lives under one data folder (`--data-dir`, `VIGNETTE_DATA_DIR`, default from
//! `directories`): `indexes/` (one SQLite file per pack fingerprint), `packs/` (installed model packs),
//! `cache/` (derived data such as class-name embeddings), `builtin/` (the default pack written out from the
//! binary). The default model pack is found, in order, at `VIGNETTE_DEFAULT_PACK`, beside the executable
//! (`models/`, `../share/vignette/models/`, the installed layouts), in the system data folders, and else
//! is the copy compiled into the binary ([`crate::model::builtin`]). ONNX files a pack folder lacks are
//! looked up on [`model_search_path`]. No path of the machine that built the binary is ever searched.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::runtime::Provider;

/// Name of the embedded default pack.
pub use crate::model::pack::DEFAULT_PACK;

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
                .ok_or_else(|| {
                    Error::Setting("cannot find a home folder for the data folder; pass --data-dir".into())
                })?,
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
        if self.pack == DEFAULT_PACK {
            return match default_pack_dirs()
                .into_iter()
                .find(|d| d.join(crate::model::pack::MANIFEST).is_file())
            {
                Some(d) => Ok(d),
                None => crate::model::builtin::materialize(&self.data_dir),
            };
        }
        Err(Error::NoSuchPack {
            name: self.pack.clone(),
            place: format!("a folder with pack.toml or {}", self.packs_dir().display()),
        })
    }
}

/// Folders that may hold an unpacked default pack, before the copy compiled into the binary: set by
/// `VIGNETTE_DEFAULT_PACK`, beside the executable (a portable folder), the installed share folder next to
/// it (`.deb`, AppImage), and the system data folders.
fn default_pack_dirs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(p) = std::env::var_os("VIGNETTE_DEFAULT_PACK") {
        v.push(PathBuf::from(p));
    }
    v.extend(installed_model_dirs().into_iter().map(|d| d.join(DEFAULT_PACK)));
    v
}

/// Model folders of an installation: beside the executable (`models/`), its share folder
/// (`../share/vignette/models/`), and `vignette/models/` in each system data folder (`XDG_DATA_DIRS`,
/// default `/usr/local/share:/usr/share`). Never a path of the machine that built the binary.
pub fn installed_model_dirs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        v.push(exe_dir.join("models"));
        v.push(exe_dir.join("../share/vignette/models"));
    }
    if cfg!(all(unix, not(target_os = "macos"))) {
        let system = std::env::var_os("XDG_DATA_DIRS")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
        v.extend(std::env::split_paths(&system).map(|d| d.join("vignette/models")));
    }
    v
}

/// Folders searched for pack files missing from a pack folder, in order: `VIGNETTE_MODEL_PATH`
/// (`:`-separated; tests and CI use it for the shared fp32 encoders), the user's data folder
/// (`<data>/models/<pack>`), the installation's model folders for a pack of that name (a user copy of a
/// pack made when a head is saved keeps its encoders there), and for the default pack its copy written
/// out from the binary.
pub fn model_search_path(config: &Config, pack_name: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::env::var_os("VIGNETTE_MODEL_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    v.push(config.data_dir.join("models").join(pack_name));
    v.extend(installed_model_dirs().into_iter().map(|d| d.join(pack_name)));
    if pack_name == DEFAULT_PACK && !crate::model::builtin::files().is_empty() {
        v.push(crate::model::builtin::folder(&config.data_dir));
    }
    v
}
