//! Vignette: pick illustrations from your own photos by describing them.
//!
//! Architecture (functional core, imperative shell): everything here but `gui` and `cli` is the UI-free
//! core and builds with `--no-default-features`.
//!
//! - [`library`]: finds photos, diffs them against the index, decodes (pure, no model, no database).
//! - [`model`]: model packs (manifest-driven), the one ONNX Runtime loader, preprocessing, encoders.
//! - [`index`]: one SQLite database per pack fingerprint; crash-safe batched writes; thumbnails.
//! - [`search`]: query syntax, exact top-k ranking, a latest-query-wins worker thread.
//! - [`train`]: caption sets, the two-branch head, retrieval metrics.
//! - [`jobs`]: background jobs with structured progress, cancellation and single-flight slots.
//! - [`engine`]: binds a pack to its index and hands out encoders and connections.
//! - `gui` (feature `gui`): the eframe desktop front end, a client of the above like the CLI.
//!
//! Front ends talk to the core through data (events, requests, responses) and a waker callback, never
//! through UI types. Errors are [`Error`] (thiserror) in the core; front ends add context with anyhow.

pub mod config;
pub mod engine;
pub mod error;
#[cfg(feature = "gui")]
pub mod gui;
pub mod index;
pub mod jobs;
pub mod library;
pub mod model;
pub mod search;
pub mod train;

pub use error::{Error, Result};
