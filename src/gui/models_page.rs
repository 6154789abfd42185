//! The Models window: the catalogue (title, size, licence, state), install with progress and cancel,
//! remove with a confirmation, import a pack folder, the installed packs, and "Use this pack".
//!
//! Why it looks like this:
//! - Everything that touches the network or the disk runs in [`super::models_tasks`]; this file only draws
//!   the last [`Snapshot`] and turns clicks into [`Action`]s, applied after drawing (the rows borrow the
//!   snapshot, the actions change the page).
//! - One operation at a time (install, remove or import), and no operation while the list is being
//!   re-read: each operation ends with a fresh snapshot, so an older read can never overwrite a newer one.
//! - "Use this pack" sets `Settings::pack` and returns [`Command::ReopenEngine`], exactly what the Settings
//!   window does, so each pack keeps its own index and the old one stays on disk.
//! - The pack in use cannot be removed from here (its engine holds the files); switch first.
//! - The catalogue is the built-in one unless [`VignetteApp::use_model_catalogue`] names a file. The
//!   desktop app reads `VIGNETTE_CATALOGUE` once at start (the same variable `vignette models --catalogue`
//!   reads); tests point it at a catalogue served by a local HTTP server.

use std::path::PathBuf;
use std::sync::Arc;

use egui::Ui;

use crate::config::Config;
use crate::jobs::{CancelToken, Waker};
use crate::model::manager::EntryState;

use super::app::{Command, VignetteApp};
use super::models_tasks::{EntryRow, Msg, Notice, PackRow, Progress, Snapshot, Worker, size};
use super::state::Settings;

/// The operation in flight.
enum Busy {
    Install {
        name: String,
        progress: Arc<Progress>,
        cancel: CancelToken,
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
    worker: Worker,
    /// Catalogue file to read instead of the built-in one.
    catalogue: Option<PathBuf>,
    snapshot: Option<Snapshot>,
    loading: bool,
    busy: Option<Busy>,
    /// The pack whose Remove asks for confirmation.
    confirm_remove: Option<String>,
    notice: Option<Notice>,
    /// The frame the window was last drawn in: a gap means it was closed, so it re-reads on opening.
    drawn_frame: Option<u64>,
}

impl VignetteApp {
    /// Read the model catalogue from `path` instead of the built-in one (`None`: built in again).
    pub fn use_model_catalogue(&mut self, path: Option<PathBuf>) {
        self.models.catalogue = path;
        self.models.snapshot = None;
    }
}

impl ModelsPage {
    pub fn new(waker: Waker) -> ModelsPage {
        ModelsPage {
            worker: Worker::new(waker),
            catalogue: None,
            snapshot: None,
            loading: false,
            busy: None,
            confirm_remove: None,
            notice: None,
            drawn_frame: None,
        }
    }

    /// Fold in what the workers sent (every frame, window open or not). Returns the installed pack names
    /// after an operation changed them, for the Settings pack list.
    pub fn logic(&mut self) -> Option<Vec<String>> {
        let mut names = None;
        for m in self.worker.rx.try_iter() {
            match m {
                Msg::Snapshot(s) => {
                    self.loading = false;
                    self.snapshot = Some(s);
                }
                Msg::Done { notice, snapshot } => {
                    self.busy = None;
                    if notice.is_some() {
                        self.notice = notice;
                    }
                    names = Some(snapshot.installed_names());
                    self.snapshot = Some(snapshot);
                }
            }
        }
        names
    }

    fn idle(&self) -> bool {
        self.busy.is_none() && !self.loading
    }

    /// Draw the window while `settings.show_models`; "Use this pack" returns [`Command::ReopenEngine`].
    pub fn window(&mut self, ctx: &egui::Context, config: &Config, settings: &mut Settings) -> Command {
        let packs_dir = config.packs_dir();
        let frame = ctx.cumulative_frame_nr();
        let reopened = self.drawn_frame.is_none_or(|f| f + 1 < frame);
        let stale = self.snapshot.as_ref().is_none_or(|s| s.packs_dir != packs_dir);
        self.drawn_frame = Some(frame);
        if (reopened || stale) && self.idle() {
            self.refresh(config);
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
            if let c @ Command::ReopenEngine = self.act(a, config, settings) {
                cmd = c;
            }
        }
        cmd
    }

    /// Re-read the catalogue and the packs folder in the background.
    fn refresh(&mut self, config: &Config) {
        self.loading = true;
        if let Err(text) = self.worker.refresh(config.packs_dir(), self.catalogue.clone()) {
            self.loading = false;
            self.notice = Some(Notice { text, error: true });
        }
    }

