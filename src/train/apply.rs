//! Saving a trained head into the pack so search uses it at once.
//!
//! A pack folder the user owns (under `<data>/packs/`) gets the head in `heads/NAME.safetensors` and a
//! `[head]` entry in its manifest. The embedded default pack lives in the program's read-only files, so the
//! first head trained on it creates a user copy of its small files (manifest, tokenizer, class names) in
//! `<data>/packs/<name>/`; the ONNX encoders are still found on the model search path (or, for a pack
//! opened by path whose encoders are not on it, hard-linked into the copy), and the pack
//! fingerprint (which ignores heads) is unchanged, so the existing index is reused. The manifest is
//! rewritten atomically (temp file, rename).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, IoContext, Result};
use crate::model::pack::{HeadSpec, MANIFEST, Pack};
use crate::train::head::Head;

/// Write `head` into the active pack under `name` and make it the pack's head; returns the pack folder.
pub fn save_into_pack(config: &Config, pack: &Pack, head: &Head, name: &str) -> Result<PathBuf> {
    save_into_pack_for(config, pack, head, name, &[])
}

/// [`save_into_pack`], with the head applied only to photos under `folders` (all photos when empty;
/// photos elsewhere keep their zero-shot score). Each folder must exist; it is stored canonicalised, the
/// form the index keeps paths in.
pub fn save_into_pack_for(
    config: &Config,
    pack: &Pack,
    head: &Head,
    name: &str,
    folders: &[PathBuf],
) -> Result<PathBuf> {
    let folders = folders
        .iter()
        .map(|f| match std::fs::canonicalize(f) {
            Ok(c) if c.is_dir() => Ok(c),
            Ok(_) => Err(Error::Train(format!("{} is not a folder", f.display()))),
            Err(e) => Err(Error::io("cannot apply the head to folder", f, e)),
        })
        .collect::<Result<Vec<_>>>()?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) || name.starts_with('.')
    {
        return Err(Error::Train(format!(
            "head name {name:?} must be letters, digits, '-', '_' or '.'"
        )));
    }
    let user_dir = config.packs_dir().join(&pack.manifest.name);
    if pack.dir != user_dir {
        std::fs::create_dir_all(&user_dir).at("cannot create pack folder", &user_dir)?;
        let mut small = vec![(pack.tokenizer.clone(), pack.manifest.text.tokenizer.clone())];
        if let (Some(l), Some(spec)) = (&pack.labels, &pack.manifest.labels) {
            small.push((l.clone(), spec.file.clone()));
            if let (Some(d), Some(rel)) = (&pack.descriptions, &spec.descriptions) {
                small.push((d.clone(), rel.clone()));
            }
        }
        for (from, rel) in small {
            let to = user_dir.join(&rel);
            std::fs::copy(&from, &to).at("cannot copy pack file", &to)?;
        }
    }
    let rel = format!("heads/{name}.safetensors");
    let file = user_dir.join(&rel);
    if let Some(d) = file.parent() {
        std::fs::create_dir_all(d).at("cannot create heads folder", d)?;
    }
    head.save(&file)?;
    let mut manifest = pack.manifest.clone();
    // Encoders stay where they are: a user copy points at them by absolute path.
    for (file, resolved) in [
        (&mut manifest.image.file, &pack.image_model),
        (&mut manifest.text.file, &pack.text_model),
    ] {
        if !user_dir.join(&*file).is_file() {
            *file = std::fs::canonicalize(resolved)
                .unwrap_or_else(|_| resolved.clone())
                .to_string_lossy()
                .into_owned();
        }
    }
    manifest.head = Some(HeadSpec {
        name: name.to_owned(),
        file: rel,
        blend: head.blend(),
        folders,
    });
    write_manifest(&user_dir, &manifest)?;
    Ok(user_dir)
}

/// Remove the head entry from a user pack (the file stays, so it can be re-applied by hand).
pub fn clear_head(pack_dir: &Path, pack: &Pack) -> Result<()> {
    let mut manifest = pack.manifest.clone();
    manifest.head = None;
    write_manifest(pack_dir, &manifest)
}

fn write_manifest(dir: &Path, manifest: &crate::model::pack::Manifest) -> Result<()> {
    let path = dir.join(MANIFEST);
    let text = toml::to_string(manifest).map_err(|source| Error::Toml {
        path: path.clone(),
        source,
    })?;
    let tmp = dir.join(format!(".{MANIFEST}.tmp"));
    std::fs::write(&tmp, text).at("cannot write manifest", &tmp)?;
    std::fs::rename(&tmp, &path).at("cannot replace manifest", &path)
}
