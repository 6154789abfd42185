//! The library as the front ends show it, and the file operations on it: a snapshot of the index (photos,
//! folders with counts and problems, skipped files), checking dropped or picked paths, and exporting.
//!
//! Everything here touches the disk or the index, so the [`super::Workspace`] runs it on worker threads;
//! the functions themselves are plain and synchronous, and the CLI could call them directly.

use std::path::{Path, PathBuf};

use crate::engine::Engine;
use crate::error::{Error, IoContext, Result};
use crate::index::SkippedFile;

/// A folder the user added, as the side panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FolderInfo {
    pub path: PathBuf,
    pub photos: usize,
    /// Why the folder is offline: it cannot be read now (missing, permissions), or the last scan could
    /// not list it completely. Its photos stay indexed and searchable.
    pub problem: Option<String>,
}

/// What the index holds, read in one go off the UI thread.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// Every photo (id, path) in index order.
    pub photos: Vec<(i64, PathBuf)>,
    pub folders: Vec<FolderInfo>,
    pub skipped: Vec<SkippedFile>,
}

/// Read photos, folders (with counts and problems) and skipped files from a fresh connection.
pub fn read_library(engine: &Engine) -> Result<Library> {
    let index = engine.index()?;
    let mut states = index.states()?;
    states.sort_unstable_by_key(|s| s.id);
    let folders = index
        .folder_status()?
        .into_iter()
        .map(|f| FolderInfo {
            problem: folder_problem(&f.path).or(f.offline),
            path: f.path,
            photos: f.photos,
        })
        .collect();
    let skipped = index.skipped()?;
    Ok(Library {
        photos: states.into_iter().map(|s| (s.id, s.path)).collect(),
        folders,
        skipped,
    })
}

/// Why a folder cannot be listed, in words, or `None` when it can.
pub fn folder_problem(path: &Path) -> Option<String> {
    match std::fs::read_dir(path) {
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("folder not found".to_owned()),
        Err(e) => Some(format!("cannot read folder: {e}")),
    }
}

/// Dropped or picked paths after checking them.
#[derive(Debug, Default)]
pub struct CheckedPaths {
    /// Indexable roots (absolute).
    pub ok: Vec<PathBuf>,
    /// Why each of the others cannot be added, as a line for the user.
    pub errors: Vec<String>,
}

/// Split dropped or picked paths into indexable roots (absolute) and plain error messages.
pub fn check_paths(paths: Vec<PathBuf>) -> CheckedPaths {
    let mut out = CheckedPaths::default();
    for p in paths {
        match std::fs::metadata(&p) {
            Ok(md) if md.is_dir() => match folder_problem(&p) {
                None => out.ok.push(std::fs::canonicalize(&p).unwrap_or(p)),
                Some(why) => out.errors.push(format!("Cannot add {}: {why}", p.display())),
            },
            Ok(_) if crate::library::is_photo(&p) => out.ok.push(std::fs::canonicalize(&p).unwrap_or(p)),
            Ok(_) => out
                .errors
                .push(format!("Cannot add {}: not a folder or a supported photo", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.errors.push(format!("Cannot add {}: folder not found", p.display()));
            }
            Err(e) => out.errors.push(format!("Cannot add {}: {e}", p.display())),
        }
    }
    out
}

/// Copy photos into `dir`, never overwriting: a clash gets a numbered name. Returns how many were copied;
/// on a failure the ones before it stay copied and the error names the file.
pub fn export(paths: &[PathBuf], dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).at("cannot create the export folder", dir)?;
    for (copied, p) in paths.iter().enumerate() {
        let mut target = dir.join(file_name(p));
        let mut n = 1;
        while target.exists() {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
            let ext = p
                .extension()
                .and_then(|s| s.to_str())
                .map(|e| format!(".{e}"))
                .unwrap_or_default();
            target = dir.join(format!("{stem}-{n}{ext}"));
            n += 1;
        }
        std::fs::copy(p, &target).map_err(|source| Error::Export {
            copied,
            total: paths.len(),
            path: p.clone(),
            source,
        })?;
    }
    Ok(paths.len())
}

/// The file name of a path as text (the whole path when it has none).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_never_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("a.jpg");
        std::fs::write(&src, b"one").expect("write");
        let out = dir.path().join("out");
        assert_eq!(export(&[src.clone(), src.clone()], &out).expect("export"), 2);
        assert_eq!(std::fs::read(out.join("a.jpg")).expect("first"), b"one");
        assert!(out.join("a-1.jpg").is_file(), "a clash gets a numbered name");
        let missing = dir.path().join("gone.jpg");
        let err = export(&[src, missing], &out).expect_err("missing file");
        assert!(
            matches!(
                err,
                Error::Export {
                    copied: 1,
                    total: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn checked_paths_keep_good_ones_and_explain_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, b"x").expect("write");
        let c = check_paths(vec![dir.path().to_path_buf(), text, dir.path().join("nope")]);
        assert_eq!(c.ok.len(), 1);
        assert_eq!(c.errors.len(), 2);
        assert!(
            c.errors[0].contains("not a folder or a supported photo"),
            "{:?}",
            c.errors
        );
        assert!(c.errors[1].contains("folder not found"), "{:?}", c.errors);
    }
}
