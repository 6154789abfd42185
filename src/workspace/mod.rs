//! The workspace: one UI-free object that owns what a session of Vignette runs, under both front ends.
//!
//! It owns the engine (a pack bound to its index), the search worker, the indexing job, the training job,
//! the library snapshot and the installed-pack list. Front ends call its request methods (`index`,
//! `search`, `train`, `export`, ...) and drain [`Workspace::poll`] for [`Event`]s; workers wake the front end
//! through the [`Waker`] given at construction (the GUI passes `request_repaint`, tests a no-op). Nothing
//! here blocks: every request that touches the disk, the index or a model runs on a worker thread from
//! [`crate::jobs`]. The GUI is a view of this object; the CLI is a script over the same protocol
//! functions ([`train::train_and_test`], [`eval::evaluate_set`], [`library::export`], [`train::save_head`]).
//!
//! Invariants: indexing and training are single-flight ([`JobSlot`]); paths asked to be indexed while a run
//! goes are queued. Results carry their engine's `epoch`: one arriving after a pack change is dropped.
//! The library snapshot is re-read at most every [`LIBRARY_REFRESH`] while indexing runs, and at its end.

pub mod eval;
pub mod illustrate;
pub mod library;
pub mod models;
pub mod notes;
pub mod passage;
mod poll;
pub mod shortlist_export;
mod shortlists;
pub mod suggest;
pub mod train;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::config::Config;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::jobs::{IndexRequest, JobEvent, JobSlot, Tasks, Waker, spawn_index};
use crate::search::SearchOptions;
use crate::search::filter::Refine;
use crate::search::worker::{Request, Response, SearchWorker};
use crate::train::Head;

pub use library::{CheckedPaths, FolderInfo, Library};
pub use poll::LIBRARY_REFRESH;
pub use train::{Plan, Saved, TrainEvent, Trained};

/// What the workspace tells its front end, drained with [`Workspace::poll`].
pub enum Event {
    /// The engine opened: [`Workspace::engine`] is set, search and indexing are available.
    EngineOpened,
    /// The engine could not be opened (the pack is missing or broken, no ONNX Runtime).
    EngineFailed(Arc<Error>),
    /// [`Workspace::packs`] changed.
    Packs,
    /// [`Workspace::library`] was re-read.
    LibraryChanged,
    /// An indexing run started.
    IndexStarted,
    /// Progress of the indexing run; the last one is terminal.
    Index(JobEvent),
    /// The search worker answered.
    Search(Response),
    /// A training run reported progress.
    Train(TrainEvent),
    /// A training run ended (`Err(Error::Cancelled)` when cancelled).
    Trained(std::result::Result<Box<Trained>, Arc<Error>>),
    /// A head was saved (or not); `switch_to` names the pack to open to use it.
    HeadSaved(std::result::Result<Saved, Arc<Error>>),
    /// A model operation (install, remove, import, list) reported.
    Models(models::ModelsEvent),
    /// The shortlists or captions changed on disk: [`Workspace::notes`] has a new snapshot.
    Notes,
    /// A line for the user about something that ended (removed a folder, exported, cannot add a path).
    Notice { text: String, error: bool },
}

/// What a training job sends: progress, then its outcome.
enum TrainMsg {
    Progress(TrainEvent),
    Done(Result<Box<Trained>>),
}

/// Results of one-shot tasks, folded in by [`Workspace::poll`].
enum Done {
    EngineOpened {
        epoch: u64,
        result: Result<Arc<Engine>>,
    },
    Library {
        epoch: u64,
        result: Result<Library>,
    },
    Packs(Vec<String>),
    PathsChecked(CheckedPaths),
    FolderRemoved {
        epoch: u64,
        path: PathBuf,
        result: Result<usize>,
    },
    Exported {
        dir: PathBuf,
        result: Result<usize>,
    },
    Saved(Result<Saved>),
    ListExported {
        name: String,
        result: Result<shortlist_export::ExportReport>,
    },
}

