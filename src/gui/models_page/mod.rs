//! The Models window: the catalogue (title, size, licence, state), install with progress and cancel,
//! remove with a confirmation, import a pack folder, the installed packs, and "Use this pack".
//!
//! Why it looks like this:
//! - Everything that touches the network or the disk runs in the workspace's [`Models`]; this file only
//!   draws the last [`Snapshot`] and turns clicks into [`Action`]s, applied after drawing (the rows borrow
//!   the snapshot, the actions change the page). Only the folder dialog of Import runs here.
//! - One operation at a time (install, remove or import), and no operation while the list is being
//!   re-read: each operation ends with a fresh snapshot, so an older read can never overwrite a newer one.
//! - "Use this pack" sets `Settings::pack` and returns [`Command::ReopenEngine`], exactly what the Settings
//!   window does, so each pack keeps its own index and the old one stays on disk.
//! - The pack in use cannot be removed from here (its engine holds the files); switch first.
//! - The catalogue is the built-in one unless `VignetteApp::use_model_catalogue` names a file. The
//!   desktop app reads `VIGNETTE_CATALOGUE` once at start (the same variable `vignette models --catalogue`
//!   reads); tests point it at a catalogue served by a local HTTP server.

use std::path::PathBuf;

use egui::Ui;

use crate::config::Config;
use crate::error::Result;
use crate::jobs::{Tasks, Waker};
use crate::workspace::models::{Models, ModelsEvent, Notice, Snapshot};

use super::command::Command;
use super::state::Settings;

mod rows;

/// The operation in flight.
enum Busy {
    Install {
        name: String,
        /// Bytes done and in all, as last reported.
        progress: (u64, u64),
    },
    Remove,
    Import,
}

/// What a click asks for, applied once the window is drawn.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Refresh,
    Import,
    Install(String),
    CancelInstall,
    AskRemove(String),
    Remove(String),
    KeepPack,
    Use(String),
    Dismiss,
}

/// Runtime state of the Models window (nothing here is persisted).
pub struct ModelsPage {
    /// The Import folder dialog (a cancelled dialog answers `None`).
    dialog: Tasks<Option<PathBuf>>,
    snapshot: Option<Snapshot>,
    loading: bool,
    busy: Option<Busy>,
    /// The pack whose Remove asks for confirmation.
    confirm_remove: Option<String>,
    notice: Option<Notice>,
    /// The frame the window was last drawn in: a gap means it was closed, so it re-reads on opening.
    drawn_frame: Option<u64>,
}

impl ModelsPage {
    /// Forget the snapshot (the catalogue changed), so the window reads again.
    pub fn forget(&mut self) {
        self.snapshot = None;
    }

    pub fn new(waker: Waker) -> ModelsPage {
        ModelsPage {
            dialog: Tasks::new(waker),
            snapshot: None,
            loading: false,
            busy: None,
            confirm_remove: None,
            notice: None,
            drawn_frame: None,
        }
    }

    /// Fold in what the workspace's model operations reported (every frame, window open or not).
    pub fn on_event(&mut self, e: ModelsEvent) {
        match e {
            ModelsEvent::Snapshot(s) => {
                self.loading = false;
                self.snapshot = Some(s);
            }
            ModelsEvent::Progress { name, done, total } => {
                if let Some(Busy::Install { name: n, progress }) = &mut self.busy
                    && *n == name
                {
                    *progress = (done, total);
                }
            }
            ModelsEvent::Done { notice, snapshot } => {
                self.busy = None;
                self.notice = Some(notice);
                self.snapshot = Some(snapshot);
            }
        }
    }

    /// Take the Import dialog's answer and start the import (every frame).
    pub fn logic(&mut self, config: &Config, models: &Models) {
        for picked in self.dialog.drain() {
            let started = match picked {
                Some(src) => models.import(config.packs_dir(), src),
                None => {
                    self.busy = None;
                    Ok(())
                }
            };
            self.check(started);
        }
    }

    fn check(&mut self, started: Result<()>) {
        if let Err(e) = started {
            (self.busy, self.loading) = (None, false);
            self.notice = Some(Notice {
                text: e.to_string(),
                error: true,
            });
        }
    }

    fn idle(&self) -> bool {
        self.busy.is_none() && !self.loading
    }

