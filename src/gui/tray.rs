//! The picks tray: the current shortlist side by side under the grid, and what to do with it.
//!
//! It draws the workspace's notes snapshot (what is on disk) and returns commands; it never changes a list
//! itself, so a failed write cannot leave the tray showing a pick that is not stored. Thumbnails come from
//! the grid's texture cache by photo id; a pick whose photo is not in the open index (another pack, a
//! folder removed) shows a placeholder and still exports. Reordering is by the arrow buttons (and by
//! dragging a pick onto another one's place), removing by the cross; list management and export sit in
//! one row above.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use egui::{Role, Ui, WidgetInfo};

use super::command::Command;
use super::state::Settings;
use super::thumbs::Thumbs;
use crate::workspace::notes::Shortlist;
use crate::workspace::notes::worker::Op;

/// Edge of a pick's thumbnail, in points.
const PICK_SIZE: f32 = 84.0;
/// Long sides offered for a resized export (0: the original file).
pub const EXPORT_SIDES: [u32; 4] = [0, 1024, 2048, 3000];

/// The tray's own editing state.
#[derive(Default)]
pub struct Tray {
    /// Photo ids by path, for thumbnails (rebuilt when the library changes).
    ids: HashMap<PathBuf, i64>,
    /// The list-name field.
    name: String,
    /// Waiting for the writer to confirm deleting the current list.
    confirm_delete: bool,
}

impl Tray {
    /// The library was re-read: map paths to ids again.
    pub fn library_changed(&mut self, photos: &[(i64, PathBuf)]) {
        self.ids = photos.iter().map(|(id, p)| (p.clone(), *id)).collect();
    }

    /// Draw the tray for `lists`; returns what the writer asked for.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        lists: &[Shortlist],
        settings: &mut Settings,
        thumbs: Option<&mut Thumbs>,
    ) -> Command {
        let mut cmd = Command::None;
        let current = settings.current_list.clone();
        let empty = Shortlist {
            name: current.clone(),
            picks: Vec::new(),
        };
        let list = lists.iter().find(|l| l.name == current).unwrap_or(&empty);
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            let label = ui.strong(format!("Picks ({})", list.picks.len()));
            egui::ComboBox::from_id_salt("shortlist")
                .selected_text(&current)
                .show_ui(ui, |ui| {
                    for l in lists {
                        if ui.selectable_label(l.name == current, &l.name).clicked() {
                            cmd = Command::UseList(l.name.clone());
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            if let Some(c) = self.list_controls(ui, &current, list.picks.len()) {
                cmd = c;
            }
            ui.separator();
            if let Some(c) = export_controls(ui, settings, list.picks.is_empty()) {
                cmd = c;
            }
        });
        egui::ScrollArea::horizontal()
            .id_salt("tray")
            .auto_shrink([false, true])
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    if list.picks.is_empty() {
                        ui.weak("Nothing picked yet: press Space on a photo, or use Pin in the preview");
                    }
                    let mut thumbs = thumbs;
                    for (i, p) in list.picks.iter().enumerate() {
                        let tex = self.ids.get(&p.path).and_then(|id| thumbs.as_deref_mut()?.get(*id));
                        if let Some(c) = pick_ui(ui, &current, i, list.picks.len(), &p.path, &p.prompt, tex.as_ref()) {
                            cmd = c;
                        }
                    }
                });
            });
        cmd
    }

    fn list_controls(&mut self, ui: &mut Ui, current: &str, picks: usize) -> Option<Command> {
        let mut cmd = None;
        let field = egui::TextEdit::singleline(&mut self.name)
            .id_salt("list-name")
            .hint_text("list name")
            .desired_width(120.0);
        let label = ui.label("Name");
        ui.add(field).labelled_by(label.id);
        let name = self.name.trim().to_owned();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("New list"))
            .clicked()
        {
            cmd = Some(Command::UseList(name.clone()));
            self.name.clear();
        }
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("Rename list"))
            .clicked()
        {
            cmd = Some(Command::RenameList {
                from: current.to_owned(),
                to: name,
            });
            self.name.clear();
        }
        if self.confirm_delete {
            ui.label(format!("Delete {current:?} and its {picks} picks?"));
            if ui.button("Delete").clicked() {
                cmd = Some(Command::Note(Op::DeleteList(current.to_owned())));
                self.confirm_delete = false;
            }
            if ui.button("Keep").clicked() {
                self.confirm_delete = false;
            }
        } else if ui.button("Delete list…").clicked() {
            self.confirm_delete = true;
        }
        cmd
    }
}

