//! Applying [`Command`]s: the only place panels' requests change the app.
//!
//! Kept apart from `app.rs` so the frame loop stays readable; every arm either updates view state, asks
//! the workspace, or hands desktop work (dialogs, clipboard) to a GUI task; none blocks.

use std::path::PathBuf;

use super::app::VignetteApp;
use super::command::Command;
use super::tasks::{self, Bg};
use crate::error::Error;

impl VignetteApp {
    /// Apply one command (end of frame).
    pub(super) fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::None => {}
            Command::AddPaths(paths) => self.workspace.add_paths(paths),
            Command::PickFolder => self.spawn_maybe("pick-folder", || {
                rfd::FileDialog::new()
                    .set_title("Add a photo folder")
                    .pick_folders()
                    .map(Bg::PathsPicked)
            }),
            Command::RemoveFolder(path) => self.workspace.remove_folder(path),
            Command::Rescan(one) => self.workspace.index(one.into_iter().collect()),
            Command::CancelIndexing => self.workspace.cancel_indexing(),
            Command::Search => self.send_query(),
            Command::ShowPassage => self.passage.open = true,
            Command::OpenPassage => self.open_passage(),
            Command::Illustrate => self.illustrate(),
            Command::Pick { path, prompt, score } => self.pick(&path, &prompt, score),
            Command::ExpandGroup(id) => {
                self.filter_bar.expanded.insert(id);
                self.rebuild_items();
            }
            Command::Select { index, mode } => {
                let n = self.visible_items().len();
                self.selection.click(index, mode, &self.items[..n]);
            }
            Command::MoveFocus(delta) => {
                let n = self.visible_items().len();
                self.selection.move_focus(delta, n, &self.items[..n]);
            }
            Command::CopyImage(path) => self.spawn("clipboard", move || tasks::copy_image(&path)),
            Command::CopyPath(path) => {
                self.ctx.copy_text(path.display().to_string());
                self.notify(format!("Copied the path of {}", tasks::file_name(&path)), false);
            }
            Command::Open(path) => self.spawn("open", move || tasks::open_path(&path)),
            Command::ShowInFolder(path) => {
                let dir = path.parent().map_or(path.clone(), std::path::Path::to_path_buf);
                self.spawn("open", move || tasks::open_path(&dir));
            }
            Command::ExportSelection => {
                let paths: Vec<PathBuf> = self.selection.paths(self.visible_items());
                if paths.is_empty() {
                    return;
                }
                self.spawn_maybe("export", move || {
                    let dir = rfd::FileDialog::new()
                        .set_title("Export the selected photos to")
                        .pick_folder()?;
                    Some(Bg::ExportTo { paths, dir })
                });
            }
            Command::MoreLikeThis(path) => {
                self.search.query = format!("\"{}\"", path.display());
                self.send_query();
            }
            Command::ReopenEngine => self.open_engine(),
            Command::ShowTraining => self.train.open = true,
            Command::StartTraining => {
                if let Some(plan) = self.train.plan() {
                    let started = self.workspace.train(plan);
                    self.train.started(started);
                }
            }
            Command::CancelTraining => self.workspace.cancel_training(),
            Command::SaveHead(name) => {
                if let Some((engine, head, folders)) = self.train.trained_head() {
                    self.workspace.save_head(engine, head, name, folders);
                }
            }
            Command::UseHead { switch_to } => {
                if switch_to.is_some() {
                    self.settings.pack = switch_to;
                }
                self.apply(Command::ReopenEngine);
            }
            Command::PickDataDir => self.spawn_maybe("pick-data-dir", || {
                rfd::FileDialog::new()
                    .set_title("Choose the data folder")
                    .pick_folder()
                    .map(Bg::DataDirPicked)
            }),
            Command::DismissMessages => self.messages.clear(),
            c @ (Command::TogglePin(_)
            | Command::Note(_)
            | Command::UseList(_)
            | Command::RenameList { .. }
            | Command::ExportList
            | Command::PickExportDir
            | Command::CopyListPaths
            | Command::FocusSearch
            | Command::ShowPreview
            | Command::ToggleHelp
            | Command::ExportCaptions
            | Command::WriteSidecars
            | Command::InstallPack(_)) => self.apply_picks(c),
        }
    }
}

impl VignetteApp {
    /// Start ranking the Passage window's text with the filter bar's filters (a task thread).
    pub(super) fn illustrate(&mut self) {
        let Some(engine) = self.workspace.engine().cloned() else {
            self.passage.finished(Err(std::sync::Arc::new(Error::Passage(
                "the model pack is not open yet".into(),
            ))));
            return;
        };
        let opts = crate::workspace::illustrate::IllustrateOptions {
            unit: if self.passage.sentences {
                crate::workspace::illustrate::Unit::Sentences
            } else {
                crate::workspace::illustrate::Unit::Paragraphs
            },
            top: self.passage.top.max(1),
            refine: self.filter_bar.refine(),
            min_score: f32::NEG_INFINITY,
        };
        let text = self.passage.text.clone();
        self.spawn("illustrate", move || {
            let r = crate::workspace::illustrate::illustrate_with_engine(engine, &text, &opts);
            super::tasks::Bg::Illustrated(r.map_err(std::sync::Arc::new))
        });
    }

    /// Read a passage from a file picked in a dialog (off the UI thread).
    fn open_passage(&mut self) {
        self.spawn_maybe("open-passage", || {
            let file = rfd::FileDialog::new()
                .set_title("Open a passage")
                .add_filter("Text", &["md", "markdown", "txt"])
                .pick_file()?;
            let text = std::fs::read(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))
                .and_then(|b| String::from_utf8(b).map_err(|_| format!("{} is not UTF-8 text", file.display())));
            Some(Bg::PassageLoaded(text))
        });
    }

    /// Add a photo picked for `prompt` (a paragraph of the Passage window) to the current shortlist.
    pub(super) fn pick(&mut self, path: &std::path::Path, prompt: &str, score: f32) {
        let short: String = prompt.chars().take(40).collect();
        let name = super::tasks::file_name(path);
        let list = self.settings.current_list.clone();
        let pick = crate::workspace::notes::Pick::new(path.to_path_buf(), prompt, Some(score));
        self.workspace.note(crate::workspace::notes::worker::Op::AddPick {
            list: list.clone(),
            pick,
        });
        self.notify(format!("Picked {name} for “{short}” into {list}"), false);
    }
}
