//! The training window: pick a caption set (and optionally a split), train a head in the background with
//! live progress, compare it with zero-shot search on the test part, then save it into the pack.
//!
//! State lives in [`TrainPanel`]; its threads (see [`super::train_job`]) report through one channel drained
//! by [`TrainPanel::poll`] in `App::logic`, which may return a [`Command`] (re-open the engine once a head
//! is saved). Training is single-flight: Train is disabled while a run is going, and Cancel stops it
//! between indexing batches or training steps. The plot and the before/after table are in
//! [`super::train_report`]. Every input has an accessible name (labels are tied to their fields).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, unbounded};
use egui::Ui;

use crate::engine::Engine;
use crate::jobs::{CancelToken, JobEvent, Waker};
use crate::model::pack::Bridge;
use crate::train::captions::CaptionSet;
use crate::train::{EpochReport, HeadKind, LossKind, TrainOptions};

use super::app::Command;
use super::train_job::{Msg, Pick, Plan, Saved, Spawner, TEST_FRACTION, Trained};
use super::{theme, train_report};

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
    rx: Receiver<Msg>,
    /// Caption file or folder, as typed or picked.
    path: String,
    loading: bool,
    set: Option<Arc<CaptionSet>>,
    load_error: Option<String>,
    split_path: String,
    split: Option<BTreeMap<String, Vec<String>>>,
    split_error: Option<String>,
    train_subset: String,
    test_subset: String,
    opts: TrainOptions,
    head_name: String,
    pub(super) stage: Stage,
    cancel: Option<CancelToken>,
    /// How the last run ended when it did not produce a head (failed, cancelled).
    pub(super) run_note: Option<(String, bool)>,
    pub(super) history: Vec<EpochReport>,
    pub(super) trained: Option<Box<Trained>>,
    pub(super) saving: bool,
    pub(super) saved: Option<Result<Saved, String>>,
    /// The window's area last frame, to route files dropped onto it.
    rect: Option<egui::Rect>,
}

