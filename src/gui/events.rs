//! Folding what the workers report into the app: indexing events, search answers, background results.
//!
//! Split from `app.rs` so the frame loop and construction stay short. Every handler runs inside
//! `App::logic`, takes an owned message from a channel drained with `try_iter`, and only updates state or
//! starts more background work.

use crate::jobs::JobEvent;
use crate::search::SearchOptions;
use crate::search::worker::{Request, Response};

use super::app::{Command, LIBRARY_REFRESH, MAX_RESULTS, VignetteApp};
use super::grid::Item;
use super::tasks::Bg;

impl VignetteApp {
    pub(super) fn on_job_event(&mut self, event: JobEvent) {
        match &event {
            JobEvent::Progress { .. } => {
                if let Some(w) = &self.search_worker {
                    w.send(Request::Refresh);
                }
                if self.library_read_at.elapsed() > LIBRARY_REFRESH {
                    self.refresh_library();
                }
            }
            JobEvent::Finished(_) | JobEvent::Cancelled(_) | JobEvent::Failed(_) => {
                if let Some(w) = &self.search_worker {
                    w.send(Request::Reload);
                }
                if let JobEvent::Failed(e) = &event {
                    self.notify(format!("Indexing failed: {e}"), true);
                }
                if let Some(t) = &mut self.thumbs {
                    t.retry_failed();
                }
                self.refresh_library();
            }
            _ => {}
        }
        let terminal = event.is_terminal();
        self.job_view.apply(event);
        if terminal {
            self.job = None;
            // Photos may have changed without the count changing: rank again against the reloaded vectors.
            if self.search.hits.is_some() {
                self.send_query();
            }
            if !self.queued.is_empty() {
                let roots = std::mem::take(&mut self.queued);
                self.start_index(roots);
            }
        }
    }

    pub(super) fn on_search(&mut self, r: Response) {
        match r {
            Response::Searchable(n) => {
                let changed = n != self.search.searchable;
                self.search.searchable = n;
                if changed && self.search.hits.is_some() {
                    self.send_query();
                }
            }
            Response::Unavailable(e) => {
                self.search.unavailable = Some(e);
                self.search.ranking = false;
            }
            Response::Results {
                generation,
                hits,
                took,
                searchable,
            } => {
                if generation < self.search.generation {
                    return;
                }
                self.search.ranking = false;
                self.search.searchable = searchable;
                self.search.took = took;
                match hits {
                    Ok(h) => {
                        self.search.error = None;
                        self.search.hits = Some(h);
                        self.rebuild_items();
                    }
                    Err(e) => self.search.error = Some(e),
                }
            }
        }
    }

    pub(super) fn send_query(&mut self) {
        self.search.generation += 1;
        let query = self.search.query.trim().to_owned();
        if query.is_empty() {
            self.search.ranking = false;
            self.search.error = None;
            self.search.hits = None;
            self.rebuild_items();
            return;
        }
        if let Some(w) = &self.search_worker {
            self.search.ranking = true;
            let opts = SearchOptions {
                k: MAX_RESULTS,
                min_score: f32::NEG_INFINITY,
            };
            w.send(Request::Query {
                generation: self.search.generation,
                query,
                opts,
            });
        }
    }

    pub(super) fn rebuild_items(&mut self) {
        self.items = match &self.search.hits {
            Some(hits) => hits
                .iter()
                .map(|h| Item {
                    id: h.id,
                    path: h.path.clone(),
                    score: Some(h.score),
                })
                .collect(),
            None => self
                .library
                .photos
                .iter()
                .map(|(id, p)| Item {
                    id: *id,
                    path: p.clone(),
                    score: None,
                })
                .collect(),
        };
        self.selection.retain_existing(&self.items);
    }

    pub(super) fn on_bg(&mut self, m: Bg) {
        match m {
            Bg::EngineOpened { epoch, result } if epoch == self.epoch => match result {
                Ok(engine) => self.engine_ready(engine),
                Err(e) => self.engine_error = Some(e),
            },
            Bg::Library { epoch, result } if epoch == self.epoch => {
                self.library_loading = false;
                match result {
                    Ok(lib) => {
                        self.library = lib;
                        if self.search.hits.is_none() {
                            self.rebuild_items();
                        }
                    }
                    Err(e) => self.notify(format!("Cannot read the index: {e}"), true),
                }
                if std::mem::take(&mut self.library_dirty) {
                    self.refresh_library();
                }
                if std::mem::take(&mut self.job_view.rescan_when_loaded) {
                    self.start_index(Vec::new());
                }
            }
            Bg::PathsChecked { ok, errors } => {
                errors.into_iter().for_each(|e| self.notify(e, true));
                if !ok.is_empty() {
                    self.start_index(ok);
                }
            }
            Bg::FolderRemoved { epoch, path, result } if epoch == self.epoch => {
                match result {
                    Ok(n) => self.notify(format!("Removed {} ({n} photos)", path.display()), false),
                    Err(e) => self.notify(format!("Cannot remove {}: {e}", path.display()), true),
                }
                if let Some(w) = &self.search_worker {
                    w.send(Request::Reload);
                }
                if self.search.hits.is_some() {
                    self.send_query();
                }
                self.refresh_library();
            }
            Bg::Preview { id, meta, image } => self.preview.loaded(&self.ctx, id, meta, image),
            Bg::InstalledPacks(p) => self.packs = p,
            Bg::DataDirPicked(d) => {
                self.settings.data_dir = Some(d);
                self.commands.push(Command::ReopenEngine);
            }
            Bg::Info(t) => self.notify(t, false),
            Bg::Error(t) => self.notify(t, true),
            Bg::EngineOpened { .. } | Bg::Library { .. } | Bg::FolderRemoved { .. } => {}
        }
    }
}
