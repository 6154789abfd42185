//! The one integration-test binary (one link step instead of one per file).
//!
//! Layers: `models` installs packs from a local HTTP server; `index`/`cli` use the tiny committed colour packs (fast, deterministic); `gui` drives the real
//! app through egui_kittest; `real_models` runs the real seed encoders on the shared flickr8k-1k photos
//! (fails under CI when the shared folder is missing, skips with a message elsewhere).

mod cli;
mod gui;
mod gui_models;
mod index;
mod models;
mod models_clip;
mod real_models;
mod support;
