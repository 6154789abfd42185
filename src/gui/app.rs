//! The application: the workspace it is a view of, the GUI's own handles, the per-frame drain, the frame.
//!
//! Invariants: `logic` and `ui` never block (no SQLite, decode, model or file system here: the
//! [`Workspace`] and [`super::tasks`] run that on worker threads). Panels get read-only views plus the few
//! fields they edit, and return a [`Command`] (see [`super::command`]); commands are applied after the
//! panels have drawn, so a frame never sees half an update. The GUI keeps only what is about drawing:
//! the query being typed and its answer, the grid's items and selection, the thumbnail textures, the
//! windows' state; everything a session runs (engine, search worker, indexing, training, library) is the
//! workspace's, the same object the tests drive without egui.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::jobs::Waker;
use crate::workspace::Workspace;

use super::command::{Command, Message, SearchView};
use super::grid::{Item, Selection};
use super::state::Settings;
use super::status::JobView;
use super::tasks::{self, Bg, Tasks};
use super::thumbs::Thumbs;
use super::{
    filter_bar, first_run, folders, grid, help, keys, models_page, passage, preview, preview_notes, search_bar,
    settings, skipped, status, theme, train_panel, tray,
};

/// Most results a query returns (ranked); the minimum-score slider cuts further.
pub const MAX_RESULTS: usize = 5_000;

/// The Vignette window.
pub struct VignetteApp {
    pub(super) ctx: egui::Context,
    pub(super) base: Config,
    pub settings: Settings,
    pub(super) waker: Waker,
    /// Everything the session runs; the app draws it.
    pub workspace: Workspace,
    pub(super) tasks: Tasks,
    pub(super) thumbs: Option<Thumbs>,
    pub job_view: JobView,
    pub search: SearchView,
    pub(super) items: Vec<Item>,
    pub selection: Selection,
    pub(super) preview: preview::Preview,
    pub(super) messages: Vec<Message>,
    pub(super) train: train_panel::TrainPanel,
    pub(super) models: models_page::ModelsPage,
    pub(super) commands: Vec<Command>,
    /// Filters beside the prompt; they travel with every query.
    pub filter_bar: filter_bar::FilterBar,
    /// The Passage window (illustrate a passage).
    pub passage: passage::PassageWindow,
    pub(super) tray: tray::Tray,
    pub(super) notes_panel: preview_notes::NotesPanel,
    pub(super) first_run: first_run::FirstRun,
    /// The catalogue file in use (`None`: the built-in one), for the first-run suggestion.
    pub(super) catalogue: Option<PathBuf>,
    /// The keyboard help overlay is open.
    pub show_help: bool,
}

impl VignetteApp {
    /// Build the app from eframe's creation context (restores persisted settings).
    pub fn new(cc: &eframe::CreationContext<'_>, config: Config) -> VignetteApp {
        let mut app = Self::with_settings(&cc.egui_ctx, config, Settings::load(cc.storage));
        app.use_model_catalogue(std::env::var_os("VIGNETTE_CATALOGUE").map(PathBuf::from));
        app
    }

    /// Build the app with explicit settings (tests, benchmarks).
    pub fn with_settings(ctx: &egui::Context, config: Config, settings: Settings) -> VignetteApp {
        theme::apply(ctx);
        let repaint = ctx.clone();
        let waker: Waker = Arc::new(move || repaint.request_repaint());
        let mut effective = config.clone();
        settings.apply_to(&mut effective);
        VignetteApp {
            ctx: ctx.clone(),
            base: config,
            settings,
            workspace: Workspace::new(effective, Arc::clone(&waker)),
            tasks: tasks::tasks(Arc::clone(&waker)),
            train: train_panel::TrainPanel::new(Arc::clone(&waker)),
            models: models_page::ModelsPage::new(Arc::clone(&waker)),
            waker,
            thumbs: None,
            job_view: JobView::default(),
            search: SearchView::default(),
            items: Vec::new(),
            selection: Selection::default(),
            preview: preview::Preview::default(),
            messages: Vec::new(),
            commands: Vec::new(),
            filter_bar: filter_bar::FilterBar::default(),
            passage: passage::PassageWindow::new(),
            tray: tray::Tray::default(),
            notes_panel: preview_notes::NotesPanel::default(),
            first_run: first_run::FirstRun::default(),
            catalogue: None,
            show_help: false,
        }
    }

