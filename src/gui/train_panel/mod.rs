//! The training window: pick a caption set (and optionally a split), train a head in the background with
//! live progress, compare it with zero-shot search on the test part, then save it into the pack.
//!
//! State lives in [`TrainPanel`]; the run itself is the workspace's ([`crate::workspace::train`], the
//! same protocol as `vignette train`): the panel returns [`Command::StartTraining`], the app hands the
//! panel's [`Plan`] to the workspace and routes its events back ([`TrainPanel::progress`],
//! [`TrainPanel::trained`], [`TrainPanel::saved`]). Pickers and file reads run on the panel's own threads
//! ([`super::train_job`]), drained by [`TrainPanel::poll`]. Training is single-flight: Train is disabled
//! while a run is going, and Cancel stops it between indexing batches or training steps. The plot and the before/after table are in
//! [`report`]. Every input has an accessible name (labels are tied to their fields).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use egui::Ui;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::jobs::{JobEvent, Waker};
use crate::train::captions::CaptionSet;
use crate::train::{EpochReport, Head};
use crate::workspace::notes::worker::Snapshot;
use crate::workspace::{Plan, Saved, TrainEvent, Trained};

use super::command::Command;
use super::theme;
use super::train_form::TrainForm;
use super::train_job::{Msg, Pick, Spawner};

mod library;
mod report;

/// Where a training run is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stage {
    Idle,
    Indexing { done: usize, total: usize },
    Embedding,
    Training,
}

/// The training window's state.
pub struct TrainPanel {
    pub open: bool,
    spawner: Spawner,
    /// Caption file or folder, as typed or picked.
    path: String,
    loading: bool,
    set: Option<Arc<CaptionSet>>,
    load_error: Option<String>,
    form: TrainForm,
    pub(super) stage: Stage,
    /// How the last run ended when it did not produce a head (failed, cancelled).
    pub(super) run_note: Option<(String, bool)>,
    pub(super) history: Vec<EpochReport>,
    pub(super) trained: Option<Box<Trained>>,
    pub(super) saving: bool,
    /// Apply the head only to the folders of the captioned photos.
    pub(super) only_captioned_folders: bool,
    pub(super) saved: Option<std::result::Result<Saved, Arc<Error>>>,
    /// The window's area last frame, to route files dropped onto it.
    rect: Option<egui::Rect>,
    /// The library's own captions as the source (see [`library`]).
    own: library::OwnCaptions,
}

impl TrainPanel {
    pub fn new(waker: Waker) -> TrainPanel {
        TrainPanel {
            open: false,
            spawner: Spawner::new(waker),
            path: String::new(),
            loading: false,
            set: None,
            load_error: None,
            form: TrainForm::default(),
            stage: Stage::Idle,
            run_note: None,
            history: Vec::new(),
            trained: None,
            saving: false,
            only_captioned_folders: false,
            saved: None,
            rect: None,
            own: library::OwnCaptions::default(),
        }
    }

    /// Whether a training run is going.
    pub fn running(&self) -> bool {
        self.stage != Stage::Idle
    }

    /// Whether a file dropped at `pos` lands on this window.
    pub fn takes_drop(&self, pos: Option<egui::Pos2>) -> bool {
        self.open && pos.zip(self.rect).is_some_and(|(p, r)| r.contains(p))
    }

    /// Use a dropped file or folder as the caption set.
    pub fn dropped(&mut self, path: PathBuf) {
        self.path = path.display().to_string();
        self.load();
    }

    /// Fold in what the panel's own threads reported (pickers, caption and split files).
    pub fn poll(&mut self) {
        for m in self.spawner.drain() {
            match m {
                Msg::Picked(Pick::Split, p) => {
                    self.form.split_path = p.display().to_string();
                    let started = self.spawner.load_split(p);
                    self.check(started);
                }
                Msg::Picked(_, p) => self.dropped(p),
                Msg::Loaded { path, result } if path.display().to_string() == self.path.trim() => {
                    self.loading = false;
                    match result {
                        Ok(set) => (self.set, self.load_error) = (Some(set), None),
                        Err(e) => (self.set, self.load_error) = (None, Some(e.to_string())),
                    }
                }
                Msg::Loaded { .. } => {}
                Msg::SplitLoaded { path, result } => self.form.split_loaded(&path, result),
            }
        }
    }

