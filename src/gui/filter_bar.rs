//! The filter bar under the prompt: orientation, minimum long side, folders, date taken from-to, sort
//! order and near-duplicate grouping, plus the grid items a collapsed answer turns into.
//!
//! The bar only edits a [`Refine`] (the core's filter description) and asks for a new search when it
//! changes; the filters run in the search worker before ranking. Dates are typed as YYYY-MM-DD; a date
//! that does not parse is shown in red and left out, never guessed. The grid cuts by the minimum-score
//! slider with a binary search over scores sorted best first; sorting by date or collapsing breaks that
//! order, so then the slider's value goes to the core with the query and moving it searches again.

use std::collections::HashSet;
use std::path::PathBuf;

use egui::Ui;

use super::command::Command;
use super::grid::Item;
use crate::library::dates;
use crate::search::Hit;
use crate::search::filter::{Filters, Orientation, Refine, SortBy};

/// What the bar holds (runtime state: a new session starts unfiltered).
#[derive(Debug, Default)]
pub struct FilterBar {
    pub orientation: Option<Orientation>,
    /// Minimum pixels on the long side (0: any).
    pub min_px: u32,
    /// Folders to search in (empty: all).
    pub folders: Vec<PathBuf>,
    /// Date taken from / to, as typed (YYYY-MM-DD or empty).
    pub from: String,
    pub to: String,
    pub sort: SortBy,
    pub collapse: bool,
    /// Near-duplicate groups shown in full, by the shown photo's id; a new search clears it.
    pub expanded: HashSet<i64>,
    /// The slider value last sent with a query, when the core cuts by score.
    sent_min_score: Option<f32>,
}

impl FilterBar {
    /// The core's description of the current filters (dates that do not parse are left out).
    pub fn refine(&self) -> Refine {
        Refine {
            filters: Filters {
                orientation: self.orientation,
                min_long_side: self.min_px,
                folders: self.folders.clone(),
                from: day(&self.from).and_then(Result::ok),
                to: day(&self.to).and_then(Result::ok).map(|t| t + 86_399),
            },
            sort: self.sort,
            collapse: self.collapse,
        }
    }

    /// Whether the minimum score must be applied by the core (see the module docs).
    pub fn cuts_in_core(&self) -> bool {
        self.sort != SortBy::Relevance || self.collapse
    }

    /// The minimum score to send with a query (and remember, to notice when the slider moves).
    pub fn min_score_for_query(&mut self, slider: f32) -> f32 {
        self.sent_min_score = self.cuts_in_core().then_some(slider);
        self.sent_min_score.unwrap_or(f32::NEG_INFINITY)
    }

    /// Draw the bar; returns [`Command::Search`] when a filter (or, while the core cuts by score, the
    /// minimum-score slider) changed.
    pub fn ui(&mut self, ui: &mut Ui, folders: &[PathBuf], min_score: f32) -> Command {
        let before = self.refine();
        let mut open_passage = false;
        ui.horizontal_wrapped(|ui| {
            let l = ui.label("Shape");
            let shape = |o: Option<Orientation>| o.map_or("Any shape", |o| capitalised(o.name()));
            egui::ComboBox::from_id_salt("orientation")
                .selected_text(shape(self.orientation))
                .show_ui(ui, |ui| {
                    for o in [
                        None,
                        Some(Orientation::Landscape),
                        Some(Orientation::Portrait),
                        Some(Orientation::Square),
                    ] {
                        ui.selectable_value(&mut self.orientation, o, shape(o));
                    }
                })
                .response
                .labelled_by(l.id);
            let l = ui.label("Long side ≥");
            ui.add(
                egui::DragValue::new(&mut self.min_px)
                    .range(0..=20_000)
                    .speed(50)
                    .suffix(" px"),
            )
            .labelled_by(l.id);
            self.folder_menu(ui, folders);
            for (name, text) in [("Taken from", &mut self.from), ("to", &mut self.to)] {
                let l = ui.label(name);
                let bad = day(text).is_some_and(|d| d.is_err());
                let mut edit = egui::TextEdit::singleline(text)
                    .hint_text("YYYY-MM-DD")
                    .desired_width(86.0);
                if bad {
                    edit = edit.text_color(super::theme::error(ui.visuals()));
                }
                let r = ui.add(edit).labelled_by(l.id);
                if let Some(Err(e)) = day(text) {
                    r.on_hover_text(e);
                }
            }
            let order = |s: SortBy| match s {
                SortBy::Relevance => "Best match first",
                SortBy::NewestFirst => "Newest first",
                SortBy::OldestFirst => "Oldest first",
            };
            let l = ui.label("Sort");
            egui::ComboBox::from_id_salt("sort")
                .selected_text(order(self.sort))
                .show_ui(ui, |ui| {
                    for s in [SortBy::Relevance, SortBy::NewestFirst, SortBy::OldestFirst] {
                        ui.selectable_value(&mut self.sort, s, order(s));
                    }
                })
                .response
                .labelled_by(l.id);
            ui.checkbox(&mut self.collapse, "Group near-duplicates")
                .on_hover_text("One tile per group of copies, bursts and edits; click its +N to see the others");
            if ui.button("Illustrate a passage…").clicked() {
                open_passage = true;
            }
        });
        let slider_moved = self.sent_min_score.is_some_and(|s| s != min_score);
        if open_passage {
            Command::ShowPassage
        } else if self.refine() != before || slider_moved {
            Command::Search
        } else {
            Command::None
        }
    }

    fn folder_menu(&mut self, ui: &mut Ui, folders: &[PathBuf]) {
        let title = match self.folders.len() {
            0 => "All folders".to_owned(),
            1 => super::tasks::file_name(&self.folders[0]),
            n => format!("{n} folders"),
        };
        ui.menu_button(title, |ui| {
            if folders.is_empty() {
                ui.weak("No folders yet");
            }
            for f in folders {
                let mut on = self.folders.contains(f);
                if ui
                    .checkbox(&mut on, super::tasks::file_name(f))
                    .on_hover_text(f.display().to_string())
                    .changed()
                {
                    self.folders.retain(|x| x != f);
                    if on {
                        self.folders.push(f.clone());
                    }
                }
            }
            if !self.folders.is_empty() && ui.button("All folders").clicked() {
                self.folders.clear();
            }
        });
        // A folder removed from the library no longer filters.
        self.folders.retain(|f| folders.contains(f));
    }
}

/// A typed day: `None` when empty, else the parsed midnight or why it is not a date.
fn day(text: &str) -> Option<Result<i64, String>> {
    let t = text.trim();
    (!t.is_empty()).then(|| dates::parse_day(t))
}

fn capitalised(name: &'static str) -> &'static str {
    match name {
        "landscape" => "Landscape",
        "portrait" => "Portrait",
        _ => "Square",
    }
}

/// Grid items for an answer: each hit, with its hidden near-duplicates counted on it ("+N") until its
/// group is expanded, then listed right after it.
pub fn items(hits: &[Hit], expanded: &HashSet<i64>) -> Vec<Item> {
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        let open = expanded.contains(&h.id);
        out.push(Item {
            id: h.id,
            path: h.path.clone(),
            score: Some(h.score).filter(|s| !s.is_nan()),
            more: if open { 0 } else { h.duplicates.len() },
        });
        if open {
            out.extend(h.duplicates.iter().map(|d| Item {
                id: d.id,
                path: d.path.clone(),
                score: Some(d.score).filter(|s| !s.is_nan()),
                more: 0,
            }));
        }
    }
    out
}
