//! The workspace's side of the writer's notes: shortlists and captions as requests and events.
//!
//! The store lives in the data folder, not in the index (see [`super::notes`]), so it is opened when the
//! workspace starts and again only when the data folder changes, never on a pack switch. Changes go to the
//! notes thread in order; [`Event::Notes`] tells the front end a new snapshot is in. Exports run as
//! one-shot tasks like the library export.

use std::path::PathBuf;
use std::sync::Arc;

use super::notes::worker::{NotesHandle, Op, Snapshot};
use super::shortlist_export::{ExportOptions, ExportReport, export_shortlist};
use super::{Done, Event, Workspace};
use crate::error::Result;

impl Workspace {
    /// The last snapshot of shortlists and captions (empty until first read).
    pub fn notes(&self) -> &Snapshot {
        static EMPTY: std::sync::OnceLock<Snapshot> = std::sync::OnceLock::new();
        self.notes
            .as_ref()
            .map_or_else(|| EMPTY.get_or_init(Snapshot::default), NotesHandle::snapshot)
    }

    /// Whether the store has been read since the workspace started.
    pub fn notes_loaded(&self) -> bool {
        self.notes.as_ref().is_some_and(NotesHandle::loaded)
    }

    /// Change the shortlists or captions; [`Event::Notes`] follows once it is on disk.
    pub fn note(&mut self, op: Op) {
        match &self.notes {
            Some(n) => n.send(op),
            None => self.notice("The picks and captions store is not open".into(), true),
        }
    }

    /// Export `list` into `dir` off the caller's thread ([`export_shortlist`]).
    pub fn export_list(&mut self, list: &str, dir: PathBuf, opts: ExportOptions) {
        let Some(l) = self.notes().list(list) else {
            self.notice(format!("There is no list named {list:?}"), true);
            return;
        };
        let (picks, name) = (l.picks.clone(), l.name.clone());
        self.spawn("export-list", move || Done::ListExported {
            name,
            result: export_shortlist(&picks, &dir, opts),
        });
    }

    /// (Re)start the notes thread when the data folder is not the one it serves.
    pub(super) fn open_notes(&mut self) {
        if self.notes.as_ref().is_some_and(|n| n.dir() == self.config.data_dir) {
            return;
        }
        self.notes = None;
        match NotesHandle::start(&self.config.data_dir, Arc::clone(&self.waker)) {
            Ok(h) => self.notes = Some(h),
            Err(e) => self.notice(format!("Picks and captions are unavailable: {e}"), true),
        }
    }

    /// Fold in the notes thread's replies.
    pub(super) fn poll_notes(&mut self, out: &mut Vec<Event>) {
        let Some(n) = self.notes.as_mut() else {
            return;
        };
        let (changed, errors) = n.poll();
        if changed {
            out.push(Event::Notes);
        }
        out.extend(errors.into_iter().map(|e| Event::Notice {
            text: e.to_string(),
            error: true,
        }));
    }
}

/// The line to show when a list export ends.
pub(super) fn exported_notice(name: &str, result: &Result<ExportReport>) -> Event {
    match result {
        Ok(r) => {
            let mut text = format!("Exported {} of {name:?} with {}", count(r.files.len()), r.csv.display());
            if let Some((p, why)) = r.skipped.first() {
                text.push_str(&format!("; skipped {}: {why}: {}", r.skipped.len(), p.display()));
            }
            Event::Notice {
                text,
                error: !r.skipped.is_empty(),
            }
        }
        Err(e) => Event::Notice {
            text: format!("Cannot export {name:?}: {e}"),
            error: true,
        },
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 photo".into()
    } else {
        format!("{n} photos")
    }
}
