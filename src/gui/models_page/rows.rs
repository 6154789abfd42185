//! The Models window's rows: one catalogue entry (state, size, licence, install progress) and one
//! installed pack (use, remove with confirmation). Split from the page so each file reads in one go.

use egui::Ui;

use super::{Action, Busy, ModelsPage};
use crate::bytes::human_size as size;
use crate::model::manager::EntryState;
use crate::workspace::models::{EntryRow, PackRow};

impl ModelsPage {
    pub(super) fn entry_row(&self, ui: &mut Ui, e: &EntryRow, actions: &mut Vec<Action>) {
        ui.group(|ui| {
            ui.set_width(ui.available_width());
            ui.label(egui::RichText::new(&e.title).strong());
            ui.horizontal_wrapped(|ui| {
                ui.weak(format!("{} · {} · licence {}", e.name, size(e.bytes), e.licence));
                if e.non_commercial {
                    ui.colored_label(ui.visuals().warn_fg_color, "Non-commercial use only");
                }
            });
            if let Some(Busy::Install { name, progress, .. }) = &self.busy
                && *name == e.name
            {
                let (done, total) = *progress;
                let frac = if total == 0 { 0.0 } else { done as f32 / total as f32 };
                let text = format!("{} of {} ({:.0}%)", size(done), size(total), frac * 100.0);
                ui.horizontal(|ui| {
                    ui.add(egui::ProgressBar::new(frac).desired_width(240.0).text(text));
                    if ui
                        .button("Cancel")
                        .on_hover_text("Keeps the bytes: Install resumes")
                        .clicked()
                    {
                        actions.push(Action::CancelInstall);
                    }
                });
                return;
            }
            let idle = self.idle();
            match e.state {
                EntryState::Installed => {
                    ui.label("Installed");
                }
                EntryState::Available => {
                    ui.horizontal(|ui| {
                        ui.label("Available");
                        if ui.add_enabled(idle, egui::Button::new("Install")).clicked() {
                            actions.push(Action::Install(e.name.clone()));
                        }
                    });
                }
                EntryState::Partial(n) => {
                    ui.horizontal(|ui| {
                        ui.label(format!("Partial download: {} of {}", size(n), size(e.bytes)));
                        if ui.add_enabled(idle, egui::Button::new("Resume download")).clicked() {
                            actions.push(Action::Install(e.name.clone()));
                        }
                        if ui.add_enabled(idle, egui::Button::new("Discard")).clicked() {
                            actions.push(Action::Remove(e.name.clone()));
                        }
                    });
                }
                EntryState::Unverified => {
                    let why = e.refused.as_deref().unwrap_or("its files are not pinned");
                    ui.colored_label(ui.visuals().warn_fg_color, format!("Not installable: {why}"));
                }
            }
        });
    }

    pub(super) fn pack_row(&self, ui: &mut Ui, p: &PackRow, active: &str, actions: &mut Vec<Action>) {
        ui.group(|ui| {
            ui.set_width(ui.available_width());
            ui.label(egui::RichText::new(&p.name).strong())
                .on_hover_text(p.dir.display().to_string());
            match &p.summary {
                Ok(s) => {
                    ui.weak(s);
                }
                Err(e) => {
                    ui.colored_label(crate::gui::theme::error(ui.visuals()), format!("Broken: {e}"));
                }
            }
            let in_use = p.name == active;
            if self.confirm_remove.as_deref() == Some(p.name.as_str()) {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!("Remove {} and delete its files?", p.name));
                    if ui.add_enabled(self.idle(), egui::Button::new("Yes, remove")).clicked() {
                        actions.push(Action::Remove(p.name.clone()));
                    }
                    if ui.button("Keep").clicked() {
                        actions.push(Action::KeepPack);
                    }
                });
                return;
            }
            ui.horizontal(|ui| {
                if in_use {
                    ui.label("In use");
                } else {
                    let usable = p.summary.is_ok();
                    let b = ui.add_enabled(usable, egui::Button::new("Use this pack"));
                    let b = b.on_disabled_hover_text("This pack does not load");
                    if b.on_hover_text("Search with this pack (it keeps its own index)")
                        .clicked()
                    {
                        actions.push(Action::Use(p.name.clone()));
                    }
                }
                let remove = ui.add_enabled(self.idle() && !in_use, egui::Button::new("Remove…"));
                let remove = remove.on_disabled_hover_text(if in_use {
                    "In use: switch to another pack first"
                } else {
                    "Wait for the current operation to finish"
                });
                if remove.clicked() {
                    actions.push(Action::AskRemove(p.name.clone()));
                }
            });
        });
    }
}
