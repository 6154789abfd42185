//! Folding what the workspace and the GUI's own tasks report into the view.
//!
//! Split from `app.rs` so the frame loop and construction stay short. Every handler runs inside
//! `App::logic`, takes an owned event (the workspace has already reacted to it: refreshed the search
//! worker, re-read the library, started queued work) and only updates what the window shows.

use std::sync::Arc;

use crate::jobs::JobEvent;
use crate::search::SearchOptions;
use crate::search::filter::Refine;
use crate::search::worker::Response;
use crate::workspace::Event;

use super::app::{MAX_RESULTS, VignetteApp};
use super::command::Command;
use super::grid::Item;
use super::tasks::Bg;
use super::thumbs::Thumbs;

impl VignetteApp {
    pub(super) fn on_event(&mut self, event: Event) {
        match event {
            Event::EngineOpened => {
                if let Some(engine) = self.workspace.engine() {
                    match Thumbs::spawn(Arc::clone(engine), Arc::clone(&self.waker)) {
                        Ok(t) => self.thumbs = Some(t),
                        Err(e) => self.notify(e.to_string(), true),
                    }
                }
                self.send_query();
            }
            Event::EngineFailed(_) | Event::Packs | Event::Notes => {}
            Event::Train(e) => self.train.progress(e),
            Event::LibraryChanged => {
                self.tray.library_changed(&self.workspace.library().photos);
                if self.search.hits.is_none() {
                    self.rebuild_items();
                }
            }
            Event::IndexStarted => self.job_view.begin(),
            Event::Index(e) => self.on_job_event(e),
            Event::Search(r) => self.on_search(r),
            Event::Trained(r) => self.train.trained(r),
            Event::HeadSaved(result) => {
                if let Ok(s) = &result {
                    self.commands.push(Command::UseHead {
                        switch_to: s.switch_to.clone(),
                    });
                }
                self.train.saved(result);
            }
            Event::Models(e) => self.models.on_event(e),
            Event::Notice { text, error } => self.notify(text, error),
        }
    }

    fn on_job_event(&mut self, event: JobEvent) {
        let terminal = event.is_terminal();
        if terminal {
            if let JobEvent::Failed(e) = &event {
                self.notify(format!("Indexing failed: {e}"), true);
            }
            if let Some(t) = &mut self.thumbs {
                t.retry_failed();
            }
        }
        self.job_view.apply(event);
        // Photos may have changed without the count changing: rank again against the reloaded vectors.
        if terminal && self.search.hits.is_some() {
            self.send_query();
        }
    }

    fn on_search(&mut self, r: Response) {
        match r {
            Response::Searchable(n) => {
                let changed = n != self.search.searchable;
                self.search.searchable = n;
                if changed && self.search.hits.is_some() {
                    self.send_query();
                }
            }
            Response::Unavailable(e) => {
                self.search.unavailable = Some(e.to_string());
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
                    Err(e) => self.search.error = Some(e.to_string()),
                }
            }
        }
    }

    pub(super) fn send_query(&mut self) {
        self.search.generation += 1;
        let query = self.search.query.trim().to_owned();
        // With no prompt the grid is the library; the search thread filters, orders and groups it
        // only when the filter bar asks for something.
        let refine = self.filter_bar.refine();
        if query.is_empty() && refine == Refine::default() {
            self.search.ranking = false;
            self.search.error = None;
            self.search.hits = None;
            self.rebuild_items();
            return;
        }
        let opts = SearchOptions {
            k: MAX_RESULTS,
            min_score: self.filter_bar.min_score_for_query(self.settings.min_score),
        };
        self.filter_bar.expanded.clear();
        if self
            .workspace
            .search_refined(self.search.generation, query, opts, refine)
        {
            self.search.ranking = true;
        }
    }

    pub(super) fn rebuild_items(&mut self) {
        self.items = match &self.search.hits {
            Some(hits) => super::filter_bar::items(hits, &self.filter_bar.expanded),
            None => self
                .workspace
                .library()
                .photos
                .iter()
                .map(|(id, p)| Item {
                    id: *id,
                    path: p.clone(),
                    score: None,
                    more: 0,
                })
                .collect(),
        };
        self.selection.retain_existing(&self.items);
    }

    pub(super) fn on_bg(&mut self, m: Bg) {
        match m {
            Bg::PathsPicked(paths) => self.workspace.add_paths(paths),
            Bg::ExportTo { paths, dir } => self.workspace.export(paths, dir),
            Bg::Preview { id, meta, image } => self.preview.loaded(&self.ctx, id, meta, image),
            Bg::DataDirPicked(d) => {
                self.settings.data_dir = Some(d);
                self.commands.push(Command::ReopenEngine);
            }
            Bg::PassageLoaded(t) => self.passage.loaded(t),
            Bg::Illustrated(r) => self.passage.finished(r),
            Bg::PackHint(h) => self.first_run.hint_loaded(h, &self.settings),
            Bg::ExportDirPicked(d) => self.settings.export_dir = d.display().to_string(),
            Bg::Info(t) => self.notify(t, false),
            Bg::Failed(e) => self.notify(e.to_string(), true),
        }
    }
}
