//! The one integration-test binary (one link step instead of one per file).
//!
//! Layers: `default_pack` runs the pack compiled into the binary with no overrides; `index`, `cli`, `models` and `models_clip` use the tiny committed packs and a local HTTP server on
//! 127.0.0.1 (fast, deterministic); `gui` and `gui_models` drive the real app through egui_kittest;
//! `real_models` runs the real seed encoders on the shared flickr8k-1k photos (fails under CI when the
//! shared folder is missing, skips with a message elsewhere).

mod cli;
mod default_pack;
mod gui;
mod gui_models;
mod index;
mod models;
mod models_clip;
mod quality;
mod real_models;
mod support;
