//! The training window's other source: the captions typed in the preview, with no file at all.
//!
//! "Use my captions" reads the notes store on the panel's thread into the same caption set a file gives,
//! so everything after (split, options, test part, saving) is unchanged. The prompts the writer picked
//! photos for are extra pairs only when the box is ticked (opt-in), and are listed so that a wrong one can
//! be dropped; dropping removes the pair from training, never the pick. While the library is the source,
//! a change in the store (a caption typed, a pair dropped) reads the set again, so what trains is what is
//! listed.

use std::sync::Arc;

use egui::Ui;

use super::TrainPanel;
use crate::engine::Engine;
use crate::gui::command::Command;
use crate::workspace::notes::library_set::SOURCE;
use crate::workspace::notes::worker::{Op, Snapshot};

/// The "your own captions" choices.
#[derive(Default)]
pub struct OwnCaptions {
    /// Train on the prompts the writer picked photos for too.
    use_picked: bool,
    /// Caption and pair counts of the snapshot the loaded set was read for.
    loaded_for: Option<(usize, usize)>,
}

impl TrainPanel {
    /// The "your own captions" row; returns a pair-dropping command when one is clicked.
    pub(super) fn library_rows(&mut self, ui: &mut Ui, notes: &Snapshot, engine: Option<&Arc<Engine>>) -> Command {
        let mut cmd = Command::None;
        let photos = {
            let mut p: Vec<_> = notes.captions.iter().map(|c| &c.path).collect();
            p.dedup();
            p.len()
        };
        let text = format!("Use my captions ({} on {photos} photos)", notes.captions.len());
        let usable = !notes.captions.is_empty() || (self.own.use_picked && !notes.pairs.is_empty());
        let mut reload = false;
        ui.horizontal(|ui| {
            reload |= ui
                .add_enabled(engine.is_some() && usable, egui::Button::new(text))
                .on_hover_text("The captions typed in the preview panel; no caption file needed")
                .clicked();
            if ui
                .add_enabled(!notes.captions.is_empty(), egui::Button::new("Save as JSONL…"))
                .clicked()
            {
                cmd = Command::ExportCaptions;
            }
            if ui
                .add_enabled(
                    !notes.captions.is_empty(),
                    egui::Button::new("Write .txt beside photos"),
                )
                .clicked()
            {
                cmd = Command::WriteSidecars;
            }
        });
        ui.horizontal(|ui| {
            let picked = format!("Also the prompts I picked photos for ({})", notes.pairs.len());
            let was_library = self.path == SOURCE;
            if ui.checkbox(&mut self.own.use_picked, picked).changed() && was_library {
                reload = true;
            }
        });
        if self.own.use_picked && !notes.pairs.is_empty() {
            egui::CollapsingHeader::new("Picked prompts used for training")
                .id_salt("picked-pairs")
                .show(ui, |ui| {
                    for (path, prompt) in &notes.pairs {
                        ui.horizontal(|ui| {
                            let name = crate::gui::tasks::file_name(path);
                            ui.label(format!("{name}: \u{201c}{prompt}\u{201d}"));
                            if ui
                                .small_button("Drop")
                                .on_hover_text("Do not train on this pair")
                                .clicked()
                            {
                                cmd = Command::Note(Op::DropPair {
                                    path: path.clone(),
                                    prompt: prompt.clone(),
                                });
                            }
                        });
                    }
                });
        }
        let counts = (notes.captions.len(), notes.pairs.len());
        if self.path == SOURCE && !self.loading && self.own.loaded_for.is_some_and(|c| c != counts) {
            reload = true;
        }
        if let (true, Some(engine)) = (reload, engine) {
            self.own.loaded_for = Some(counts);
            self.path = SOURCE.to_owned();
            self.loading = true;
            let started = self
                .spawner
                .load_library(engine.config.data_dir.clone(), self.own.use_picked);
            self.check(started);
        }
        cmd
    }
}