    /// The configuration in effect (command line plus GUI choices).
    pub fn config(&self) -> Config {
        let mut c = self.base.clone();
        self.settings.apply_to(&mut c);
        c
    }

    /// Whether an indexing job is running.
    pub fn indexing(&self) -> bool {
        self.workspace.indexing()
    }

    /// Tiles the grid shows now, best first when a query is active.
    pub fn visible_items(&self) -> &[Item] {
        &self.items[..grid::shown_len(&self.items, self.search.hits.is_some(), self.settings.min_score)]
    }

    /// Read the model catalogue from `path` instead of the built-in one (`None`: built in again).
    pub fn use_model_catalogue(&mut self, path: Option<PathBuf>) {
        self.catalogue.clone_from(&path);
        self.workspace.models().use_catalogue(path);
        self.models.forget();
    }

    /// Messages (errors and notices) waiting in the status bar.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Open the engine again with the configuration in effect; everything tied to the old one goes.
    pub(super) fn open_engine(&mut self) {
        self.thumbs = None;
        self.items.clear();
        self.search.hits = None;
        self.search.unavailable = None;
        let config = self.config();
        self.workspace.open(config);
    }

    /// Spawn a GUI task; a thread that cannot start becomes a message.
    pub(super) fn spawn(&mut self, name: &str, f: impl FnOnce() -> Bg + Send + 'static) {
        if let Err(e) = self.tasks.spawn(name, f) {
            self.notify(e.to_string(), true);
        }
    }

    /// Like [`VignetteApp::spawn`] for tasks that may have nothing to report (a cancelled dialog).
    pub(super) fn spawn_maybe(&mut self, name: &str, f: impl FnOnce() -> Option<Bg> + Send + 'static) {
        if let Err(e) = self.tasks.spawn_maybe(name, f) {
            self.notify(e.to_string(), true);
        }
    }

    pub(super) fn notify(&mut self, text: String, error: bool) {
        if error {
            log::warn!("{text}");
        }
        self.messages.push(Message { text, error });
        if self.messages.len() > 5 {
            self.messages.remove(0);
        }
    }

    /// The central area: the pack suggestion, then the first-run guide or the grid.
    fn central(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        cmds.push(self.first_run.hint_ui(ui, &mut self.settings));
        let library = self.workspace.library();
        if library.folders.is_empty() && !self.workspace.library_loading() && self.workspace.engine().is_some() {
            cmds.push(first_run::guide(ui, &self.config()));
            return;
        }
        let library_empty = self.workspace.library().photos.is_empty() && !self.workspace.library_loading();
        let shown = grid::shown_len(&self.items, self.search.hits.is_some(), self.settings.min_score);
        let view = grid::View {
            items: &self.items[..shown],
            library_empty,
            query_active: self.search.hits.is_some(),
        };
        cmds.push(grid::ui(
            ui,
            &view,
            &mut self.selection,
            self.thumbs.as_mut(),
            &self.settings,
        ));
    }
}

