//! The folders side panel: add (picker or drag and drop), re-scan, remove, and each folder's count.
//!
//! Counts and problems (a folder that vanished or cannot be read) come from the library snapshot that a
//! background task reads; this panel only draws them. The picker runs on its own thread (see
//! `Command::PickFolder`), so the window keeps painting while it is open.

use std::path::PathBuf;

use egui::Ui;

use super::app::Command;
use super::state::Settings;
use super::tasks::{FolderInfo, file_name};

/// What the panel shows.
pub struct View<'a> {
    pub folders: &'a [FolderInfo],
    pub indexing: bool,
    pub queued: bool,
    pub engine_error: Option<&'a str>,
    pub skipped: usize,
}

/// Draw the panel.
pub fn ui(ui: &mut Ui, view: &View<'_>, settings: &mut Settings) -> Command {
    let mut cmd = Command::None;
    ui.add_space(4.0);
    ui.heading("Folders");
    if let Some(e) = view.engine_error {
        ui.colored_label(
            super::theme::error(ui.visuals()),
            format!("Cannot open the model pack: {e}"),
        );
    }
    if ui
        .button("Add folder…")
        .on_hover_text("Or drop folders and photos onto the window")
        .clicked()
    {
        cmd = Command::PickFolder;
    }
    if ui
        .button("Train…")
        .on_hover_text("Teach search the words you use, from your own captioned photos")
        .clicked()
    {
        cmd = Command::ShowTraining;
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("folders")
        .auto_shrink([false, true])
        .max_height(ui.available_height() - 90.0)
        .show(ui, |ui| {
            if view.folders.is_empty() {
                ui.weak("No folders yet");
            }
            for f in view.folders {
                if let Some(c) = folder_row(ui, f, view.indexing) {
                    cmd = c;
                }
            }
        });
    ui.separator();
    if view.queued {
        ui.weak("A re-scan is queued after the current run");
    }
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(!view.folders.is_empty(), egui::Button::new("Re-scan all"))
            .clicked()
        {
            cmd = Command::Rescan(None);
        }
        ui.toggle_value(&mut settings.show_skipped, format!("Skipped files ({})", view.skipped));
        ui.toggle_value(&mut settings.show_settings, "Settings");
        ui.toggle_value(&mut settings.show_models, "Models…");
    });
    cmd
}

fn folder_row(ui: &mut Ui, f: &FolderInfo, indexing: bool) -> Option<Command> {
    let mut cmd = None;
    let name = file_name(&f.path);
    ui.label(egui::RichText::new(&name).strong())
        .on_hover_text(f.path.display().to_string());
    match &f.problem {
        Some(p) => {
            ui.colored_label(
                super::theme::error(ui.visuals()),
                format!("Offline, {p}: {}", f.path.display()),
            );
            ui.weak(format!("{} photos kept", f.photos));
        }
        None => {
            ui.weak(format!("{} photos", f.photos));
        }
    }
    ui.horizontal(|ui| {
        let path = || -> PathBuf { f.path.clone() };
        if ui
            .small_button("Re-scan")
            .on_hover_text(format!("Re-scan {name}"))
            .clicked()
        {
            cmd = Some(Command::Rescan(Some(path())));
        }
        let remove = ui.add_enabled(!indexing, egui::Button::new("Remove").small());
        if remove
            .on_hover_text(format!("Forget {name} and its photos (the files stay on disk)"))
            .clicked()
        {
            cmd = Some(Command::RemoveFolder(path()));
        }
    });
    ui.add_space(6.0);
    cmd
}
