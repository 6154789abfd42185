//! The core's error type.
//!
//! One structured enum for everything below the front ends. Messages name what went wrong first and the
//! path last, so a user reading `vignette: cannot read manifest: expected '=' at line 3: /x/pack.toml` sees
//! both the cause and where to look. Front ends wrap these in `anyhow` with their own context; the core
//! never prints.

use std::path::PathBuf;

/// Everything the core can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{action}: {source}: {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// ONNX Runtime could not be found or loaded.
    #[error("ONNX Runtime is not available: {0}")]
    Runtime(String),
    /// ONNX Runtime failed while building a session or running a model.
    #[error("ONNX Runtime error in {what}: {message}")]
    Onnx { what: String, message: String },
    /// A model pack's manifest or files are wrong.
    #[error("model pack is broken: {message}: {}", path.display())]
    Pack { path: PathBuf, message: String },
    /// A photo could not be decoded.
    #[error("cannot decode image: {message}: {}", path.display())]
    Decode { path: PathBuf, message: String },
    /// The tokenizer failed.
    #[error("tokenizer error: {0}")]
    Tokenizer(String),
    /// The on-disk index is unusable.
    #[error("index error: {message}: {}", path.display())]
    Index { path: PathBuf, message: String },
    /// The picks-and-captions store (`notes.sqlite` in the data folder) cannot be read or written; nothing
    /// in it was changed or removed.
    #[error("cannot use the picks and captions store: {message}: {}", path.display())]
    Notes { path: PathBuf, message: String },
    /// A search query could not be understood.
    #[error("bad query: {0}")]
    Query(String),
    /// A passage to illustrate has nothing to rank by.
    #[error("cannot illustrate the passage: {0}")]
    Passage(String),
    /// A caption file or split file is malformed.
    #[error("{message} (line {line}): {}", path.display())]
    Captions {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// Training failed.
    #[error("training failed: {0}")]
    Train(String),
    /// A model download failed (HTTP status, truncated body, size or checksum mismatch). `file` is the
    /// pack-relative file name; the URL comes last so the message reads cause first.
    #[error("cannot download {file}: {message}: {url}")]
    Download { file: String, url: String, message: String },
    /// A worker thread could not be started (out of threads or memory).
    #[error("cannot start the {name} thread: {source}")]
    Thread {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// A lock was poisoned by a thread that panicked while holding it.
    #[error("internal state is unusable after a crash in another thread: {0}")]
    Poisoned(&'static str),
    /// The desktop (clipboard, file manager) refused a request; `message` is its own description.
    #[error("{action}: {message}")]
    Desktop { action: &'static str, message: String },
    /// A path the index or a manifest must store as text is not valid UTF-8.
    #[error("path is not valid UTF-8: {}", .0.display())]
    NotUtf8(PathBuf),
    /// Exporting photos stopped at a file that could not be copied; the ones before it were copied.
    #[error("exported {copied} of {total}; cannot copy {}: {source}", path.display())]
    Export {
        copied: usize,
        total: usize,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A setting (command line, environment) cannot be used as given.
    #[error("{0}")]
    Setting(String),
    /// The model manager has no such pack (`place`: the catalogue with its names, or the packs folder).
    #[error("no pack {name:?} in {place}")]
    NoSuchPack { name: String, place: String },
    /// A pack of that name is installed already.
    #[error("pack {name:?} is already installed (remove it first): {}", path.display())]
    AlreadyInstalled { name: String, path: PathBuf },
    /// The model manager refuses a request (an unpinned file, a bad pack name); nothing was changed.
    #[error("refusing to {action} {name:?}: {why}")]
    Refused {
        action: &'static str,
        name: String,
        why: String,
    },
    /// A manifest could not be written as TOML.
    #[error("cannot write the manifest: {source}: {}", path.display())]
    Toml {
        path: PathBuf,
        #[source]
        source: toml::ser::Error,
    },
    /// Resizing an image failed.
    #[error("cannot resize the image: {0}")]
    Resize(String),
    /// The index changed under a reader that needs a consistent view; trying again is enough.
    #[error("the index changed while loading; search again")]
    IndexChanged,
    /// A broken invariant: a bug in Vignette, not in the user's input.
    #[error("internal error (please report it): {0}")]
    Internal(&'static str),
    /// Another process is writing (indexing, installing); the message names it.
    #[error("busy: {0}")]
    Busy(String),
    /// The job was cancelled by the user.
    #[error("cancelled")]
    Cancelled,
    /// Anything else, with a message that stands on its own.
    #[error("{0}")]
    Other(String),
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error with the action that failed and the path it failed on.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A model-pack error at `path`.
    pub fn pack(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Pack {
            path: path.into(),
            message: message.into(),
        }
    }

    /// An ONNX Runtime error while doing `what`.
    pub fn onnx(what: impl Into<String>, err: impl std::fmt::Display) -> Self {
        Error::Onnx {
            what: what.into(),
            message: err.to_string(),
        }
    }

    /// An index error at `path`.
    pub fn index(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Self {
        Error::Index {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

/// Extension for attaching a path and action to `std::io::Result`.
pub trait IoContext<T> {
    /// Turn an I/O error into [`Error::Io`] naming `action` and `path`.
    fn at(self, action: &'static str, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, action: &'static str, path: &std::path::Path) -> Result<T> {
        self.map_err(|e| Error::io(action, path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Errors cross thread boundaries (job events, task results) as values, not strings.
    #[test]
    fn error_is_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }

    #[test]
    fn thread_errors_keep_their_source() {
        let e = Error::Thread {
            name: "index".into(),
            source: std::io::Error::other("no more threads"),
        };
        assert_eq!(e.to_string(), "cannot start the index thread: no more threads");
        assert!(std::error::Error::source(&e).is_some());
    }
}