/// Everything one session runs; see the module docs.
pub struct Workspace {
    config: Config,
    waker: Waker,
    epoch: u64,
    engine: Option<Arc<Engine>>,
    engine_error: Option<Arc<Error>>,
    search: Option<SearchWorker>,
    indexing: JobSlot<JobEvent>,
    queued: Vec<PathBuf>,
    rescan_when_loaded: bool,
    library: Library,
    library_loading: bool,
    library_dirty: bool,
    library_read_at: Instant,
    training: JobSlot<TrainMsg>,
    tasks: Tasks<Done>,
    packs: Vec<String>,
    models: models::Models,
    /// The shortlists-and-captions thread (`None` when it could not start).
    notes: Option<notes::worker::NotesHandle>,
    /// Events produced by requests (refusals), handed out with the next poll.
    pending: Vec<Event>,
}

impl Workspace {
    /// A workspace for `config`; starts opening the engine at once (see [`Event::EngineOpened`]).
    pub fn new(config: Config, waker: Waker) -> Workspace {
        let mut ws = Workspace {
            config,
            tasks: Tasks::new(Arc::clone(&waker)),
            epoch: 0,
            engine: None,
            engine_error: None,
            search: None,
            indexing: JobSlot::new("indexing"),
            queued: Vec::new(),
            rescan_when_loaded: false,
            library: Library::default(),
            library_loading: false,
            library_dirty: false,
            library_read_at: Instant::now(),
            training: JobSlot::new("training"),
            packs: Vec::new(),
            models: models::Models::new(Arc::clone(&waker)),
            waker,
            notes: None,
            pending: Vec::new(),
        };
        ws.open(ws.config.clone());
        ws
    }

    /// Open the engine for `config`, dropping everything tied to the old one. A running indexing job is
    /// cancelled (what it committed stays); a training run keeps its own engine and goes on.
    pub fn open(&mut self, config: Config) {
        self.config = config;
        self.open_notes();
        self.epoch += 1;
        self.engine = None;
        self.engine_error = None;
        self.search = None;
        self.library = Library::default();
        self.library_loading = false;
        self.queued.clear();
        self.indexing.cancel();
        let (epoch, config) = (self.epoch, self.config.clone());
        let packs_config = config.clone();
        self.spawn("packs", move || Done::Packs(installed_packs(&packs_config)));
        self.spawn("engine", move || Done::EngineOpened {
            epoch,
            result: Engine::open(config).map(Arc::new),
        });
    }

    /// Re-read the installed packs (after the Models window installed or removed one).
    pub fn refresh_packs(&mut self) {
        let config = self.config.clone();
        self.spawn("packs", move || Done::Packs(installed_packs(&config)));
    }

    /// The configuration the engine was (or is being) opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The open engine, once it has opened.
    pub fn engine(&self) -> Option<&Arc<Engine>> {
        self.engine.as_ref()
    }

    /// Why the engine did not open, if it did not.
    pub fn engine_error(&self) -> Option<&Arc<Error>> {
        self.engine_error.as_ref()
    }

    /// The last library snapshot.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// Whether the library snapshot is being read.
    pub fn library_loading(&self) -> bool {
        self.library_loading
    }

    /// Installed pack names (folders with a manifest under the packs folder), sorted.
    pub fn packs(&self) -> &[String] {
        &self.packs
    }

    /// Whether an indexing run is going.
    pub fn indexing(&self) -> bool {
        self.indexing.busy()
    }

    /// Whether paths wait for the running indexing job to end.
    pub fn has_queued(&self) -> bool {
        !self.queued.is_empty()
    }

    /// The model packs: catalogue, install, remove, import.
    pub fn models(&mut self) -> &mut models::Models {
        &mut self.models
    }

    /// Whether a training run is going.
    pub fn training(&self) -> bool {
        self.training.busy()
    }

