//! Folding what the workers report into the workspace, and handing the front end its events.
//!
//! Split from `mod.rs` so the requests and the reactions each read in one place. The workspace reacts
//! first (new photos: refresh the search worker's vectors and, at most every [`LIBRARY_REFRESH`], the
//! library snapshot; a run ended: reload, re-read, start what was queued) and then passes every event on,
//! so the front end only draws.

use std::sync::Arc;
use std::time::Duration;

use super::{Done, Event, TrainMsg, Workspace};
use crate::jobs::JobEvent;
use crate::search::worker::{Request, Response, SearchWorker};
use crate::workspace::models::ModelsEvent;

/// How often the library snapshot is re-read while indexing runs.
pub const LIBRARY_REFRESH: Duration = Duration::from_millis(700);

impl Workspace {
    /// Everything that happened since the last call, after the workspace has reacted to it. Call it
    /// whenever the waker fires (the GUI: every frame, in `App::logic`).
    pub fn poll(&mut self) -> Vec<Event> {
        let mut out = std::mem::take(&mut self.pending);
        for d in self.tasks.drain() {
            self.on_done(d, &mut out);
        }
        for e in self.indexing.drain() {
            self.on_index(&e);
            out.push(Event::Index(e));
        }
        if !self.indexing.busy() && !self.queued.is_empty() && self.engine.is_some() {
            let roots = std::mem::take(&mut self.queued);
            self.index(roots);
        }
        if let Some(w) = &self.search {
            out.extend(w.responses.try_iter().map(Event::Search));
        }
        for m in self.training.drain() {
            out.push(match m {
                TrainMsg::Progress(e) => Event::Train(e),
                TrainMsg::Done(r) => {
                    // The run indexed the caption set's photos under a remembered folder.
                    if let Some(w) = &self.search {
                        w.send(Request::Reload);
                    }
                    self.refresh_library();
                    Event::Trained(r.map_err(Arc::new))
                }
            });
        }
        for e in self.models.poll() {
            if matches!(e, ModelsEvent::Done { .. }) {
                // An install, removal or import changed the packs folder.
                self.refresh_packs();
            }
            out.push(Event::Models(e));
        }
        self.poll_notes(&mut out);
        out.append(&mut self.pending);
        out
    }

    fn on_index(&mut self, event: &JobEvent) {
        match event {
            JobEvent::Progress { .. } => {
                if let Some(w) = &self.search {
                    w.send(Request::Refresh);
                }
                if self.library_read_at.elapsed() > LIBRARY_REFRESH {
                    self.refresh_library();
                }
            }
            e if e.is_terminal() => {
                if let Some(w) = &self.search {
                    w.send(Request::Reload);
                }
                self.refresh_library();
            }
            _ => {}
        }
    }

    fn on_done(&mut self, d: Done, out: &mut Vec<Event>) {
        match d {
            Done::EngineOpened { epoch, result } if epoch == self.epoch => match result {
                Ok(engine) => {
                    self.engine_ready(engine);
                    out.push(Event::EngineOpened);
                }
                Err(e) => {
                    let e = Arc::new(e);
                    self.engine_error = Some(Arc::clone(&e));
                    out.push(Event::EngineFailed(e));
                }
            },
            Done::Library { epoch, result } if epoch == self.epoch => {
                self.library_loading = false;
                match result {
                    Ok(lib) => {
                        self.library = lib;
                        out.push(Event::LibraryChanged);
                    }
                    Err(e) => self.notice(format!("Cannot read the index: {e}"), true),
                }
                if std::mem::take(&mut self.library_dirty) {
                    self.refresh_library();
                }
                if std::mem::take(&mut self.rescan_when_loaded) {
                    self.index(Vec::new());
                }
            }
            Done::FolderRemoved { epoch, path, result } if epoch == self.epoch => {
                match result {
                    Ok(n) => self.notice(format!("Removed {} ({n} photos)", path.display()), false),
                    Err(e) => self.notice(format!("Cannot remove {}: {e}", path.display()), true),
                }
                if let Some(w) = &self.search {
                    w.send(Request::Reload);
                }
                self.refresh_library();
            }
            Done::EngineOpened { .. } | Done::Library { .. } | Done::FolderRemoved { .. } => {}
            Done::Packs(p) => {
                self.packs = p;
                out.push(Event::Packs);
            }
            Done::PathsChecked(c) => {
                c.errors.into_iter().for_each(|e| self.notice(e, true));
                if !c.ok.is_empty() {
                    self.index(c.ok);
                }
            }
            Done::Exported { dir, result } => match result {
                Ok(n) => self.notice(format!("Exported {n} photos to {}", dir.display()), false),
                Err(e) => self.notice(format!("Cannot export to {}: {e}", dir.display()), true),
            },
            Done::Saved(result) => out.push(Event::HeadSaved(result.map_err(Arc::new))),
            Done::ListExported { name, result } => out.push(super::shortlists::exported_notice(&name, &result)),
        }
    }

    fn engine_ready(&mut self, engine: Arc<crate::engine::Engine>) {
        self.engine_error = None;
        match SearchWorker::spawn(Arc::clone(&engine), Arc::clone(&self.waker)) {
            Ok(w) => self.search = Some(w),
            Err(e) => self.pending.push(Event::Search(Response::Unavailable(Arc::new(e)))),
        }
        self.engine = Some(engine);
        self.refresh_library();
        let queued = std::mem::take(&mut self.queued);
        if !queued.is_empty() {
            self.index(queued);
        }
        self.rescan_when_loaded = true;
    }
}