    /// Draw the window while `settings.show_models`; "Use this pack" returns [`Command::ReopenEngine`].
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        config: &Config,
        settings: &mut Settings,
        models: &mut Models,
    ) -> Command {
        let packs_dir = config.packs_dir();
        let frame = ctx.cumulative_frame_nr();
        let reopened = self.drawn_frame.is_none_or(|f| f + 1 < frame);
        let stale = self.snapshot.as_ref().is_none_or(|s| s.packs_dir != packs_dir);
        self.drawn_frame = Some(frame);
        if (reopened || stale) && self.idle() {
            self.refresh(config, models);
        }
        let mut actions = Vec::new();
        let mut open = settings.show_models;
        egui::Window::new("Models")
            .open(&mut open)
            .default_size([560.0, 520.0])
            .show(ctx, |ui| self.contents(ui, config, &mut actions));
        settings.show_models = open;
        let mut cmd = Command::None;
        for a in actions {
            if let c @ Command::ReopenEngine = self.act(a, config, settings, models) {
                cmd = c;
            }
        }
        cmd
    }

    /// Re-read the catalogue and the packs folder in the background.
    fn refresh(&mut self, config: &Config, models: &Models) {
        self.loading = true;
        let started = models.refresh(config.packs_dir());
        self.check(started);
    }

    /// Install the catalogue pack `name` as its Install button would (the first-run suggestion).
    pub fn start_install(
        &mut self,
        name: String,
        config: &Config,
        settings: &mut Settings,
        models: &mut Models,
    ) -> Command {
        self.act(Action::Install(name), config, settings, models)
    }

    fn act(&mut self, action: Action, config: &Config, settings: &mut Settings, models: &mut Models) -> Command {
        let dir = config.packs_dir();
        let started = match action {
            Action::Refresh => {
                self.refresh(config, models);
                Ok(())
            }
            Action::Import => {
                self.busy = Some(Busy::Import);
                // The dialog runs on a thread, so the window keeps painting.
                self.dialog.spawn("models-import-dialog", || {
                    rfd::FileDialog::new()
                        .set_title("Import a model pack folder (with pack.toml)")
                        .pick_folder()
                })
            }
            Action::Install(name) => {
                self.busy = Some(Busy::Install {
                    name: name.clone(),
                    progress: (0, 0),
                });
                models.install(dir, name)
            }
            Action::CancelInstall => {
                models.cancel_install();
                Ok(())
            }
            Action::AskRemove(name) => {
                self.confirm_remove = Some(name);
                Ok(())
            }
            Action::KeepPack => {
                self.confirm_remove = None;
                Ok(())
            }
            Action::Remove(name) => {
                self.confirm_remove = None;
                self.busy = Some(Busy::Remove);
                models.remove(dir, name)
            }
            Action::Use(name) => {
                settings.pack = Some(name);
                return Command::ReopenEngine;
            }
            Action::Dismiss => {
                self.notice = None;
                Ok(())
            }
        };
        self.check(started);
        Command::None
    }

    fn contents(&self, ui: &mut Ui, config: &Config, actions: &mut Vec<Action>) {
        if let Some(n) = &self.notice {
            ui.horizontal_wrapped(|ui| {
                if n.error {
                    ui.colored_label(crate::gui::theme::error(ui.visuals()), &n.text);
                } else {
                    ui.label(&n.text);
                }
                if ui.small_button("Dismiss").clicked() {
                    actions.push(Action::Dismiss);
                }
            });
            ui.separator();
        }
        ui.horizontal(|ui| {
            let import = ui.add_enabled(self.idle(), egui::Button::new("Import pack folder…"));
            if import
                .on_hover_text("Copy a folder with pack.toml and its model files into the packs folder")
                .clicked()
            {
                actions.push(Action::Import);
            }
            if ui.add_enabled(self.idle(), egui::Button::new("Refresh")).clicked() {
                actions.push(Action::Refresh);
            }
            if self.loading {
                ui.weak("Reading the packs folder…");
            } else if matches!(self.busy, Some(Busy::Import)) {
                ui.weak("Importing…");
            } else if matches!(self.busy, Some(Busy::Remove)) {
                ui.weak("Removing…");
            }
        });
        ui.weak(format!("Packs folder: {}", config.packs_dir().display()));
        let Some(snap) = &self.snapshot else {
            return;
        };
        egui::ScrollArea::vertical()
            .id_salt("models")
            .auto_shrink([false, true])
            .show(ui, |ui| {
                ui.add_space(4.0);
                ui.strong("Catalogue");
                match &snap.entries {
                    Err(e) => {
                        ui.colored_label(
                            crate::gui::theme::error(ui.visuals()),
                            format!("Cannot read the model catalogue: {e}"),
                        );
                    }
                    Ok(entries) if entries.is_empty() => {
                        ui.weak("The catalogue lists no packs");
                    }
                    Ok(entries) => entries.iter().for_each(|e| self.entry_row(ui, e, actions)),
                }
                ui.add_space(8.0);
                ui.strong("Installed packs");
                match &snap.installed {
                    Err(e) => {
                        ui.colored_label(crate::gui::theme::error(ui.visuals()), e.to_string());
                    }
                    Ok(packs) if packs.is_empty() => {
                        ui.weak("None yet: install one above or import a pack folder");
                    }
                    Ok(packs) => packs.iter().for_each(|p| self.pack_row(ui, p, &config.pack, actions)),
                }
            });
    }
}