    /// Index `roots` (empty: re-scan every remembered folder); queued while a run goes.
    pub fn index(&mut self, roots: Vec<PathBuf>) {
        let roots = if roots.is_empty() {
            if self.library_loading || self.engine.is_none() {
                // The folder list is not known yet: re-scan once it is.
                self.rescan_when_loaded = true;
                return;
            }
            self.library.folders.iter().map(|f| f.path.clone()).collect()
        } else {
            roots
        };
        let Some(engine) = self.engine.clone().filter(|_| !self.indexing.busy()) else {
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
        let req = IndexRequest {
            roots,
            remember_folders: true,
            prune: true,
        };
        let waker = Arc::clone(&self.waker);
        match self
            .indexing
            .hold(|| spawn_index(engine, req, waker, crate::cancel::CancelToken::new()))
        {
            Ok(()) => self.pending.push(Event::IndexStarted),
            Err(e) => self.notice(format!("Cannot start indexing: {e}"), true),
        }
    }

    /// Stop the indexing run and forget queued paths; what it committed stays.
    pub fn cancel_indexing(&mut self) {
        self.queued.clear();
        self.indexing.cancel();
    }

    /// Check dropped or picked paths off the caller's thread, then index the good ones.
    pub fn add_paths(&mut self, paths: Vec<PathBuf>) {
        self.spawn("check", move || Done::PathsChecked(library::check_paths(paths)));
    }

    /// Forget a folder and its photos (refused while indexing runs).
    pub fn remove_folder(&mut self, path: PathBuf) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        if self.indexing.busy() {
            self.notice(
                "Wait for indexing to finish (or cancel it) before removing a folder".into(),
                true,
            );
            return;
        }
        let epoch = self.epoch;
        self.spawn("remove-folder", move || {
            let lock = crate::files::WriteLock::for_index(&engine.index_path(), "removing a folder");
            let result = lock.and_then(|_lock| engine.index().and_then(|mut i| i.remove_folder(&path)));
            Done::FolderRemoved { epoch, path, result }
        });
    }

    /// Rank the library by `query`; answered by an [`Event::Search`] with the same `generation` (the
    /// worker drains to the newest query, so older generations may never be answered). Returns whether
    /// the query was sent (false while the engine is not open).
    pub fn search(&self, generation: u64, query: String, opts: SearchOptions) -> bool {
        self.search_refined(generation, query, opts, Refine::default())
    }

    /// [`Workspace::search`] with filters, order and near-duplicate grouping.
    pub fn search_refined(&self, generation: u64, query: String, opts: SearchOptions, refine: Refine) -> bool {
        self.search.as_ref().is_some_and(|w| {
            w.send(Request::Query {
                generation,
                query,
                opts,
                refine,
            });
            true
        })
    }

    /// Copy photos into `dir` (never overwriting), off the caller's thread.
    pub fn export(&mut self, paths: Vec<PathBuf>, dir: PathBuf) {
        self.spawn("export", move || Done::Exported {
            result: library::export(&paths, &dir),
            dir,
        });
    }

    /// Train and test on a caption set with the open engine ([`train::train_and_test`]).
    pub fn train(&mut self, plan: Plan) -> Result<()> {
        let engine = self
            .engine
            .clone()
            .ok_or_else(|| Error::Train("the model pack is not open yet".into()))?;
        self.training
            .start("train", Arc::clone(&self.waker), move |out, cancel| {
                let result = train::train_and_test(&engine, &plan, &|e| out.send(TrainMsg::Progress(e)), cancel);
                out.send(TrainMsg::Done(result.map(Box::new)));
            })
    }

    /// Stop the training run between steps.
    pub fn cancel_training(&self) {
        self.training.cancel();
    }

    /// Save a trained head into the pack it was trained on ([`train::save_head`]).
    pub fn save_head(&mut self, engine: Arc<Engine>, head: Head, name: String, folders: Vec<PathBuf>) {
        self.spawn("save-head", move || {
            Done::Saved(train::save_head(&engine, &head, &name, &folders))
        });
    }

    fn spawn(&mut self, name: &str, f: impl FnOnce() -> Done + Send + 'static) {
        if let Err(e) = self.tasks.spawn(name, f) {
            self.notice(e.to_string(), true);
        }
    }

    fn notice(&mut self, text: String, error: bool) {
        self.pending.push(Event::Notice { text, error });
    }

    fn refresh_library(&mut self) {
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
        self.spawn("library", move || Done::Library {
            epoch,
            result: library::read_library(&engine),
        });
    }
}

/// Installed pack names (folders with a manifest under the packs folder), sorted.
pub fn installed_packs(config: &Config) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(config.packs_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join(crate::model::pack::MANIFEST).is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}
