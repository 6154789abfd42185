//! The Passage window: paste or open a passage of the writer's text, then see one row of candidate
//! photos beside each paragraph (or sentence), each with a "Pick" button.
//!
//! The ranking is the core's [`crate::workspace::illustrate`] (the same as `vignette illustrate`), run
//! on a GUI task thread with a searcher of its own, so the window never blocks the frame and the grid's
//! search worker keeps serving the prompt. The window only holds the text, the options and the last
//! answer; a run started while one is in flight is answered in order and the newest answer wins.

use egui::{Context, Ui};

use super::command::Command;
use super::thumbs::Thumbs;
use super::tile::Tile;
use crate::error::Error;
use crate::workspace::illustrate::Illustrated;

/// Edge of a candidate tile, in points.
const TILE: f32 = 96.0;

/// The Passage window's state.
#[derive(Default)]
pub struct PassageWindow {
    pub open: bool,
    /// The passage as pasted, typed or opened.
    pub text: String,
    /// One row per sentence instead of per paragraph.
    pub sentences: bool,
    /// Candidates per row.
    pub top: usize,
    /// Runs started and not yet answered.
    pub running: usize,
    /// The last answer, or why it failed.
    pub result: Option<Result<Vec<Illustrated>, String>>,
}

impl PassageWindow {
    /// A new window's defaults: per paragraph, five candidates.
    pub fn new() -> PassageWindow {
        PassageWindow {
            top: 5,
            ..PassageWindow::default()
        }
    }

    /// A file's text arrived (or could not be read).
    pub fn loaded(&mut self, text: Result<String, String>) {
        match text {
            Ok(t) => {
                self.text = t;
                self.result = None;
            }
            Err(e) => self.result = Some(Err(e)),
        }
    }

    /// A run finished.
    pub fn finished(&mut self, result: Result<Vec<Illustrated>, std::sync::Arc<Error>>) {
        self.running = self.running.saturating_sub(1);
        self.result = Some(result.map_err(|e| e.to_string()));
    }

    /// Draw the window when open.
    pub fn window(&mut self, ctx: &Context, thumbs: Option<&mut Thumbs>) -> Command {
        let mut cmd = Command::None;
        let mut open = self.open;
        egui::Window::new("Illustrate a passage")
            .open(&mut open)
            .default_size([760.0, 560.0])
            .show(ctx, |ui| {
                cmd = self.controls(ui);
                ui.separator();
                egui::ScrollArea::vertical().id_salt("passage-rows").show(ui, |ui| {
                    if let Some(c) = self.rows(ui, thumbs) {
                        cmd = c;
                    }
                });
            });
        self.open = open;
        cmd
    }

    fn controls(&mut self, ui: &mut Ui) -> Command {
        let mut cmd = Command::None;
        let label = ui.label("Passage");
        ui.add(
            egui::TextEdit::multiline(&mut self.text)
                .hint_text("Paste a scene, a chapter or an article; blank lines separate paragraphs")
                .desired_rows(6)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.horizontal(|ui| {
            if ui.button("Open file…").clicked() {
                cmd = Command::OpenPassage;
            }
            ui.checkbox(&mut self.sentences, "Per sentence");
            let l = ui.label("Candidates");
            ui.add(egui::DragValue::new(&mut self.top).range(1..=20))
                .labelled_by(l.id);
            let ready = !self.text.trim().is_empty();
            if ui.add_enabled(ready, egui::Button::new("Find pictures")).clicked() {
                self.running += 1;
                cmd = Command::Illustrate;
            }
            if self.running > 0 {
                ui.add(egui::Spinner::new().size(12.0));
                ui.weak("ranking…");
            }
        });
        cmd
    }

    fn rows(&self, ui: &mut Ui, mut thumbs: Option<&mut Thumbs>) -> Option<Command> {
        let mut cmd = None;
        match &self.result {
            None => {
                ui.weak("Each paragraph gets a row of candidates from your library");
            }
            Some(Err(e)) => {
                ui.colored_label(super::theme::error(ui.visuals()), e);
            }
            Some(Ok(parts)) => {
                for (i, part) in parts.iter().enumerate() {
                    ui.horizontal_top(|ui| {
                        ui.add_sized([220.0, TILE], egui::Label::new(&part.text).wrap());
                        for h in &part.candidates {
                            ui.vertical(|ui| {
                                let name = super::tasks::file_name(&h.path);
                                let texture = thumbs.as_deref_mut().and_then(|t| t.get(h.id));
                                ui.add(Tile {
                                    name: &name,
                                    texture: texture.as_ref(),
                                    size: TILE,
                                    selected: false,
                                    focused: false,
                                    score: Some(h.score),
                                    show_score: true,
                                });
                                let pick = ui
                                    .button("Pick")
                                    .on_hover_text(format!("Pick {name} for paragraph {}", i + 1));
                                if pick.clicked() {
                                    cmd = Some(Command::Pick {
                                        path: h.path.clone(),
                                        prompt: part.text.clone(),
                                        score: h.score,
                                    });
                                }
                            });
                        }
                        if part.candidates.is_empty() {
                            ui.weak("No photo passes the filters");
                        }
                    });
                    ui.separator();
                }
            }
        }
        cmd
    }
}