    /// A thread of the panel could not start: say so where the run's notes go.
    fn check(&mut self, started: Result<()>) {
        if let Err(e) = started {
            self.loading = false;
            self.run_note = Some((e.to_string(), true));
        }
    }

    /// Progress of the workspace's training run.
    pub fn progress(&mut self, e: TrainEvent) {
        match e {
            TrainEvent::Indexing(JobEvent::Started { total }) => self.stage = Stage::Indexing { done: 0, total },
            TrainEvent::Indexing(JobEvent::Progress { done, total, .. }) => {
                self.stage = Stage::Indexing { done, total };
            }
            TrainEvent::Indexing(_) | TrainEvent::Parts { .. } => {}
            TrainEvent::Embedding => self.stage = Stage::Embedding,
            TrainEvent::Epoch(r) => {
                self.stage = Stage::Training;
                self.history.push(r);
            }
        }
    }

    /// The run ended.
    pub fn trained(&mut self, result: std::result::Result<Box<Trained>, Arc<Error>>) {
        match result {
            Ok(t) => {
                self.finish(None);
                self.trained = Some(t);
            }
            Err(e) if matches!(*e, Error::Cancelled) => self.finish(Some(("Training cancelled".into(), false))),
            Err(e) => self.finish(Some((format!("Training failed: {e}"), true))),
        }
    }

    /// Saving the head ended.
    pub fn saved(&mut self, result: std::result::Result<Saved, Arc<Error>>) {
        self.saving = false;
        self.saved = Some(result);
    }

    /// What [`Command::StartTraining`] trains on: the loaded set, the chosen split, the options.
    pub fn plan(&self) -> Option<Plan> {
        Some(Plan {
            set: Arc::clone(self.set.as_ref()?),
            split: self.form.chosen_split(),
            opts: self.form.opts.clone(),
            // The effect report samples the whole library; "apply to" is chosen after training.
            apply_to: Vec::new(),
        })
    }

    /// The workspace took (or refused) the plan.
    pub fn started(&mut self, started: Result<()>) {
        match started {
            Ok(()) => {
                self.stage = Stage::Indexing { done: 0, total: 0 };
                self.history.clear();
                (self.trained, self.saved, self.run_note) = (None, None, None);
            }
            Err(e) => self.run_note = Some((format!("Cannot start training: {e}"), true)),
        }
    }

    /// The engine and head of the finished run and the folders it applies to (empty: everywhere), for
    /// [`Command::SaveHead`].
    pub fn trained_head(&self) -> Option<(Arc<Engine>, Head, Vec<PathBuf>)> {
        self.trained.as_ref().map(|t| {
            let folders = if self.only_captioned_folders {
                t.folders.clone()
            } else {
                Vec::new()
            };
            (Arc::clone(&t.engine), t.outcome.head.clone(), folders)
        })
    }

    fn finish(&mut self, note: Option<(String, bool)>) {
        self.stage = Stage::Idle;
        self.run_note = note;
    }

    fn load(&mut self) {
        let path = self.path.trim();
        if path.is_empty() {
            return;
        }
        self.loading = true;
        let started = self.spawner.load_captions(PathBuf::from(path));
        self.check(started);
    }

    /// Draw the window while it is open.
    pub fn window(&mut self, ctx: &egui::Context, engine: Option<&Arc<Engine>>, notes: &Snapshot) -> Command {
        let mut cmd = Command::None;
        let mut open = self.open;
        let shown = egui::Window::new("Train on your captions")
            .open(&mut open)
            .default_width(620.0)
            // As tall as the screen allows: the results appear below the inputs.
            .default_height((ctx.content_rect().height() - 48.0).max(320.0))
            .vscroll(true)
            .show(ctx, |ui| cmd = self.ui(ui, engine, notes));
        self.rect = shown.map(|r| r.response.rect);
        self.open = open;
        cmd
    }

    fn ui(&mut self, ui: &mut Ui, engine: Option<&Arc<Engine>>, notes: &Snapshot) -> Command {
        ui.heading("Caption set");
        let own = self.library_rows(ui, notes, engine);
        self.caption_rows(ui);
        self.caption_stats(ui);
        ui.separator();
        ui.heading("Test part");
        let started = self.form.split_rows(ui, &self.spawner);
        self.check(started);
        ui.separator();
        self.form.options_rows(ui, engine);
        ui.separator();
        let run = self.run_rows(ui, engine);
        let save = report::ui(ui, self, engine);
        [own, run, save]
            .into_iter()
            .find(|c| *c != Command::None)
            .unwrap_or(Command::None)
    }

