//! The application: runtime handles, the per-frame drain of every channel, and the commands panels return.
//!
//! Invariants: `logic` and `ui` never block (no SQLite, decode, model or file system here; see
//! [`super::tasks`]). Panels get read-only views plus the few fields they edit, and return a
//! [`Command`]; commands are applied after the panels have drawn, so a frame never sees half an update.
//! Everything tied to one engine (search worker, thumbnail loader, library snapshot) is rebuilt when the
//! engine changes; `epoch` tags background results so late ones from an old engine are dropped.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::engine::Engine;
use crate::jobs::{CancelToken, IndexRequest, JobEvent, JobHandle, Waker, spawn_index};
use crate::search::Hit;
use crate::search::worker::{Response, SearchWorker};

use super::grid::{Item, Selection};
use super::state::Settings;
use super::status::JobView;
use super::tasks::{self, Bg, Library, Tasks};
use super::thumbs::Thumbs;
use super::{folders, grid, models_page, preview, search_bar, settings, skipped, status, theme, train_panel};

/// Most results a query returns (ranked); the minimum-score slider cuts further.
pub const MAX_RESULTS: usize = 5_000;
/// How often the library snapshot is re-read while indexing runs.
pub(super) const LIBRARY_REFRESH: Duration = Duration::from_millis(700);

/// What a panel asks the app to do, applied at the end of the frame.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    None,
    /// Check then index dropped or picked folders and photos.
    AddPaths(Vec<PathBuf>),
    PickFolder,
    RemoveFolder(PathBuf),
    /// Re-scan one folder, or every folder.
    Rescan(Option<PathBuf>),
    CancelIndexing,
    /// The query text changed.
    Search,
    Select {
        index: usize,
        mode: grid::SelectMode,
    },
    /// Move the focus by this many tiles (arrow keys).
    MoveFocus(isize),
    CopyImage(PathBuf),
    CopyPath(PathBuf),
    Open(PathBuf),
    ShowInFolder(PathBuf),
    ExportSelection,
    MoreLikeThis(PathBuf),
    /// Engine settings changed: open the engine again.
    ReopenEngine,
    /// Open the training window.
    ShowTraining,
    /// A head was saved: switch to the pack it went into (when that is not the open one), then re-open.
    UseHead {
        switch_to: Option<String>,
    },
    PickDataDir,
    DismissMessages,
}

/// A line for the user, shown in the status bar until dismissed.
#[derive(Debug, Clone)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The live state of the current query.
#[derive(Default)]
pub struct SearchView {
    pub query: String,
    pub generation: u64,
    /// A query was sent and its answer has not come back.
    pub ranking: bool,
    /// Ranked hits of the last answered query; `None` while the query is empty.
    pub hits: Option<Vec<Hit>>,
    pub searchable: usize,
    pub error: Option<String>,
    pub took: Duration,
    pub unavailable: Option<String>,
}

/// The Vignette window.
pub struct VignetteApp {
    pub(super) ctx: egui::Context,
    pub(super) base: Config,
    pub settings: Settings,
    pub(super) waker: Waker,
    pub(super) tasks: Tasks,
    pub(super) epoch: u64,
    pub(super) engine: Option<Arc<Engine>>,
    pub(super) engine_error: Option<String>,
    pub(super) search_worker: Option<SearchWorker>,
    pub(super) thumbs: Option<Thumbs>,
    pub(super) job: Option<JobHandle>,
    pub job_view: JobView,
    pub(super) queued: Vec<PathBuf>,
    pub(super) library: Library,
    pub(super) library_loading: bool,
    pub(super) library_dirty: bool,
    pub(super) library_read_at: Instant,
    pub search: SearchView,
    pub(super) items: Vec<Item>,
    pub selection: Selection,
    pub(super) preview: preview::Preview,
    pub(super) messages: Vec<Message>,
    pub(super) packs: Vec<String>,
    pub(super) train: train_panel::TrainPanel,
    pub(super) models: models_page::ModelsPage,
    pub(super) commands: Vec<Command>,
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
        let mut app = VignetteApp {
            ctx: ctx.clone(),
            base: config,
            settings,
            tasks: Tasks::new(Arc::clone(&waker)),
            train: train_panel::TrainPanel::new(Arc::clone(&waker)),
            models: models_page::ModelsPage::new(Arc::clone(&waker)),
            waker,
            epoch: 0,
            engine: None,
            engine_error: None,
            search_worker: None,
            thumbs: None,
            job: None,
            job_view: JobView::default(),
            queued: Vec::new(),
            library: Library::default(),
            library_loading: false,
            library_dirty: false,
            library_read_at: Instant::now(),
            search: SearchView::default(),
            items: Vec::new(),
            selection: Selection::default(),
            preview: preview::Preview::default(),
            messages: Vec::new(),
            packs: Vec::new(),
            commands: Vec::new(),
        };
        app.open_engine();
        app
    }

    /// The configuration in effect (command line plus GUI choices).
    pub fn config(&self) -> Config {
        let mut c = self.base.clone();
        self.settings.apply_to(&mut c);
        c
    }

    /// Whether an indexing job is running.
    pub fn indexing(&self) -> bool {
        self.job.is_some()
    }

    /// Tiles the grid shows now, best first when a query is active.
    pub fn visible_items(&self) -> &[Item] {
        &self.items[..grid::shown_len(&self.items, self.search.hits.is_some(), self.settings.min_score)]
    }

    /// Messages (errors and notices) waiting in the status bar.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub(super) fn open_engine(&mut self) {
        self.epoch += 1;
        self.engine = None;
        self.search_worker = None;
        self.thumbs = None;
        self.library = Library::default();
        self.items.clear();
        self.search.hits = None;
        self.search.unavailable = None;
        let (epoch, config) = (self.epoch, self.config());
        self.tasks.spawn("packs", {
            let config = config.clone();
            move || Bg::InstalledPacks(tasks::installed_packs(&config))
        });
        self.tasks.spawn("engine", move || Bg::EngineOpened {
            epoch,
            result: Engine::open(config).map(Arc::new).map_err(|e| e.to_string()),
        });
    }

    pub(super) fn engine_ready(&mut self, engine: Arc<Engine>) {
        self.engine_error = None;
        match SearchWorker::spawn(Arc::clone(&engine), Arc::clone(&self.waker)) {
            Ok(w) => self.search_worker = Some(w),
            Err(e) => self.search.unavailable = Some(format!("cannot start the search thread: {e}")),
        }
        match Thumbs::spawn(Arc::clone(&engine), Arc::clone(&self.waker)) {
            Ok(t) => self.thumbs = Some(t),
            Err(e) => self.notify(format!("cannot start the thumbnail thread: {e}"), true),
        }
        self.engine = Some(engine);
        self.refresh_library();
        let queued = std::mem::take(&mut self.queued);
        if !queued.is_empty() {
            self.start_index(queued);
        }
        self.start_index(Vec::new());
        self.send_query();
    }

    pub(super) fn refresh_library(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        if self.library_loading {
            self.library_dirty = true;
            return;
        }
        self.library_loading = true;
        self.library_read_at = Instant::now();
        let epoch = self.epoch;
        self.tasks.spawn("library", move || Bg::Library {
            epoch,
            result: tasks::read_library(&engine),
        });
    }

    /// Index `roots` (empty = re-scan every remembered folder); queued while a job runs.
    pub(super) fn start_index(&mut self, roots: Vec<PathBuf>) {
        let roots = if roots.is_empty() {
            if self.library_loading {
                // The folder list is not known yet: re-scan once it is.
                self.job_view.rescan_when_loaded = true;
                return;
            }
            self.library.folders.iter().map(|f| f.path.clone()).collect()
        } else {
            roots
        };
        let Some(engine) = self.engine.clone().filter(|_| self.job.is_none()) else {
            for r in roots {
                if !self.queued.contains(&r) {
                    self.queued.push(r);
                }
            }
            return;
        };
        if roots.is_empty() {
            return;
        }
        self.job_view.begin();
        let req = IndexRequest {
            roots,
            remember_folders: true,
            prune: true,
        };
        self.job = Some(spawn_index(engine, req, Arc::clone(&self.waker), CancelToken::new()));
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
}