    fn act(&mut self, action: Action, config: &Config, settings: &mut Settings) -> Command {
        let (dir, source) = (config.packs_dir(), self.catalogue.clone());
        let started = match action {
            Action::Refresh => {
                self.refresh(config);
                Ok(())
            }
            Action::Import => {
                self.busy = Some(Busy::Import);
                self.worker.import(dir, source)
            }
            Action::Install(name) => {
                let (progress, cancel) = (Arc::new(Progress::default()), CancelToken::new());
                let started = self
                    .worker
                    .install(dir, source, name.clone(), Arc::clone(&progress), cancel.clone());
                self.busy = Some(Busy::Install { name, progress, cancel });
                started
            }
            Action::CancelInstall => {
                if let Some(Busy::Install { cancel, .. }) = &self.busy {
                    cancel.cancel();
                }
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
                self.worker.remove(dir, source, name)
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
        if let Err(text) = started {
            (self.busy, self.loading) = (None, false);
            self.notice = Some(Notice { text, error: true });
        }
        Command::None
    }

    fn contents(&self, ui: &mut Ui, config: &Config, actions: &mut Vec<Action>) {
        if let Some(n) = &self.notice {
            ui.horizontal_wrapped(|ui| {
                if n.error {
                    ui.colored_label(super::theme::error(ui.visuals()), &n.text);
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
                            super::theme::error(ui.visuals()),
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
                        ui.colored_label(super::theme::error(ui.visuals()), e);
                    }
                    Ok(packs) if packs.is_empty() => {
                        ui.weak("None yet: install one above or import a pack folder");
                    }
                    Ok(packs) => packs.iter().for_each(|p| self.pack_row(ui, p, &config.pack, actions)),
                }
            });
    }

    fn entry_row(&self, ui: &mut Ui, e: &EntryRow, actions: &mut Vec<Action>) {
        ui.group(|ui| {
            ui.set_width(ui.available_width());
            ui.label(egui::RichText::new(&e.title).strong());
            ui.horizontal_wrapped(|ui| {
                ui.weak(format!("{} · {} · licence {}", e.name, size(e.bytes), e.licence));
                if e.non_commercial {
                    ui.colored_label(ui.visuals().warn_fg_color, "Non-commercial use only");
                }
            });
            if let Some(Busy::Install { name, progress, .. }) = &self.busy
                && *name == e.name
            {
                let (done, total) = progress.get();
                let frac = if total == 0 { 0.0 } else { done as f32 / total as f32 };
                let text = format!("{} of {} ({:.0}%)", size(done), size(total), frac * 100.0);
                ui.horizontal(|ui| {
                    ui.add(egui::ProgressBar::new(frac).desired_width(240.0).text(text));
                    if ui
                        .button("Cancel")
                        .on_hover_text("Keeps the bytes: Install resumes")
                        .clicked()
                    {
                        actions.push(Action::CancelInstall);
                    }
                });
                return;
            }
            let idle = self.idle();
            match e.state {
                EntryState::Installed => {
                    ui.label("Installed");
                }
                EntryState::Available => {
                    ui.horizontal(|ui| {
                        ui.label("Available");
                        if ui.add_enabled(idle, egui::Button::new("Install")).clicked() {
                            actions.push(Action::Install(e.name.clone()));
                        }
                    });
                }
                EntryState::Partial(n) => {
                    ui.horizontal(|ui| {
                        ui.label(format!("Partial download: {} of {}", size(n), size(e.bytes)));
                        if ui.add_enabled(idle, egui::Button::new("Resume download")).clicked() {
                            actions.push(Action::Install(e.name.clone()));
                        }
                        if ui.add_enabled(idle, egui::Button::new("Discard")).clicked() {
                            actions.push(Action::Remove(e.name.clone()));
                        }
                    });
                }
                EntryState::Unverified => {
                    let why = e.refused.as_deref().unwrap_or("its files are not pinned");
                    ui.colored_label(ui.visuals().warn_fg_color, format!("Not installable: {why}"));
                }
            }
        });
    }

    fn pack_row(&self, ui: &mut Ui, p: &PackRow, active: &str, actions: &mut Vec<Action>) {
        ui.group(|ui| {
            ui.set_width(ui.available_width());
            ui.label(egui::RichText::new(&p.name).strong())
                .on_hover_text(p.dir.display().to_string());
            match &p.summary {
                Ok(s) => {
                    ui.weak(s);
                }
                Err(e) => {
                    ui.colored_label(super::theme::error(ui.visuals()), format!("Broken: {e}"));
                }
            }
            let in_use = p.name == active;
            if self.confirm_remove.as_deref() == Some(p.name.as_str()) {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!("Remove {} and delete its files?", p.name));
                    if ui.add_enabled(self.idle(), egui::Button::new("Yes, remove")).clicked() {
                        actions.push(Action::Remove(p.name.clone()));
                    }
                    if ui.button("Keep").clicked() {
                        actions.push(Action::KeepPack);
                    }
                });
                return;
            }
            ui.horizontal(|ui| {
                if in_use {
                    ui.label("In use");
                } else {
                    let usable = p.summary.is_ok();
                    let b = ui.add_enabled(usable, egui::Button::new("Use this pack"));
                    let b = b.on_disabled_hover_text("This pack does not load");
                    if b.on_hover_text("Search with this pack (it keeps its own index)")
                        .clicked()
                    {
                        actions.push(Action::Use(p.name.clone()));
                    }
                }
                let remove = ui.add_enabled(self.idle() && !in_use, egui::Button::new("Remove…"));
                let remove = remove.on_disabled_hover_text(if in_use {
                    "In use: switch to another pack first"
                } else {
                    "Wait for the current operation to finish"
                });
                if remove.clicked() {
                    actions.push(Action::AskRemove(p.name.clone()));
                }
            });
        });
    }
}
