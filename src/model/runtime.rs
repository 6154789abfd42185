//! The ONE place that loads ONNX Runtime and builds sessions.
//!
//! `ort` is built with `load-dynamic`: the shared library is found at run time, so the binary carries no
//! native dependency and a missing library is an error we can explain instead of a loader failure. `ort`
//! itself panics when its first API call cannot load a library, so we resolve the path ourselves, load it
//! once behind a `OnceLock`, and turn any panic from that first call into [`Error::Runtime`].
//!
//! Where the library is looked for, in order (the first hit wins):
//! 1. `ORT_DYLIB_PATH` (an explicit override: if set and missing, that is the error);
//! 2. next to the executable, and `../lib/vignette/` beside it (the `.deb` layout);
//! 3. the runtime cache (`VIGNETTE_RUNTIME_DIR`, default the user cache dir) where [`fetch`] puts it.
//!    A library found there is loaded only if its SHA-256 matches the one pinned here for this
//!    architecture (the same file the pinned wheel holds); the cache is never a shared folder such as
//!    `/tmp`, where another user could plant a library, and it is created readable by its owner only.
//!
//! When nothing is found and fetching is allowed (`VIGNETTE_OFFLINE` unset), the pinned `onnxruntime`
//! wheel is downloaded through pip (the package registry's own client) with `--require-hashes`, checked
//! again here, and the library is extracted atomically into the cache. pip runs isolated (`python3 -I`:
//! no current folder, `PYTHONPATH` or user site on `sys.path`) inside the private download folder, so a
//! `pip/` folder wherever Vignette was started cannot be imported instead of pip. Sessions get the execution provider
//! asked for, falling back to CPU with the reason recorded, so front ends can say honestly what runs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::{Error, Result};

/// The ONNX Runtime version this build is made for (API 31).
pub const ORT_VERSION: &str = "1.31.1";
const LIB_NAME: &str = "libonnxruntime.so.1.31.1";

/// Pinned wheels (file, SHA-256) per architecture; `pip download --require-hashes` refuses anything else.
const WHEELS: &[(&str, &str, &str)] = &[
    (
        "x86_64",
        "manylinux_2_28_x86_64",
        "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
    ),
    (
        "aarch64",
        "manylinux_2_28_aarch64",
        "da05378364c44d4407e463982d2bf8d5e4cfea873283757e48beeb41df97b7f3",
    ),
];

/// SHA-256 of `onnxruntime/capi/{LIB_NAME}` inside each pinned wheel: what a cached library must hash to.
const LIBRARIES: &[(&str, &str)] = &[
    (
        "x86_64",
        "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3",
    ),
    (
        "aarch64",
        "8aa3b76b28c778a2b1dd660d34161adb1d508c9ccd04ff9dc80e26eca5df8467",
    ),
];

/// What was loaded, for `vignette info` and the GUI.
#[derive(Debug, Clone)]
pub struct RuntimeInfo {
    pub library: PathBuf,
    pub build_info: String,
    env: ort::environment::Environment,
}

static RUNTIME: OnceLock<std::result::Result<RuntimeInfo, String>> = OnceLock::new();

/// Load ONNX Runtime once per process (finding or fetching it), or say precisely why it cannot be.
pub fn init() -> Result<&'static RuntimeInfo> {
    RUNTIME
        .get_or_init(|| load().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::Runtime(e.clone()))
}

fn load() -> Result<RuntimeInfo> {
    let library = match locate()? {
        Some(p) => p,
        None if std::env::var_os("VIGNETTE_OFFLINE").is_some() => {
            return Err(Error::Runtime(format!(
                "libonnxruntime {ORT_VERSION} not found and VIGNETTE_OFFLINE is set; set ORT_DYLIB_PATH to the \
                 library, or unset VIGNETTE_OFFLINE to let Vignette fetch it with pip into {}",
                cache_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|e| e.to_string())
            )));
        }
        None => fetch(&cache_dir()?)?,
    };
    let lib = library.clone();
    // ort panics (rather than erroring) when the library has the wrong API version; contain that.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(move || -> std::result::Result<_, String> {
        let env = ort::init_from(&lib)
            .map_err(|e| e.to_string())?
            .with_name("vignette")
            .build()
            .map_err(|e| e.to_string())?;
        Ok((env, ort::info().to_owned()))
    });
    std::panic::set_hook(previous);
    let (env, build_info) = match result {
        Ok(Ok(ok)) => ok,
        Ok(Err(e)) => {
            return Err(Error::Runtime(format!("cannot load {}: {e}", library.display())));
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            return Err(Error::Runtime(format!(
                "{} is not a usable ONNX Runtime {ORT_VERSION} library ({msg}); point ORT_DYLIB_PATH at \
                 libonnxruntime {ORT_VERSION} or remove it",
                library.display()
            )));
        }
    };
    log::info!("ONNX Runtime loaded from {}", library.display());
    Ok(RuntimeInfo {
        library,
        build_info,
        env,
    })
}