impl TrainPanel {
    pub fn new(waker: Waker) -> TrainPanel {
        let (tx, rx) = unbounded();
        TrainPanel {
            open: false,
            spawner: Spawner { tx, waker },
            rx,
            path: String::new(),
            loading: false,
            set: None,
            load_error: None,
            split_path: String::new(),
            split: None,
            split_error: None,
            train_subset: "train".into(),
            test_subset: "test".into(),
            opts: TrainOptions::default(),
            head_name: "my-captions".into(),
            stage: Stage::Idle,
            cancel: None,
            run_note: None,
            history: Vec::new(),
            trained: None,
            saving: false,
            saved: None,
            rect: None,
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

    /// Fold in what the threads reported; returns a command once a head is saved.
    pub fn poll(&mut self) -> Option<Command> {
        let mut cmd = None;
        for m in self.rx.try_iter().collect::<Vec<_>>() {
            match m {
                Msg::Picked(Pick::Split, p) => {
                    self.split_path = p.display().to_string();
                    self.spawner.load_split(p);
                }
                Msg::Picked(_, p) => self.dropped(p),
                Msg::Loaded { path, result } if path.display().to_string() == self.path.trim() => {
                    self.loading = false;
                    match result {
                        Ok(set) => (self.set, self.load_error) = (Some(set), None),
                        Err(e) => (self.set, self.load_error) = (None, Some(e)),
                    }
                }
                Msg::Loaded { .. } => {}
                Msg::SplitLoaded { path, .. } if path.display().to_string() != self.split_path.trim() => {}
                Msg::SplitLoaded { result, .. } => match result {
                    Ok(s) => {
                        let names: Vec<&String> = s.keys().collect();
                        for (want, field) in [("train", &mut self.train_subset), ("test", &mut self.test_subset)] {
                            if !s.contains_key(field.as_str()) {
                                *field = names
                                    .iter()
                                    .find(|n| n.as_str() == want)
                                    .unwrap_or(&names[0])
                                    .to_string();
                            }
                        }
                        (self.split, self.split_error) = (Some(s), None);
                    }
                    Err(e) => (self.split, self.split_error) = (None, Some(e)),
                },
                Msg::Indexing(JobEvent::Started { total }) => self.stage = Stage::Indexing { done: 0, total },
                Msg::Indexing(JobEvent::Progress { done, total, .. }) => self.stage = Stage::Indexing { done, total },
                Msg::Indexing(_) => {}
                Msg::Embedding => self.stage = Stage::Embedding,
                Msg::Epoch(r) => {
                    self.stage = Stage::Training;
                    self.history.push(r);
                }
                Msg::Trained(t) => {
                    self.finish(None);
                    self.trained = Some(t);
                }
                Msg::Cancelled => self.finish(Some(("Training cancelled".into(), false))),
                Msg::Failed(e) => self.finish(Some((format!("Training failed: {e}"), true))),
                Msg::Saved(result) => {
                    self.saving = false;
                    if let Ok(s) = &result {
                        cmd = Some(Command::UseHead {
                            switch_to: s.switch_to.clone(),
                        });
                    }
                    self.saved = Some(result);
                }
            }
        }
        cmd
    }

    fn finish(&mut self, note: Option<(String, bool)>) {
        self.stage = Stage::Idle;
        self.cancel = None;
        self.run_note = note;
    }

    fn load(&mut self) {
        let path = self.path.trim();
        if path.is_empty() {
            return;
        }
        self.loading = true;
        self.spawner.load_captions(PathBuf::from(path));
    }

    /// Draw the window while it is open.
    pub fn window(&mut self, ctx: &egui::Context, engine: Option<&Arc<Engine>>) -> Command {
        let mut cmd = Command::None;
        let mut open = self.open;
        let shown = egui::Window::new("Train on your captions")
            .open(&mut open)
            .default_width(620.0)
            // As tall as the screen allows: the results appear below the inputs.
            .default_height((ctx.content_rect().height() - 48.0).max(320.0))
            .vscroll(true)
            .show(ctx, |ui| cmd = self.ui(ui, engine));
        self.rect = shown.map(|r| r.response.rect);
        self.open = open;
        cmd
    }

    fn ui(&mut self, ui: &mut Ui, engine: Option<&Arc<Engine>>) -> Command {
        ui.heading("Caption set");
        self.caption_rows(ui);
        self.caption_stats(ui);
        ui.separator();
        ui.heading("Test part");
        self.split_rows(ui);
        ui.separator();
        self.options_rows(ui, engine);
        ui.separator();
        self.run_rows(ui, engine);
        train_report::ui(ui, self, engine);
        Command::None
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
                self.spawner.pick(Pick::CaptionFile);
            }
            if ui.button("Choose folder…").clicked() {
                self.spawner.pick(Pick::CaptionFolder);
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

    fn split_rows(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Split file (optional)");
            let edit = egui::TextEdit::singleline(&mut self.split_path).desired_width(240.0);
            ui.add(edit).labelled_by(label.id);
            if ui.button("Load split").clicked() && !self.split_path.trim().is_empty() {
                self.spawner.load_split(PathBuf::from(self.split_path.trim()));
            }
            if ui.button("Choose split…").clicked() {
                self.spawner.pick(Pick::Split);
            }
            if self.split.is_some() && ui.button("No split").clicked() {
                self.split = None;
            }
        });
        if let Some(e) = &self.split_error {
            ui.colored_label(theme::error(ui.visuals()), format!("Cannot read the split file: {e}"));
        }
        match &self.split {
            Some(split) => {
                ui.horizontal(|ui| {
                    subset_combo(ui, "Train on", "train-subset", split, &mut self.train_subset);
                    subset_combo(ui, "Test on", "test-subset", split, &mut self.test_subset);
                });
                if self.train_subset == self.test_subset {
                    ui.colored_label(theme::error(ui.visuals()), "Train and test must be different subsets");
                }
            }
            None => {
                ui.weak(format!(
                    "No split file: a seeded {:.0}% of the photos is held out as the test part",
                    TEST_FRACTION * 100.0
                ));
            }
        }
    }

    fn options_rows(&mut self, ui: &mut Ui, engine: Option<&Arc<Engine>>) {
        ui.horizontal(|ui| {
            let label = ui.label("Head name");
            let edit = egui::TextEdit::singleline(&mut self.head_name).desired_width(200.0);
            ui.add(edit).labelled_by(label.id);
        });
        let aligned = engine.is_some_and(|e| e.pack.manifest.bridge == Bridge::Aligned);
        self.opts.kind = if aligned {
            HeadKind::Residual
        } else {
            HeadKind::TwoBranch
        };
        egui::CollapsingHeader::new("Advanced")
            .id_salt("train-advanced")
            .show(ui, |ui| {
                let o = &mut self.opts;
                egui::Grid::new("train-options").num_columns(2).show(ui, |ui| {
                    drag(ui, "Epochs (most)", &mut o.max_epochs, 1.0..=500.0, 1.0);
                    drag(ui, "Patience (epochs)", &mut o.patience, 1.0..=100.0, 1.0);
                    drag(ui, "Learning rate", &mut o.lr, 1e-6..=1.0, 1e-5);
                    drag(ui, "Margin", &mut o.margin, 0.0..=2.0, 0.01);
                    drag(ui, "Hidden size", &mut o.hidden, 1.0..=8192.0, 8.0);
                    if o.kind == HeadKind::TwoBranch {
                        drag(ui, "Embedding size", &mut o.embed, 1.0..=4096.0, 8.0);
                    }
                    drag(ui, "Dropout", &mut o.dropout, 0.0..=0.9, 0.01);
                    drag(ui, "Seed", &mut o.seed, 0.0..=1e9, 1.0);
                    drag(ui, "Threads", &mut o.threads, 1.0..=64.0, 1.0);
                    let label = ui.label("Loss");
                    egui::ComboBox::from_id_salt("train-loss")
                        .selected_text(loss_name(o.loss))
                        .show_ui(ui, |ui| {
                            for l in [LossKind::SumViolations, LossKind::HardestNegative] {
                                ui.selectable_value(&mut o.loss, l, loss_name(l));
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    ui.end_row();
                    if o.kind == HeadKind::TwoBranch {
                        ui.label("");
                        ui.checkbox(&mut o.batchnorm, "BatchNorm");
                        ui.end_row();
                    }
                });
                ui.weak(if aligned {
                    "Residual head: this pack's image and text vectors already share a space"
                } else {
                    "Two-branch head: maps image features and captions into a new shared space"
                });
            });
    }

    fn run_rows(&mut self, ui: &mut Ui, engine: Option<&Arc<Engine>>) {
        let split_ok = self.split.is_none() || self.train_subset != self.test_subset;
        let ready = engine.is_some() && self.set.is_some() && split_ok && !self.running();
        ui.horizontal(|ui| {
            if ui.add_enabled(ready, egui::Button::new("Train")).clicked()
                && let (Some(engine), Some(set)) = (engine, &self.set)
            {
                self.start(Arc::clone(engine), Arc::clone(set));
            }
            if self.running() && ui.button("Cancel").clicked() {
                if let Some(c) = &self.cancel {
                    c.cancel();
                }
            }
            match &self.stage {
                Stage::Idle if engine.is_none() => drop(ui.weak("Waiting for the model pack to open")),
                Stage::Idle if self.set.is_none() => drop(ui.weak("Load a caption set first")),
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
                    ui.label(format!("Training: epoch {n} of at most {}", self.opts.max_epochs));
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
    }

    fn start(&mut self, engine: Arc<Engine>, set: Arc<CaptionSet>) {
        let split = self.split.as_ref().map(|s| {
            let get = |k: &str| s.get(k).cloned().unwrap_or_default();
            (get(&self.train_subset), get(&self.test_subset))
        });
        let cancel = CancelToken::new();
        self.cancel = Some(cancel.clone());
        self.stage = Stage::Indexing { done: 0, total: 0 };
        self.history.clear();
        (self.trained, self.saved, self.run_note) = (None, None, None);
        let plan = Plan {
            set,
            split,
            opts: self.opts.clone(),
        };
        self.spawner.train(engine, plan, cancel);
    }

    /// Save the trained head under the name in the field.
    pub(super) fn save(&mut self) {
        if let Some(t) = &self.trained {
            self.saving = true;
            self.saved = None;
            let name = self.head_name.trim().to_owned();
            self.spawner.save(Arc::clone(&t.engine), t.outcome.head.clone(), name);
        }
    }
}

fn subset_combo(ui: &mut Ui, text: &str, id: &str, split: &BTreeMap<String, Vec<String>>, value: &mut String) {
    let label = ui.label(text);
    egui::ComboBox::from_id_salt(id)
        .selected_text(value.as_str())
        .show_ui(ui, |ui| {
            for (name, photos) in split {
                ui.selectable_value(value, name.clone(), format!("{name} ({} photos)", photos.len()));
            }
        })
        .response
        .labelled_by(label.id);
}

/// A labelled drag value in a two-column grid row.
fn drag<N: egui::emath::Numeric>(
    ui: &mut Ui,
    text: &str,
    value: &mut N,
    range: std::ops::RangeInclusive<f64>,
    speed: f64,
) {
    let label = ui.label(text);
    let range = N::from_f64(*range.start())..=N::from_f64(*range.end());
    ui.add(egui::DragValue::new(value).range(range).speed(speed))
        .labelled_by(label.id);
    ui.end_row();
}

fn loss_name(l: LossKind) -> &'static str {
    match l {
        LossKind::SumViolations => "Sum of violations",
        LossKind::HardestNegative => "Hardest negative (VSE++)",
    }
}
