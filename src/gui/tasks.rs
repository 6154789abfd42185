//! One-shot background tasks: everything that touches the disk, the index or the OS for the UI.
//!
//! Each task runs on its own named thread and ends by sending one [`Bg`] message and calling the waker
//! (after the send, never holding a lock). The app drains the channel in `App::logic`. Results that
//! depend on the engine carry the engine `epoch` they were computed for, so a result that arrives after
//! the pack changed is dropped instead of mixing two indexes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::config::Config;
use crate::engine::Engine;
use crate::index::{PhotoMeta, SkippedFile};
use crate::jobs::Waker;

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

/// A finished background task.
pub enum Bg {
    EngineOpened {
        epoch: u64,
        result: Result<Arc<Engine>, String>,
    },
    Library {
        epoch: u64,
        result: Result<Library, String>,
    },
    /// Dropped or picked paths after checking them: readable ones, and errors to show.
    PathsChecked {
        ok: Vec<PathBuf>,
        errors: Vec<String>,
    },
    FolderRemoved {
        epoch: u64,
        path: PathBuf,
        result: Result<usize, String>,
    },
    Preview {
        id: i64,
        meta: Option<PhotoMeta>,
        image: Result<egui::ColorImage, String>,
    },
    InstalledPacks(Vec<String>),
    DataDirPicked(PathBuf),
    /// Something finished that the user should hear about (copied, exported, ...).
    Info(String),
    /// Something failed; the message stands on its own.
    Error(String),
}

/// Spawns tasks and collects their results.
pub struct Tasks {
    tx: Sender<Bg>,
    pub rx: Receiver<Bg>,
    waker: Waker,
}

impl Tasks {
    pub fn new(waker: Waker) -> Tasks {
        let (tx, rx) = unbounded();
        Tasks { tx, rx, waker }
    }

    /// Run `f` on a new thread named `vignette-{name}` and deliver its result.
    pub fn spawn(&self, name: &str, f: impl FnOnce() -> Bg + Send + 'static) {
        let (tx, waker) = (self.tx.clone(), Arc::clone(&self.waker));
        let spawned = std::thread::Builder::new()
            .name(format!("vignette-{name}"))
            .spawn(move || {
                let _ = tx.send(f());
                waker();
            });
        if let Err(e) = spawned {
            let _ = self
                .tx
                .send(Bg::Error(format!("cannot start a background thread: {e}")));
        }
    }

    /// Like [`Tasks::spawn`] for tasks that may send nothing (a cancelled dialog).
    pub fn spawn_maybe(&self, name: &str, f: impl FnOnce() -> Option<Bg> + Send + 'static) {
        let (tx, waker) = (self.tx.clone(), Arc::clone(&self.waker));
        let spawned = std::thread::Builder::new()
            .name(format!("vignette-{name}"))
            .spawn(move || {
                if let Some(m) = f() {
                    let _ = tx.send(m);
                    waker();
                }
            });
        if let Err(e) = spawned {
            let _ = self
                .tx
                .send(Bg::Error(format!("cannot start a background thread: {e}")));
        }
    }
}

/// Read photos, folders (with counts and problems) and skipped files from a fresh connection.
pub fn read_library(engine: &Engine) -> Result<Library, String> {
    let index = engine.index().map_err(|e| e.to_string())?;
    let mut states = index.states().map_err(|e| e.to_string())?;
    states.sort_unstable_by_key(|s| s.id);
    let folders = index
        .folder_status()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|f| FolderInfo {
            problem: folder_problem(&f.path).or(f.offline),
            path: f.path,
            photos: f.photos,
        })
        .collect();
    let skipped = index.skipped().map_err(|e| e.to_string())?;
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

/// Split dropped or picked paths into indexable roots (absolute) and plain error messages.
pub fn check_paths(paths: Vec<PathBuf>) -> Bg {
    let (mut ok, mut errors) = (Vec::new(), Vec::new());
    for p in paths {
        match std::fs::metadata(&p) {
            Ok(md) if md.is_dir() => match folder_problem(&p) {
                None => ok.push(std::fs::canonicalize(&p).unwrap_or(p)),
                Some(why) => errors.push(format!("Cannot add {}: {why}", p.display())),
            },
            Ok(_) if crate::library::is_photo(&p) => ok.push(std::fs::canonicalize(&p).unwrap_or(p)),
            Ok(_) => errors.push(format!("Cannot add {}: not a folder or a supported photo", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                errors.push(format!("Cannot add {}: folder not found", p.display()));
            }
            Err(e) => errors.push(format!("Cannot add {}: {e}", p.display())),
        }
    }
    Bg::PathsChecked { ok, errors }
}

/// Decode a photo for the preview, no larger than `max_side` on its longer side.
pub fn load_preview(path: &Path, max_side: u32) -> Result<egui::ColorImage, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let decoded = crate::library::decode::decode(path, &bytes, max_side / 2).map_err(|e| e.to_string())?;
    let mut img = image::DynamicImage::ImageRgb8(decoded.image);
    if img.width().max(img.height()) > max_side {
        img = img.thumbnail(max_side, max_side);
    }
    let rgba = img.to_rgba8();
    Ok(egui::ColorImage::from_rgba_unmultiplied(
        [rgba.width() as usize, rgba.height() as usize],
        rgba.as_raw(),
    ))
}

/// Installed pack names (folders with a manifest under the packs folder), sorted.
pub fn installed_packs(config: &Config) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(config.packs_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join(crate::model::pack::MANIFEST).is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Put a photo on the clipboard as an image; on Linux the thread keeps serving it until replaced.
pub fn copy_image(path: &Path) -> Bg {
    let result = (|| -> Result<(), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let decoded = crate::library::decode::decode(path, &bytes, u32::MAX).map_err(|e| e.to_string())?;
        let rgba = image::DynamicImage::ImageRgb8(decoded.image).to_rgba8();
        let data = arboard::ImageData {
            width: rgba.width() as usize,
            height: rgba.height() as usize,
            bytes: std::borrow::Cow::Owned(rgba.into_raw()),
        };
        let mut clip = arboard::Clipboard::new().map_err(|e| format!("no clipboard: {e}"))?;
        clip.set_image(data).map_err(|e| format!("cannot copy the image: {e}"))
    })();
    match result {
        Ok(()) => Bg::Info(format!("Copied {}", file_name(path))),
        Err(e) => Bg::Error(e),
    }
}

/// Copy photos into `dir`, never overwriting: a clash gets a numbered name.
pub fn export(paths: &[PathBuf], dir: &Path) -> Bg {
    let mut copied = 0;
    for p in paths {
        let name = file_name(p);
        let mut target = dir.join(&name);
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
        if let Err(e) = std::fs::copy(p, &target) {
            return Bg::Error(format!(
                "Exported {copied} of {}; cannot copy {}: {e}",
                paths.len(),
                p.display()
            ));
        }
        copied += 1;
    }
    Bg::Info(format!("Exported {copied} photos to {}", dir.display()))
}

/// Open a file or folder with the desktop's default application.
pub fn open_path(path: &Path) -> Bg {
    match open::that_detached(path) {
        Ok(()) => Bg::Info(format!("Opened {}", file_name(path))),
        Err(e) => Bg::Error(format!("cannot open {}: {e}", path.display())),
    }
}

/// The file name of a path as text (the whole path when it has none).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}