/// The folder where a fetched runtime is kept: `VIGNETTE_RUNTIME_DIR`, else the user's cache folder. There
/// is no fallback to a shared folder such as `/tmp`: without a home folder the variable must be set.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("VIGNETTE_RUNTIME_DIR") {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("org", "vignette", "vignette")
        .map(|d| d.cache_dir().join("onnxruntime").join(ORT_VERSION))
        .ok_or_else(|| {
            Error::Runtime(format!(
                "no home folder to keep ONNX Runtime {ORT_VERSION} in; set VIGNETTE_RUNTIME_DIR to a private \
                 folder, or ORT_DYLIB_PATH to the library"
            ))
        })
}

/// Whether `lib` is the pinned library of this architecture (false when none is pinned or it differs).
fn is_pinned_library(lib: &Path) -> bool {
    let Some((_, want)) = LIBRARIES.iter().find(|(a, _)| *a == std::env::consts::ARCH) else {
        return false;
    };
    match crate::model::pack::sha256_file(lib) {
        Ok(got) if got == *want => true,
        Ok(got) => {
            log::warn!(
                "ignoring {}: SHA-256 {got} is not the pinned ONNX Runtime {ORT_VERSION} ({want})",
                lib.display()
            );
            false
        }
        Err(e) => {
            log::warn!("ignoring {}: {e}", lib.display());
            false
        }
    }
}

/// Find an existing library without fetching; `Err` only for a bad explicit override.
pub fn locate() -> Result<Option<PathBuf>> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(Some(p))
        } else {
            Err(Error::Runtime(format!(
                "ORT_DYLIB_PATH points at a missing file: {}",
                p.display()
            )))
        };
    }
    let mut candidates = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(exe_dir.join(LIB_NAME));
        candidates.push(exe_dir.join("../lib/vignette").join(LIB_NAME));
    }
    if let Some(found) = candidates.into_iter().find(|p| p.is_file()) {
        return Ok(Some(found));
    }
    // The cache is written at run time, so what is there is checked before it is loaded.
    Ok(cache_dir()
        .ok()
        .map(|d| d.join(LIB_NAME))
        .filter(|p| p.is_file() && is_pinned_library(p)))
}

#[path = "runtime_fetch.rs"]
mod fetch;
pub use fetch::fetch;

/// Which execution provider to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// The best available accelerator, else CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
    TensorRt,
    CoreMl,
    DirectMl,
}

impl std::str::FromStr for Provider {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "auto" => Provider::Auto,
            "cpu" => Provider::Cpu,
            "cuda" => Provider::Cuda,
            "tensorrt" => Provider::TensorRt,
            "coreml" => Provider::CoreMl,
            "directml" => Provider::DirectMl,
            other => {
                return Err(Error::Setting(format!(
                    "unknown execution provider {other:?} (auto, cpu, cuda, tensorrt, coreml, directml)"
                )));
            }
        })
    }
}

/// Session settings.
#[derive(Debug, Clone, Copy)]
pub struct SessionOptions {
    pub provider: Provider,
    /// Intra-op threads; 0 lets ONNX Runtime choose.
    pub threads: usize,
    /// Let idle intra-op threads spin between runs (the lowest latency for a lone prompt) rather than
    /// sleep. The indexer's image encoder sleeps: spinning threads take the cores its decode threads need.
    pub spin: bool,
}

/// A session and the provider that actually runs it.
pub struct LoadedSession {
    pub session: Session,
    /// "CPU", "CUDA", ...
    pub provider: &'static str,
    /// Why the requested accelerator is not in use, if it is not.
    pub fallback_reason: Option<String>,
}