fn export_controls(ui: &mut Ui, settings: &mut Settings, empty: bool) -> Option<Command> {
    let mut cmd = None;
    let label = ui.label("Export to");
    ui.add(
        egui::TextEdit::singleline(&mut settings.export_dir)
            .id_salt("export-dir")
            .hint_text("folder")
            .desired_width(180.0),
    )
    .labelled_by(label.id);
    if ui.button("Choose…").clicked() {
        cmd = Some(Command::PickExportDir);
    }
    let side = |s: u32| {
        if s == 0 {
            "Original size".to_owned()
        } else {
            format!("{s} px long side")
        }
    };
    let label = ui.label("Size");
    egui::ComboBox::from_id_salt("export-size")
        .selected_text(side(settings.export_long_side))
        .show_ui(ui, |ui| {
            for s in EXPORT_SIDES {
                ui.selectable_value(&mut settings.export_long_side, s, side(s));
            }
        })
        .response
        .labelled_by(label.id);
    let ready = !empty && !settings.export_dir.trim().is_empty();
    if ui
        .add_enabled(ready, egui::Button::new("Export picks"))
        .on_hover_text("Copy the picks and a CSV (path, prompt, score, date, size) into the folder (Ctrl+E)")
        .clicked()
    {
        cmd = Some(Command::ExportList);
    }
    if ui.add_enabled(!empty, egui::Button::new("Copy paths")).clicked() {
        cmd = Some(Command::CopyListPaths);
    }
    cmd
}

/// One pick: its thumbnail (a drag source and drop target for reordering) and its buttons.
fn pick_ui(
    ui: &mut Ui,
    list: &str,
    i: usize,
    n: usize,
    path: &Path,
    prompt: &str,
    tex: Option<&egui::TextureHandle>,
) -> Option<Command> {
    let mut cmd = None;
    let name = super::tasks::file_name(path);
    let op = |to: usize| {
        Command::Note(Op::MovePick {
            list: list.to_owned(),
            path: path.to_path_buf(),
            to,
        })
    };
    ui.vertical(|ui| {
        ui.set_width(PICK_SIZE);
        let (rect, r) = ui.allocate_exact_size(egui::Vec2::splat(PICK_SIZE), egui::Sense::click_and_drag());
        r.widget_info(|| WidgetInfo::labeled(Role::Image, true, format!("Picked {name}")));
        let painter = ui.painter();
        painter.rect_filled(rect, 4.0, super::theme::tile_background(ui.visuals()));
        if let Some(t) = tex {
            let s = t.size_vec2();
            let fit = egui::Rect::from_center_size(rect.center(), s * (PICK_SIZE - 6.0) / s.x.max(s.y));
            let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(t.id(), fit, uv, egui::Color32::WHITE);
        }
        r.dnd_set_drag_payload(path.to_path_buf());
        if let Some(from) = r.dnd_release_payload::<PathBuf>()
            && from.as_path() != path
        {
            cmd = Some(Command::Note(Op::MovePick {
                list: list.to_owned(),
                path: (*from).clone(),
                to: i,
            }));
        }
        let hover = if prompt.is_empty() {
            name.clone()
        } else {
            format!("{name}\nfound with \"{prompt}\"")
        };
        let r = r.on_hover_text(hover);
        if r.double_clicked() {
            cmd = Some(Command::Open(path.to_path_buf()));
        }
        ui.horizontal(|ui| {
            let button = |ui: &mut Ui, text: &str, what: String, enabled: bool| {
                let r = ui.add_enabled(enabled, egui::Button::new(text).small());
                r.widget_info(|| WidgetInfo::labeled(Role::Button, enabled, &what));
                r.on_hover_text(what).clicked()
            };
            if button(ui, "<", format!("Move {name} left"), i > 0) {
                cmd = Some(op(i - 1));
            }
            if button(ui, "×", format!("Remove {name}"), true) {
                cmd = Some(Command::Note(Op::RemovePick {
                    list: list.to_owned(),
                    path: path.to_path_buf(),
                }));
            }
            if button(ui, ">", format!("Move {name} right"), i + 1 < n) {
                cmd = Some(op(i + 1));
            }
        });
    });
    cmd
}
