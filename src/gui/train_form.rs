//! The training window's form: the optional split file with its subset choosers, the head name, and the
//! training options (sensible defaults, the rest under "Advanced").
//!
//! Kept apart from [`super::train_panel`] so the panel file stays about the run itself. The head kind is
//! not a user choice: packs whose image and text vectors already share a space (`aligned`) get the
//! residual adapter, the others the two-branch head.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::Ui;

use crate::engine::Engine;
use crate::train::{HeadKind, LossKind, TrainOptions};

use super::theme;
use super::train_job::{Pick, Spawner};
use crate::error::{Error, Result};
use crate::workspace::train::{TEST_FRACTION, head_kind};

/// Split and options, as edited in the window.
pub(super) struct TrainForm {
    pub split_path: String,
    split: Option<BTreeMap<String, Vec<String>>>,
    split_error: Option<String>,
    train_subset: String,
    test_subset: String,
    pub opts: TrainOptions,
    pub head_name: String,
}

impl Default for TrainForm {
    fn default() -> Self {
        TrainForm {
            split_path: String::new(),
            split: None,
            split_error: None,
            train_subset: "train".into(),
            test_subset: "test".into(),
            opts: TrainOptions::default(),
            head_name: "my-captions".into(),
        }
    }
}

impl TrainForm {
    /// Take a loaded split file (ignored when the path field has moved on since it was asked for).
    pub fn split_loaded(
        &mut self,
        path: &Path,
        result: std::result::Result<BTreeMap<String, Vec<String>>, Arc<Error>>,
    ) {
        if path.display().to_string() != self.split_path.trim() {
            return;
        }
        match result {
            Ok(s) => {
                for (want, field) in [("train", &mut self.train_subset), ("test", &mut self.test_subset)] {
                    if !s.contains_key(field.as_str()) {
                        let fallback = s.keys().find(|n| n.as_str() == want).or_else(|| s.keys().next());
                        *field = fallback.cloned().unwrap_or_default();
                    }
                }
                (self.split, self.split_error) = (Some(s), None);
            }
            Err(e) => (self.split, self.split_error) = (None, Some(e.to_string())),
        }
    }

    /// Whether the split (if any) names two different subsets.
    pub fn split_ok(&self) -> bool {
        self.split.is_none() || self.train_subset != self.test_subset
    }

    /// The image names to train and to test on, when a split file is in use.
    pub fn chosen_split(&self) -> Option<(Vec<String>, Vec<String>)> {
        self.split.as_ref().map(|s| {
            let get = |k: &str| s.get(k).cloned().unwrap_or_default();
            (get(&self.train_subset), get(&self.test_subset))
        })
    }

    /// The split row; returns whether the loader or picker it started could start.
    pub fn split_rows(&mut self, ui: &mut Ui, spawner: &Spawner) -> Result<()> {
        let mut started = Ok(());
        ui.horizontal(|ui| {
            let label = ui.label("Split file (optional)");
            let edit = egui::TextEdit::singleline(&mut self.split_path).desired_width(240.0);
            ui.add(edit).labelled_by(label.id);
            if ui.button("Load split").clicked() && !self.split_path.trim().is_empty() {
                started = spawner.load_split(PathBuf::from(self.split_path.trim()));
            }
            if ui.button("Choose split…").clicked() {
                started = spawner.pick(Pick::Split);
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
        started
    }

    pub fn options_rows(&mut self, ui: &mut Ui, engine: Option<&Arc<Engine>>) {
        ui.horizontal(|ui| {
            let label = ui.label("Head name");
            let edit = egui::TextEdit::singleline(&mut self.head_name).desired_width(200.0);
            ui.add(edit).labelled_by(label.id);
        });
        // What the run will train (the workspace sets it from the pack); shown, never stored while drawing.
        let kind = engine.map_or(HeadKind::TwoBranch, |e| head_kind(&e.pack));
        let aligned = kind == HeadKind::Residual;
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
                    if kind == HeadKind::TwoBranch {
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
                    if kind == HeadKind::TwoBranch {
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