impl eframe::App for VignetteApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if let Some(t) = &mut self.thumbs {
            t.receive(ctx);
        }
        for m in self.tasks.drain() {
            self.on_bg(m);
        }
        for e in self.workspace.poll() {
            self.on_event(e);
        }
        self.train.poll();
        if let Some(engine) = self.workspace.engine()
            && let Err(e) = self
                .first_run
                .want_hint(&self.settings, engine, self.catalogue.clone(), &self.tasks)
        {
            self.notify(e.to_string(), true);
        }
        let config = self.config();
        self.models.logic(&config, self.workspace.models());
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        if self.train.takes_drop(ctx.pointer_latest_pos()) {
            dropped.into_iter().take(1).for_each(|p| self.train.dropped(p));
        } else if !dropped.is_empty() {
            self.commands.push(Command::AddPaths(dropped));
        }
        for c in std::mem::take(&mut self.commands) {
            self.apply(c);
        }
        if self.workspace.indexing() || self.workspace.training() {
            // Keep the ETA ticking between (rate-limited) progress events.
            ctx.request_repaint_after(Duration::from_millis(500));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut cmds = keys::shortcuts(ui.ctx());
        egui::Panel::top("search").show(ui, |ui| {
            cmds.push(search_bar::ui(ui, &mut self.search, &mut self.settings));
            let folders: Vec<PathBuf> = self
                .workspace
                .library()
                .folders
                .iter()
                .map(|f| f.path.clone())
                .collect();
            cmds.push(self.filter_bar.ui(ui, &folders, self.settings.min_score));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            cmds.push(status::ui(
                ui,
                &self.job_view,
                self.indexing(),
                &self.messages,
                &self.search,
            ));
        });
        egui::Panel::bottom("tray").resizable(true).show(ui, |ui| {
            let lists = &self.workspace.notes().lists;
            cmds.push(self.tray.ui(ui, lists, &mut self.settings, self.thumbs.as_mut()));
        });
        egui::Panel::left("folders").default_size(240.0).show(ui, |ui| {
            let library = self.workspace.library();
            let engine_error = self.workspace.engine_error().map(ToString::to_string);
            let view = folders::View {
                folders: &library.folders,
                indexing: self.workspace.indexing(),
                queued: self.workspace.has_queued(),
                engine_error: engine_error.as_deref(),
                skipped: library.skipped.len(),
            };
            cmds.push(folders::ui(ui, &view, &mut self.settings));
        });
        let shown = grid::shown_len(&self.items, self.search.hits.is_some(), self.settings.min_score);
        if self.settings.show_preview {
            let focus = self.selection.focus.and_then(|i| self.items[..shown].get(i));
            if let (Some(item), Some(engine)) = (focus, self.workspace.engine())
                && let Err(e) = self.preview.want(item, engine, &self.tasks)
            {
                self.messages.push(Message {
                    text: e.to_string(),
                    error: true,
                });
            }
            egui::Panel::right("preview").default_size(320.0).show(ui, |ui| {
                let (notes, list, panel) = (
                    self.workspace.notes(),
                    &self.settings.current_list,
                    &mut self.notes_panel,
                );
                let draw_notes = |ui: &mut egui::Ui, item: &Item| panel.ui(ui, item, notes, list);
                cmds.push(self.preview.ui(ui, focus, self.selection.len(), draw_notes));
            });
        }
        egui::CentralPanel::default().show(ui, |ui| self.central(ui, &mut cmds));
        let ctx = ui.ctx().clone();
        if self.settings.show_settings {
            let engine_error = self.workspace.engine_error().map(ToString::to_string);
            let view = settings::View {
                config: self.config(),
                packs: self.workspace.packs(),
                provider_note: self.job_view.provider_note.as_deref(),
                engine: self.workspace.engine().map(AsRef::as_ref),
                engine_error: engine_error.as_deref(),
            };
            cmds.push(settings::window(&ctx, &view, &mut self.settings));
        }
        if self.passage.open {
            cmds.push(self.passage.window(&ctx, self.thumbs.as_mut()));
        }
        if self.train.open {
            cmds.push(self.train.window(&ctx, self.workspace.engine(), self.workspace.notes()));
        }
        if self.settings.show_models {
            let config = self.config();
            cmds.push(
                self.models
                    .window(&ctx, &config, &mut self.settings, self.workspace.models()),
            );
        }
        if self.settings.show_skipped {
            skipped::window(&ctx, &self.workspace.library().skipped, &mut self.settings.show_skipped);
        }
        if self.show_help {
            help::window(&ctx, &mut self.show_help);
        }
        if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
            drop_overlay(&ctx);
        }
        for c in cmds {
            self.apply(c);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

/// Tell the user what dropping does while files hover over the window.
fn drop_overlay(ctx: &egui::Context) {
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop-overlay"),
    ));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        "Drop folders or photos to add them",
        egui::FontId::proportional(24.0),
        egui::Color32::WHITE,
    );
}