fn candidates(p: Provider) -> Vec<ort::ep::ExecutionProviderDispatch> {
    use ort::ep::{self, ExecutionProvider as _};
    let _ = ep::CPU::is_available; // keep the trait import used on every platform
    let mut v = Vec::new();
    let linux_or_windows = cfg!(any(target_os = "linux", target_os = "windows"));
    if matches!(p, Provider::TensorRt) && linux_or_windows {
        v.push(ep::TensorRT::default().build().error_on_failure());
    }
    if matches!(p, Provider::Auto | Provider::Cuda | Provider::TensorRt) && linux_or_windows {
        // cuDNN's default exhaustive search benchmarks every convolution algorithm for each new input
        // shape; the indexer's batches vary in size (it encodes what is decoded), so on an H200 that
        // search held the encoder to 46 photos/s against 170/s on its 16 CPU cores (tests/benches/gpu.sh).
        let search = ep::cuda::ConvAlgorithmSearch::Heuristic;
        v.push(
            ep::CUDA::default()
                .with_conv_algorithm_search(search)
                .build()
                .error_on_failure(),
        );
    }
    if matches!(p, Provider::Auto | Provider::CoreMl) && cfg!(target_os = "macos") {
        v.push(ep::CoreML::default().build().error_on_failure());
    }
    if matches!(p, Provider::Auto | Provider::DirectMl) && cfg!(target_os = "windows") {
        v.push(ep::DirectML::default().build().error_on_failure());
    }
    v
}

/// Build a session for `model`, trying the requested accelerator first and falling back to CPU.
pub fn session(model: &Path, opts: SessionOptions) -> Result<LoadedSession> {
    let env = &init()?.env;
    let what = || format!("loading {}", model.display());
    let builder = || -> Result<ort::session::builder::SessionBuilder> {
        let mut b = Session::builder(env).map_err(|e| Error::onnx(what(), e))?;
        b = b
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| Error::onnx(what(), e))?;
        if opts.threads > 0 {
            b = b.with_intra_threads(opts.threads).map_err(|e| Error::onnx(what(), e))?;
        }
        b = b
            .with_intra_op_spinning(opts.spin)
            .map_err(|e| Error::onnx(what(), e))?;
        Ok(b)
    };
    let mut fallback_reason = None;
    for ep in candidates(opts.provider) {
        let name = ep.name();
        let attempt = builder().and_then(|b| {
            b.with_execution_providers([ep])
                .map_err(|e| Error::onnx(what(), e))?
                .commit_from_file(model)
                .map_err(|e| Error::onnx(what(), e))
        });
        match attempt {
            Ok(session) => {
                return Ok(LoadedSession {
                    session,
                    provider: provider_label(name),
                    fallback_reason: None,
                });
            }
            Err(e) => {
                log::info!("{name} unavailable, trying the next provider: {e}");
                fallback_reason.get_or_insert_with(|| format!("{} unavailable: {e}", provider_label(name)));
            }
        }
    }
    if opts.provider != Provider::Auto && opts.provider != Provider::Cpu && fallback_reason.is_none() {
        fallback_reason = Some(format!("{:?} is not supported on this platform", opts.provider));
    }
    if opts.provider == Provider::Auto && cfg!(target_os = "linux") {
        // On a machine without a GPU, CUDA failing is expected, not news.
        fallback_reason = fallback_reason.map(|r| format!("no accelerator in use ({r})"));
    }
    let session = builder()?.commit_from_file(model).map_err(|e| Error::onnx(what(), e))?;
    Ok(LoadedSession {
        session,
        provider: "CPU",
        fallback_reason,
    })
}

fn provider_label(name: &str) -> &'static str {
    match name {
        n if n.contains("TensorRT") => "TensorRT",
        n if n.contains("CUDA") => "CUDA",
        n if n.contains("CoreML") => "CoreML",
        n if n.contains("Dml") || n.contains("DirectML") => "DirectML",
        _ => "CPU",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_library_that_is_not_the_pinned_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = dir.path().join(LIB_NAME);
        std::fs::write(&fake, b"not onnxruntime").expect("write");
        assert!(!is_pinned_library(&fake));
        assert!(
            LIBRARIES
                .iter()
                .all(|(arch, _)| WHEELS.iter().any(|(a, _, _)| a == arch))
        );
    }
}