impl eframe::App for VignetteApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if let Some(t) = &mut self.thumbs {
            t.receive(ctx);
        }
        let done: Vec<Bg> = self.tasks.rx.try_iter().collect();
        done.into_iter().for_each(|m| self.on_bg(m));
        let events: Vec<JobEvent> = self
            .job
            .as_ref()
            .map(|j| j.events.try_iter().collect())
            .unwrap_or_default();
        events.into_iter().for_each(|e| self.on_job_event(e));
        let answers: Vec<Response> = self
            .search_worker
            .as_ref()
            .map(|w| w.responses.try_iter().collect())
            .unwrap_or_default();
        answers.into_iter().for_each(|r| self.on_search(r));
        self.commands.extend(self.train.poll());
        if let Some(packs) = self.models.logic() {
            self.packs = packs;
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        if self.train.takes_drop(ctx.pointer_latest_pos()) {
            dropped.into_iter().take(1).for_each(|p| self.train.dropped(p));
        } else if !dropped.is_empty() {
            self.commands.push(Command::AddPaths(dropped));
        }
        for c in std::mem::take(&mut self.commands) {
            self.apply(c);
        }
        if self.job.is_some() {
            // Keep the ETA ticking between progress events.
            ctx.request_repaint_after(Duration::from_millis(500));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut cmds = Vec::new();
        egui::Panel::top("search").show(ui, |ui| {
            cmds.push(search_bar::ui(ui, &mut self.search, &mut self.settings))
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
        egui::Panel::left("folders").default_size(240.0).show(ui, |ui| {
            let view = folders::View {
                folders: &self.library.folders,
                indexing: self.indexing(),
                queued: !self.queued.is_empty(),
                engine_error: self.engine_error.as_deref(),
                skipped: self.library.skipped.len(),
            };
            cmds.push(folders::ui(ui, &view, &mut self.settings));
        });
        let shown = grid::shown_len(&self.items, self.search.hits.is_some(), self.settings.min_score);
        if self.settings.show_preview {
            let focus = self.selection.focus.and_then(|i| self.items[..shown].get(i));
            if let (Some(item), Some(engine)) = (focus, &self.engine) {
                self.preview.want(item, engine, &self.tasks);
            }
            egui::Panel::right("preview").default_size(320.0).show(ui, |ui| {
                cmds.push(self.preview.ui(ui, focus, self.selection.len()));
            });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            let library_empty = self.library.photos.is_empty() && !self.library_loading;
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
        });
        let ctx = ui.ctx().clone();
        if self.settings.show_settings {
            let view = settings::View {
                config: self.config(),
                packs: &self.packs,
                provider_note: self.job_view.provider_note.as_deref(),
                engine: self.engine.as_deref(),
                engine_error: self.engine_error.as_deref(),
            };
            cmds.push(settings::window(&ctx, &view, &mut self.settings));
        }
        if self.train.open {
            cmds.push(self.train.window(&ctx, self.engine.as_ref()));
        }
        if self.settings.show_models {
            let config = self.config();
            cmds.push(self.models.window(&ctx, &config, &mut self.settings));
        }
        if self.settings.show_skipped {
            skipped::window(&ctx, &self.library.skipped, &mut self.settings.show_skipped);
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
