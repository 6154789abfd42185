//! Fetching ONNX Runtime: the pinned wheel through pip (`--require-hashes`, isolated, in a private
//! folder), checked again here and extracted atomically. A child of `runtime`, in its own file to keep
//! `runtime.rs` short.

use super::*;

/// Download the pinned wheel with pip and extract the library into `dir`; returns the library path.
pub fn fetch(dir: &Path) -> Result<PathBuf> {
    let arch = std::env::consts::ARCH;
    let Some((_, platform, sha)) = WHEELS
        .iter()
        .find(|(a, _, _)| *a == arch)
        .filter(|_| cfg!(target_os = "linux"))
    else {
        return Err(Error::Runtime(format!(
            "no pinned ONNX Runtime {ORT_VERSION} download for {}-{arch}; install ONNX Runtime {ORT_VERSION} \
             and set ORT_DYLIB_PATH to its library",
            std::env::consts::OS
        )));
    };
    crate::files::create_private_dir(dir)?;
    let work = dir.join(format!(".download-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    crate::files::create_private_dir(&work)?;
    let req = work.join("requirements.txt");
    std::fs::write(&req, format!("onnxruntime=={ORT_VERSION} --hash=sha256:{sha}\n"))
        .map_err(|e| Error::io("cannot write", &req, e))?;
    log::warn!(
        "ONNX Runtime {ORT_VERSION} not found; fetching it with pip into {}",
        dir.display()
    );
    let result = pip_download(&req, &work, platform).and_then(|wheel| extract(&wheel, sha, dir));
    let _ = std::fs::remove_dir_all(&work);
    result
}

pub(super) fn pip_download(req: &Path, work: &Path, platform: &str) -> Result<PathBuf> {
    let args = [
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--require-hashes",
        "--python-version",
        "3.11",
        "--platform",
        platform,
        "-d",
    ];
    let mut last_err = String::from("no python3 or python found on PATH");
    let (work, req) = (absolute(work)?, absolute(req)?);
    let (work, req) = (work.as_path(), req.as_path());
    for python in ["python3", "python"] {
        // -I: isolated mode; run in the private work folder, never in the caller's current folder.
        let out = std::process::Command::new(python)
            .arg("-I")
            .current_dir(work)
            .args(args)
            .arg(work)
            .arg("-r")
            .arg(req)
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let wheel = std::fs::read_dir(work)
                    .map_err(|e| Error::io("cannot list", work, e))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .find(|p| p.extension().is_some_and(|x| x == "whl"));
                return wheel.ok_or_else(|| Error::Runtime("pip reported success but left no wheel".into()));
            }
            Ok(o) => {
                last_err = format!(
                    "{python} -m pip download failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                )
            }
            Err(_) => continue,
        }
    }
    Err(Error::Runtime(format!(
        "cannot fetch ONNX Runtime {ORT_VERSION}: {last_err}. Run `python3 -m pip download --no-deps \
         --only-binary=:all: onnxruntime=={ORT_VERSION}`, unzip onnxruntime/capi/{LIB_NAME} from the wheel, and \
         set ORT_DYLIB_PATH to it"
    )))
}

/// `p` made absolute against the current folder (pip runs elsewhere).
pub(super) fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|e| Error::io("cannot resolve", p, e))
}

pub(super) fn extract(wheel: &Path, sha: &str, dir: &Path) -> Result<PathBuf> {
    let got = crate::model::pack::sha256_file(wheel)?;
    if got != sha {
        return Err(Error::Runtime(format!(
            "wheel hash mismatch: expected {sha}, got {got}: {}",
            wheel.display()
        )));
    }
    let file = std::fs::File::open(wheel).map_err(|e| Error::io("cannot open", wheel, e))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| Error::Runtime(format!("bad wheel {}: {e}", wheel.display())))?;
    let mut entry = zip
        .by_name(&format!("onnxruntime/capi/{LIB_NAME}"))
        .map_err(|e| Error::Runtime(format!("{LIB_NAME} missing from {}: {e}", wheel.display())))?;
    let target = dir.join(LIB_NAME);
    let tmp = dir.join(format!(".{LIB_NAME}.{}", std::process::id()));
    let mut out = std::fs::File::create(&tmp).map_err(|e| Error::io("cannot write", &tmp, e))?;
    std::io::copy(&mut entry, &mut out).map_err(|e| Error::io("cannot write", &tmp, e))?;
    out.sync_all().map_err(|e| Error::io("cannot write", &tmp, e))?;
    std::fs::rename(&tmp, &target).map_err(|e| Error::io("cannot install", &target, e))?;
    Ok(target)
}
