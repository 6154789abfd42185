//! The writer's notes on the previewed photo: the pin button and its captions (several per photo).
//!
//! Drawn inside the preview panel. Captions show what the store holds; adding, editing and removing go to
//! the workspace's notes thread as commands, so a caption is on disk before it shows here. The only state
//! kept is the text being typed.

use egui::Ui;

use super::command::Command;
use super::grid::Item;
use crate::workspace::notes::worker::{Op, Snapshot};

/// Text being typed into the caption fields.
#[derive(Default)]
pub struct NotesPanel {
    new_caption: String,
    /// The caption being edited and its new text.
    editing: Option<(i64, String)>,
}

impl NotesPanel {
    /// Draw the pin button and the captions of `item`.
    pub fn ui(&mut self, ui: &mut Ui, item: &Item, notes: &Snapshot, list: &str) -> Command {
        let mut cmd = Command::None;
        let pinned = notes.list(list).is_some_and(|l| l.contains(&item.path));
        let text = if pinned {
            format!("Unpin from \u{201c}{list}\u{201d}")
        } else {
            format!("Pin to \u{201c}{list}\u{201d}")
        };
        if ui.button(text).on_hover_text("Space").clicked() {
            cmd = Command::TogglePin(Some(item.path.clone()));
        }
        ui.separator();
        ui.strong("Captions");
        for c in notes.captions_of(&item.path) {
            ui.horizontal_wrapped(|ui| match &mut self.editing {
                Some((id, text)) if *id == c.id => {
                    let label = ui.label("Edit caption");
                    let r = ui
                        .add(egui::TextEdit::singleline(text).id_salt("edit-caption"))
                        .labelled_by(label.id);
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.button("Save").clicked() || enter {
                        cmd = Command::Note(Op::EditCaption {
                            id: *id,
                            text: text.clone(),
                        });
                        self.editing = None;
                    } else if ui.button("Cancel").clicked() {
                        self.editing = None;
                    }
                }
                _ => {
                    ui.label(&c.text);
                    if ui.small_button("Edit").clicked() {
                        self.editing = Some((c.id, c.text.clone()));
                    }
                    if ui.small_button("Remove").clicked() {
                        cmd = Command::Note(Op::RemoveCaption(c.id));
                    }
                }
            });
        }
        ui.horizontal(|ui| {
            let label = ui.label("New caption");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.new_caption)
                        .id_salt("new-caption")
                        .hint_text("describe the photo in your words")
                        .desired_width(ui.available_width() - 50.0),
                )
                .labelled_by(label.id);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let ready = !self.new_caption.trim().is_empty();
            if ui.add_enabled(ready, egui::Button::new("Add")).clicked() || (enter && ready) {
                cmd = Command::Note(Op::AddCaption {
                    path: item.path.clone(),
                    text: std::mem::take(&mut self.new_caption),
                });
            }
        });
        cmd
    }
}
