//! The GUI's own one-shot background work: native dialogs, the clipboard, opening files, the preview.
//!
//! Everything tied to the library or a model is the [`crate::workspace::Workspace`]'s; what is left here
//! needs the desktop (rfd, arboard, open) or produces egui images. Each task runs on a named thread through
//! [`crate::jobs::Tasks`] and ends by sending one [`Bg`]; the app drains them in `App::logic`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::index::PhotoMeta;
use crate::jobs::Waker;

pub use crate::workspace::library::file_name;

/// A finished GUI task.
pub enum Bg {
    /// Folders or photos picked in a dialog, to check and index.
    PathsPicked(Vec<PathBuf>),
    /// A folder picked to export the selection into.
    ExportTo {
        paths: Vec<PathBuf>,
        dir: PathBuf,
    },
    Preview {
        id: i64,
        meta: Option<PhotoMeta>,
        image: std::result::Result<egui::ColorImage, Arc<Error>>,
    },
    DataDirPicked(PathBuf),
    /// A passage file's text, or why it could not be read.
    PassageLoaded(std::result::Result<String, String>),
    /// Candidates for each part of a passage.
    Illustrated(std::result::Result<Vec<crate::workspace::illustrate::Illustrated>, Arc<Error>>),
    /// The catalogue pack to suggest, if any.
    PackHint(Option<crate::workspace::suggest::PackHint>),
    /// A folder picked to export the shortlist into.
    ExportDirPicked(PathBuf),
    /// Something finished that the user should hear about (copied, opened, ...).
    Info(String),
    /// Something failed.
    Failed(Arc<Error>),
}

/// The GUI's task runner.
pub type Tasks = crate::jobs::Tasks<Bg>;

/// A task runner that wakes the UI after each result.
pub fn tasks(waker: Waker) -> Tasks {
    Tasks::new(waker)
}

/// Decode a photo for the preview, no larger than `max_side` on its longer side.
pub fn load_preview(path: &Path, max_side: u32) -> Result<egui::ColorImage> {
    let bytes = crate::library::decode::read_photo(path)?;
    let decoded = crate::library::decode::decode(path, &bytes, max_side / 2)?;
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

/// Put a photo on the clipboard as an image; on Linux the thread keeps serving it until replaced.
pub fn copy_image(path: &Path) -> Bg {
    let result = (|| -> Result<()> {
        let bytes = crate::library::decode::read_photo(path)?;
        let decoded = crate::library::decode::decode(path, &bytes, u32::MAX)?;
        let rgba = image::DynamicImage::ImageRgb8(decoded.image).to_rgba8();
        let data = arboard::ImageData {
            width: rgba.width() as usize,
            height: rgba.height() as usize,
            bytes: std::borrow::Cow::Owned(rgba.into_raw()),
        };
        let mut clip = arboard::Clipboard::new().map_err(|e| Error::Desktop {
            action: "no clipboard",
            message: e.to_string(),
        })?;
        clip.set_image(data).map_err(|e| Error::Desktop {
            action: "cannot copy the image",
            message: e.to_string(),
        })
    })();
    match result {
        Ok(()) => Bg::Info(format!("Copied {}", file_name(path))),
        Err(e) => Bg::Failed(Arc::new(e)),
    }
}

/// Open a file or folder with the desktop's default application.
pub fn open_path(path: &Path) -> Bg {
    match open::that_detached(path) {
        Ok(()) => Bg::Info(format!("Opened {}", file_name(path))),
        Err(e) => Bg::Failed(Arc::new(Error::io("cannot open", path, e))),
    }
}
