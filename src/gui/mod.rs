//! The desktop front end (eframe/egui), behind the default `gui` feature: a view of the
//! [`crate::workspace::Workspace`].
//!
//! Shape: [`app::VignetteApp`] owns the workspace (engine, search worker, indexing, training, model
//! installs, library) plus what only drawing needs (thumbnail textures, the query being typed, the
//! selection, window state) and a persisted [`state::Settings`]. Each frame `App::logic` drains
//! `Workspace::poll` and the GUI's own tasks (dialogs, clipboard, preview), and `App::ui` draws the panels;
//! panels never mutate the app directly, they return a `#[must_use]` [`Command`] (in [`command`], the one
//! module panels share with the app) that the app applies at the end of the frame. The UI thread never
//! blocks: SQLite, decoding, the model and the file system are touched only by worker threads that report
//! back through channels and wake the UI with `ctx.request_repaint`.

pub mod app;
mod apply;
mod apply_picks;
pub mod command;
mod events;
mod filter_bar;
mod first_run;
mod folders;
pub mod grid;
mod help;
mod keys;
mod models_page;
mod passage;
mod preview;
mod preview_notes;
mod search_bar;
mod settings;
mod skipped;
pub mod state;
pub mod status;
mod tasks;
mod theme;
mod thumbs;
mod tile;
mod train_form;
mod train_job;
mod train_panel;
mod tray;

pub use app::VignetteApp;
pub use command::Command;

use crate::config::Config;

/// Open the main window and run until it is closed.
pub fn run(config: Config) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Vignette")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([640.0, 420.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Vignette",
        options,
        Box::new(move |cc| Ok(Box::new(VignetteApp::new(cc, config)))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
