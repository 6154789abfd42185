//! The query field and the view controls beside it.
//!
//! Every edit re-ranks (no Enter): the app bumps the query generation and the search worker answers only
//! the newest, so typing never queues work. While an answer is outstanding a quiet "ranking…" shows
//! instead of blanking the grid; the previous results stay until the new ones land.

use egui::Ui;

use super::command::{Command, SearchView};
use super::state::Settings;

/// Hint shown in the empty search field; it teaches the query syntax.
pub const HINT: &str = "Describe the picture you need, e.g. golden retriever on a beach - people";

/// Draw the search bar; returns [`Command::Search`] when the text changed.
pub fn ui(ui: &mut Ui, search: &mut SearchView, settings: &mut Settings) -> Command {
    let mut cmd = Command::None;
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let label = ui.label("Search");
        let controls_width = 560.0_f32.min(ui.available_width() * 0.5);
        let edit = egui::TextEdit::singleline(&mut search.query)
            .hint_text(HINT)
            .id_salt("query")
            .desired_width((ui.available_width() - controls_width).max(120.0));
        let r = ui.add(edit).labelled_by(label.id);
        if std::mem::take(&mut search.focus_requested) {
            r.request_focus();
        }
        if r.changed() {
            cmd = Command::Search;
        }
        if search.ranking {
            ui.add(egui::Spinner::new().size(12.0));
            ui.weak("ranking…");
        } else if let Some(e) = &search.error {
            ui.colored_label(super::theme::error(ui.visuals()), e);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.toggle_value(&mut settings.show_preview, "Preview");
            ui.checkbox(&mut settings.show_scores, "Scores");
            ui.add(
                egui::Slider::new(&mut settings.thumb_size, Settings::THUMB_RANGE)
                    .text("Size")
                    .show_value(false),
            );
            ui.add(
                egui::Slider::new(&mut settings.min_score, -1.0..=1.0)
                    .text("Minimum score")
                    .fixed_decimals(2),
            );
        });
    });
    ui.add_space(2.0);
    cmd
}
