//! The one integration-test binary (one link step instead of one per file).
//!
//! Layers: `default_pack` runs the pack compiled into the binary with no overrides; `index`, `cli`, `models` and `models_clip` use the tiny committed packs and a local HTTP server on
//! 127.0.0.1 (fast, deterministic); `gui` and `gui_models` drive the real app through egui_kittest;
//! `real_models` runs the real seed encoders on the shared flickr8k-1k photos (fails under CI when the
//! shared folder is missing, skips with a message elsewhere). `reliability`, `concurrency`, `crash`, `disk`,
//! `corpus` and `props` hold issue 9's checks (offline folders, odd names, locks, kills, full disks, bad
//! input, property tests of the parsers), with helpers in `rel_support`.

mod architecture;
mod cli;
mod cli_filters;
mod cli_illustrate;
mod cli_notes;
mod concurrency;
mod corpus;
mod crash;
mod decode_limits;
mod dedup_threshold;
mod default_pack;
mod disk;
mod flickr_bench;
mod formats;
mod gui;
mod gui_filters;
mod gui_models;
mod gui_picks;
mod illustrate_bench;
mod index;
mod models;
mod models_clip;
mod props;
mod quality;
mod quality_bench;
mod real_models;
mod rel_support;
mod reliability;
mod support;
mod workspace;
mod workspace_notes;