    fn caption_rows(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Caption file or folder");
            let edit = egui::TextEdit::singleline(&mut self.path).desired_width(300.0);
            let r = ui.add(edit).labelled_by(label.id);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Load").clicked() || enter {
                self.load();
            }
        });
        ui.horizontal(|ui| {
            if ui.button("Choose file…").clicked() {
                let started = self.spawner.pick(Pick::CaptionFile);
                self.check(started);
            }
            if ui.button("Choose folder…").clicked() {
                let started = self.spawner.pick(Pick::CaptionFolder);
                self.check(started);
            }
            ui.weak("or drop a caption file or folder onto this window");
        });
    }

    fn caption_stats(&self, ui: &mut Ui) {
        if self.loading {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the caption set…");
            });
            return;
        }
        if let Some(e) = &self.load_error {
            ui.colored_label(theme::error(ui.visuals()), format!("Cannot read the caption set: {e}"));
            return;
        }
        let Some(set) = &self.set else {
            ui.weak(
                "JSON Lines, Karpathy or COCO JSON, Flickr8k text, CSV/TSV, or a folder of photos with .txt captions",
            );
            return;
        };
        let photos = set.images().len();
        let mut per_photo: BTreeMap<&PathBuf, usize> = BTreeMap::new();
        set.pairs
            .iter()
            .for_each(|p| *per_photo.entry(&p.image).or_default() += 1);
        let (lo, hi) = (per_photo.values().min(), per_photo.values().max());
        egui::Grid::new("caption-stats").num_columns(2).show(ui, |ui| {
            ui.label("Photos");
            ui.label(format!("{photos} photos"));
            ui.end_row();
            ui.label("Captions");
            ui.label(format!("{} captions", set.pairs.len()));
            ui.end_row();
            ui.label("Captions per photo");
            let mean = set.pairs.len() as f64 / photos.max(1) as f64;
            ui.label(match (lo, hi) {
                (Some(lo), Some(hi)) => format!("{mean:.1} on average ({lo} to {hi})"),
                _ => "none".to_owned(),
            });
            ui.end_row();
            ui.label("Missing images");
            ui.label(format!("{} missing", set.missing.len()));
            ui.end_row();
        });
        if !set.missing.is_empty() {
            egui::ScrollArea::vertical()
                .id_salt("missing-images")
                .max_height(90.0)
                .show(ui, |ui| {
                    for (path, reason) in &set.missing {
                        let name = super::tasks::file_name(path);
                        ui.colored_label(theme::error(ui.visuals()), format!("{name}: {reason}"))
                            .on_hover_text(path.display().to_string());
                    }
                });
            ui.weak("Missing images and their captions are left out");
        }
    }

    fn run_rows(&mut self, ui: &mut Ui, engine: Option<&Arc<Engine>>) -> Command {
        let ready = engine.is_some() && self.set.is_some() && self.form.split_ok() && !self.running();
        let mut cmd = Command::None;
        ui.horizontal(|ui| {
            if ui.add_enabled(ready, egui::Button::new("Train")).clicked() {
                cmd = Command::StartTraining;
            }
            if self.running() && ui.button("Cancel").clicked() {
                cmd = Command::CancelTraining;
            }
            match &self.stage {
                Stage::Idle if engine.is_none() => {
                    ui.weak("Waiting for the model pack to open");
                }
                Stage::Idle if self.set.is_none() => {
                    ui.weak("Load a caption set first");
                }
                Stage::Idle => {}
                Stage::Indexing { done, total } => {
                    ui.spinner();
                    ui.label(format!("Indexing the captioned photos: {done} of {total}"));
                }
                Stage::Embedding => {
                    ui.spinner();
                    ui.label("Embedding the captions…");
                }
                Stage::Training => {
                    ui.spinner();
                    let n = self.history.len();
                    ui.label(format!("Training: epoch {n} of at most {}", self.form.opts.max_epochs));
                }
            }
        });
        if let Some((note, error)) = &self.run_note {
            if *error {
                ui.colored_label(theme::error(ui.visuals()), note);
            } else {
                ui.label(note);
            }
        }
        cmd
    }

    /// Save the trained head under the name in the field.
    pub(super) fn save(&mut self) -> Command {
        if self.trained.is_none() {
            return Command::None;
        }
        self.saving = true;
        self.saved = None;
        Command::SaveHead(self.form.head_name.trim().to_owned())
    }
}
