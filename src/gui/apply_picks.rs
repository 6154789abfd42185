//! Applying the shortlist and keyboard [`Command`]s: pin, list changes, export, copy paths, focus, help.
//!
//! Apart from `apply.rs` so the picks workflow reads in one place and the shared file stays small. Every
//! change goes to the workspace's notes thread; the tray shows it once the store has it.

use std::path::PathBuf;

use super::app::VignetteApp;
use super::command::Command;
use super::tasks::Bg;
use std::sync::Arc;

use crate::workspace::notes::worker::Op;
use crate::workspace::notes::{Notes, Pick, library_set};
use crate::workspace::shortlist_export::ExportOptions;

impl VignetteApp {
    /// Apply one shortlist or keyboard command (the rest are [`VignetteApp::apply`]'s).
    pub(super) fn apply_picks(&mut self, cmd: Command) {
        match cmd {
            Command::TogglePin(path) => self.toggle_pin(path),
            Command::Note(op) => self.workspace.note(op),
            Command::UseList(name) => {
                self.workspace.note(Op::CreateList(name.clone()));
                self.settings.current_list = name;
            }
            Command::RenameList { from, to } => {
                if self.workspace.notes().list(&from).is_some() {
                    self.workspace.note(Op::RenameList { from, to: to.clone() });
                } else {
                    self.workspace.note(Op::CreateList(to.clone()));
                }
                self.settings.current_list = to;
            }
            Command::ExportList => {
                let dir = self.settings.export_dir.trim().to_owned();
                if dir.is_empty() {
                    self.notify("Type or choose a folder to export into first".into(), true);
                    return;
                }
                let side = self.settings.export_long_side;
                let opts = ExportOptions {
                    long_side: (side > 0).then_some(side),
                };
                let list = self.settings.current_list.clone();
                self.workspace.export_list(&list, PathBuf::from(dir), opts);
            }
            Command::PickExportDir => self.spawn_maybe("pick-export-dir", || {
                rfd::FileDialog::new()
                    .set_title("Export the picks to")
                    .pick_folder()
                    .map(Bg::ExportDirPicked)
            }),
            Command::CopyListPaths => {
                let paths: Vec<String> = self
                    .workspace
                    .notes()
                    .list(&self.settings.current_list)
                    .map(|l| l.picks.iter().map(|p| p.path.display().to_string()).collect())
                    .unwrap_or_default();
                let n = paths.len();
                self.ctx.copy_text(paths.join("\n"));
                self.notify(format!("Copied {n} paths"), false);
            }
            Command::FocusSearch => self.search.focus_requested = true,
            Command::ShowPreview => self.settings.show_preview = true,
            Command::ToggleHelp => self.show_help = !self.show_help,
            Command::InstallPack(name) => {
                self.settings.show_models = true;
                let config = self.config();
                let c = self
                    .models
                    .start_install(name, &config, &mut self.settings, self.workspace.models());
                self.apply(c);
            }
            Command::ExportCaptions => {
                let data = self.config().data_dir;
                self.spawn_maybe("export-captions", move || {
                    let file = rfd::FileDialog::new()
                        .set_title("Save the captions as")
                        .set_file_name("captions.jsonl")
                        .save_file()?;
                    let written = Notes::open(&data).and_then(|n| library_set::export_jsonl(&n, &file));
                    Some(match written {
                        Ok(n) => Bg::Info(format!("Wrote {n} captions to {}", file.display())),
                        Err(e) => Bg::Failed(Arc::new(e)),
                    })
                });
            }
            Command::WriteSidecars => {
                let data = self.config().data_dir;
                self.spawn("write-sidecars", move || {
                    match Notes::open(&data).and_then(|n| library_set::export_sidecars(&n)) {
                        Ok(r) => Bg::Info(match r.skipped.first() {
                            None => format!("Wrote {} caption files beside the photos", r.written.len()),
                            Some((p, why)) => format!(
                                "Wrote {} caption files; left {} alone ({why}: {})",
                                r.written.len(),
                                r.skipped.len(),
                                p.display()
                            ),
                        }),
                        Err(e) => Bg::Failed(Arc::new(e)),
                    }
                });
            }
            // Every other command is `apply`'s, which hands these here.
            _ => {}
        }
    }

    /// Pin `path` (or the focused photo) to the current list with the prompt that found it, or unpin it.
    fn toggle_pin(&mut self, path: Option<PathBuf>) {
        let shown = self.visible_items();
        let item = match &path {
            Some(p) => shown.iter().find(|i| &i.path == p),
            None => self.selection.focus.and_then(|f| shown.get(f)),
        };
        let Some(path) = path.or_else(|| item.map(|i| i.path.clone())) else {
            return;
        };
        let score = item.and_then(|i| i.score);
        let list = self.settings.current_list.clone();
        let picked = self.workspace.notes().list(&list).is_some_and(|l| l.contains(&path));
        if picked {
            self.workspace.note(Op::RemovePick { list, path });
        } else {
            let prompt = if self.search.hits.is_some() {
                self.search.query.trim()
            } else {
                ""
            };
            let pick = Pick::new(path, prompt, score);
            self.workspace.note(Op::AddPick { list, pick });
        }
    }
}
