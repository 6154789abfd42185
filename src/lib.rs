//! Vignette: pick illustrations from your own photos by describing them.
//!
//! Architecture (functional core, imperative shell): everything here but `gui` is the UI-free core and
//! builds with `--no-default-features`. The module graph points one way, from the front ends down to the
//! leaves (`tests/it/architecture.rs` keeps it so; the README draws it):
//!
//! - [`workspace`]: one object that owns a session (engine, search worker, indexing, training, model
//!   installs, the library snapshot); requests in, events out. The GUI is a view of it; the CLI calls the
//!   same protocol functions (train and test, evaluate, export, save a head).
//! - [`jobs`]: the one way work runs off the caller's thread: typed events, rate-limited waking,
//!   single-flight slots; [`cancel`] is the leaf they (and the model manager) share.
//! - [`search`], [`train`]: query syntax and ranking with a latest-query-wins worker; caption sets, the
//!   two-branch head, retrieval metrics.
//! - [`engine`]: binds a pack to its index and hands out encoders and connections.
//! - [`index`]: one SQLite database per pack fingerprint; crash-safe batched writes; thumbnails.
//! - [`library`]: finds photos, diffs them against the index, decodes (pure, no model, no database).
//! - [`model`]: model packs (manifest-driven), the one ONNX Runtime loader, preprocessing, encoders.
//! - [`config`], [`error`], [`bytes`]: settings, the error type, the f32 codec and size formatter.
//! - `gui` (feature `gui`): the eframe desktop front end, a view of the workspace.
//!
//! Front ends talk to the core through data (requests, events) and a waker callback, never through UI
//! types. Errors are [`Error`] (thiserror, `Send + Sync`) in the core, also across threads; front ends add
//! context with anyhow.

pub mod bytes;
pub mod cancel;
pub mod config;
pub mod engine;
pub mod error;
pub mod files;
#[cfg(feature = "gui")]
pub mod gui;
pub mod index;
pub mod jobs;
pub mod library;
pub mod model;
pub mod search;
pub mod train;
pub mod workspace;

pub use error::{Error, Result};
