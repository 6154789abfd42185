//! The default model pack compiled into the binary, written out once to the data folder.
//!
//! Why compiled in: the default pack is the one piece that must work everywhere, offline, on the first run:
//! after `cargo install`, from a binary copied to another machine, from a fresh clone. `build.rs` embeds
//! every file of `models/seed-effnet-minilm/` (42 MB, of which 41 MB are the two encoders).
//!
//! Why written out instead of loaded from memory: everything else (ONNX sessions, the tokenizer, the class
//! names, a user copy of the pack that keeps its encoders when a head is saved, `vignette info --verify`)
//! works on files, so one materialised folder keeps a single code path. The folder is
//! `<data>/builtin/seed-effnet-minilm-<id>/`, where `<id>` is derived from the embedded contents, so a
//! newer binary writes a new folder and never rewrites one a user copy may point at. It is written into a
//! temporary sibling and renamed into place: a crash leaves either no folder or a complete one, and two
//! processes racing both end with the same complete folder. A folder whose file sizes no longer match
//! (damaged on disk) is written again.
//!
//! Measured (2-core workplace VM): embedding costs ~42 MB of binary size and about 1 s of build time for
//! the crate that includes it; writing the folder out on first use takes well under a second.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};
use crate::model::pack::DEFAULT_PACK;

include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));

/// The embedded files as `(name, bytes)`.
pub fn files() -> &'static [(&'static str, &'static [u8])] {
    FILES
}

/// A short id of the embedded contents, computed once per process: the manifest pins the encoders' SHA-256, so hashing every
/// non-ONNX file fully and the ONNX files by length identifies them without hashing 41 MB at each start.
pub fn content_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(compute_content_id)
}

fn compute_content_id() -> String {
    let mut h = blake3::Hasher::new();
    for (name, bytes) in FILES {
        h.update(name.as_bytes());
        h.update(&(bytes.len() as u64).to_le_bytes());
        if !name.ends_with(".onnx") {
            h.update(bytes);
        }
    }
    h.finalize().to_hex()[..12].to_owned()
}

/// The folder the embedded pack is written to under `data_dir`.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir
        .join("builtin")
        .join(format!("{DEFAULT_PACK}-{}", content_id()))
}

/// Write the embedded pack under `data_dir` unless a complete copy is already there; returns its folder.
pub fn materialize(data_dir: &Path) -> Result<PathBuf> {
    let dir = folder(data_dir);
    if FILES.is_empty() {
        return Err(crate::Error::pack(
            dir,
            "this build has no embedded default pack (feature `embedded-pack` off) and none is installed \
             beside the executable or in the system data folders; set VIGNETTE_DEFAULT_PACK to its folder",
        ));
    }
    if is_complete(&dir) {
        return Ok(dir);
    }
    let parent = dir.parent().unwrap_or(data_dir);
    crate::files::create_private_dir(parent)?;
    let tmp = parent.join(format!(".tmp-{}-{}", std::process::id(), content_id()));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir(&tmp).at("cannot create the folder for the built-in model pack", &tmp)?;
    for (name, bytes) in FILES {
        let path = tmp.join(name);
        fs::write(&path, bytes).at("cannot write the built-in model pack", &path)?;
    }
    if dir.exists() {
        // Damaged (sizes differ) or raced by another process: replace only what is not complete.
        if is_complete(&dir) {
            let _ = fs::remove_dir_all(&tmp);
            return Ok(dir);
        }
        fs::remove_dir_all(&dir).at("cannot replace a damaged built-in model pack", &dir)?;
    }
    match fs::rename(&tmp, &dir) {
        Ok(()) => Ok(dir),
        Err(_) if is_complete(&dir) => {
            let _ = fs::remove_dir_all(&tmp);
            Ok(dir)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(crate::Error::io(
                "cannot move the built-in model pack into place",
                &dir,
                e,
            ))
        }
    }
}

/// Every embedded file is present with its embedded size.
fn is_complete(dir: &Path) -> bool {
    FILES.iter().all(|(name, bytes)| {
        fs::metadata(dir.join(name))
            .map(|m| m.is_file() && m.len() == bytes.len() as u64)
            .unwrap_or(false)
    })
}

#[cfg(all(test, feature = "embedded-pack"))]
mod tests {
    use super::*;

    #[test]
    fn embeds_the_manifest_and_both_encoders() {
        let names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
        for want in [
            "pack.toml",
            "image_encoder.onnx",
            "text_encoder.int8.onnx",
            "tokenizer.json",
        ] {
            assert!(names.contains(&want), "{want} is not embedded: {names:?}");
        }
    }

    #[test]
    fn materializes_once_and_repairs_a_damaged_copy() {
        let data = tempfile::tempdir().expect("tempdir");
        let dir = materialize(data.path()).expect("materialize");
        let pack = crate::model::pack::Pack::load(&dir).expect("the written pack loads");
        assert_eq!(pack.verify().expect("hashes match").len(), 2);
        // Truncate an encoder: the next call notices and writes the pack again.
        fs::write(dir.join("image_encoder.onnx"), b"x").expect("damage");
        let again = materialize(data.path()).expect("materialize again");
        assert_eq!(again, dir);
        assert!(is_complete(&dir));
        let leftovers: Vec<_> = fs::read_dir(dir.parent().expect("parent"))
            .expect("list")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "temporary folders left behind");
    }
}
