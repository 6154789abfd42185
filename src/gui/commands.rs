//! Applying [`Command`]s: the only place panels' requests change the app.
//!
//! Kept apart from `app.rs` so the frame loop stays readable; every arm either updates state or hands
//! work to a background task, never both blocking and waiting.

use std::path::PathBuf;

use super::app::{Command, VignetteApp};
use super::tasks::{self, Bg};

impl VignetteApp {
    /// Apply one command (end of frame).
    pub(super) fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::None => {}
            Command::AddPaths(paths) => self.tasks.spawn("check", move || tasks::check_paths(paths)),
            Command::PickFolder => self.tasks.spawn_maybe("pick-folder", || {
                rfd::FileDialog::new()
                    .set_title("Add a photo folder")
                    .pick_folders()
                    .map(tasks::check_paths)
            }),
            Command::RemoveFolder(path) => {
                let Some(engine) = self.engine.clone() else {
                    return;
                };
                if self.job.is_some() {
                    self.notify(
                        "Wait for indexing to finish (or cancel it) before removing a folder".into(),
                        true,
                    );
                    return;
                }
                let epoch = self.epoch;
                self.tasks.spawn("remove-folder", move || {
                    let lock = crate::index::WriteLock::for_index(&engine.index_path(), "removing a folder");
                    let result = lock
                        .and_then(|_lock| engine.index().and_then(|mut i| i.remove_folder(&path)))
                        .map_err(|e| e.to_string());
                    Bg::FolderRemoved { epoch, path, result }
                });
            }
            Command::Rescan(one) => self.start_index(one.into_iter().collect()),
            Command::CancelIndexing => {
                self.queued.clear();
                if let Some(j) = &self.job {
                    j.cancel.cancel();
                }
            }
            Command::Search => self.send_query(),
            Command::Select { index, mode } => {
                let n = self.visible_items().len();
                self.selection.click(index, mode, &self.items[..n]);
            }
            Command::MoveFocus(delta) => {
                let n = self.visible_items().len();
                self.selection.move_focus(delta, n, &self.items[..n]);
            }
            Command::CopyImage(path) => self.tasks.spawn("clipboard", move || tasks::copy_image(&path)),
            Command::CopyPath(path) => {
                self.ctx.copy_text(path.display().to_string());
                self.notify(format!("Copied the path of {}", tasks::file_name(&path)), false);
            }
            Command::Open(path) => self.tasks.spawn("open", move || tasks::open_path(&path)),
            Command::ShowInFolder(path) => {
                let dir = path.parent().map_or(path.clone(), std::path::Path::to_path_buf);
                self.tasks.spawn("open", move || tasks::open_path(&dir));
            }
            Command::ExportSelection => {
                let paths: Vec<PathBuf> = self.selection.paths(self.visible_items());
                if paths.is_empty() {
                    return;
                }
                self.tasks.spawn_maybe("export", move || {
                    let dir = rfd::FileDialog::new()
                        .set_title("Export the selected photos to")
                        .pick_folder()?;
                    Some(tasks::export(&paths, &dir))
                });
            }
            Command::MoreLikeThis(path) => {
                self.search.query = format!("\"{}\"", path.display());
                self.send_query();
            }
            Command::ReopenEngine => {
                if let Some(j) = self.job.take() {
                    j.cancel.cancel();
                }
                self.queued.clear();
                self.open_engine();
            }
            Command::ShowTraining => self.train.open = true,
            Command::UseHead { switch_to } => {
                if switch_to.is_some() {
                    self.settings.pack = switch_to;
                }
                self.apply(Command::ReopenEngine);
            }
            Command::PickDataDir => self.tasks.spawn_maybe("pick-data-dir", || {
                rfd::FileDialog::new()
                    .set_title("Choose the data folder")
                    .pick_folder()
                    .map(Bg::DataDirPicked)
            }),
            Command::DismissMessages => self.messages.clear(),
        }
    }
}
