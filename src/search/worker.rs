//! A search thread for interactive front ends: the latest query wins.
//!
//! Each request carries a generation number. The worker drains its queue before working and answers only
//! the newest query, so typing fast never builds a backlog; the front end drops any response whose
//! generation is older than the last it sent. Refresh requests (photos indexed meanwhile) are applied
//! before the query so new photos join the ranking live.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::jobs::{Waker, spawn_thread};
use crate::search::filter::Refine;
use crate::search::{Hit, SearchOptions, Searcher};

/// What the front end asks for.
#[derive(Debug, Clone)]
pub enum Request {
    /// Rank by `query`; answered with the same `generation`.
    Query {
        generation: u64,
        query: String,
        opts: SearchOptions,
        /// Filters, order and near-duplicate grouping.
        refine: Refine,
    },
    /// Photos were added: load new vectors.
    Refresh,
    /// Photos were removed or changed: reload all vectors.
    Reload,
}

/// What the worker answers.
#[derive(Debug, Clone)]
pub enum Response {
    /// Results of the query with this generation, or why it failed.
    Results {
        generation: u64,
        hits: std::result::Result<Vec<Hit>, Arc<Error>>,
        took: Duration,
        searchable: usize,
    },
    /// The worker could not start (e.g. no ONNX Runtime); searching is unavailable.
    Unavailable(Arc<Error>),
    /// Number of searchable photos changed.
    Searchable(usize),
}

/// Handle to the search thread; dropping it stops the thread.
pub struct SearchWorker {
    tx: Sender<Request>,
    pub responses: Receiver<Response>,
}

impl SearchWorker {
    /// Start the thread; the searcher (model session, vectors) is built on it, never on the caller's.
    pub fn spawn(engine: Arc<Engine>, waker: Waker) -> Result<SearchWorker> {
        let (tx, rx) = unbounded::<Request>();
        let (rtx, responses) = unbounded::<Response>();
        spawn_thread("search", move || run(&engine, &rx, &rtx, &waker))?;
        Ok(SearchWorker { tx, responses })
    }

    /// Queue a request (never blocks).
    pub fn send(&self, r: Request) {
        let _ = self.tx.send(r);
    }
}

fn run(engine: &Arc<Engine>, rx: &Receiver<Request>, tx: &Sender<Response>, waker: &Waker) {
    let send = |r: Response| {
        let _ = tx.send(r);
        waker();
    };
    let mut searcher = match Searcher::new(Arc::clone(engine)) {
        Ok(s) => s,
        Err(e) => {
            send(Response::Unavailable(Arc::new(e)));
            return;
        }
    };
    send(Response::Searchable(searcher.len()));
    while let Ok(first) = rx.recv() {
        let mut latest = None;
        let (mut refresh, mut reload) = (false, false);
        for r in std::iter::once(first).chain(rx.try_iter()) {
            match r {
                Request::Query { .. } => latest = Some(r),
                Request::Refresh => refresh = true,
                Request::Reload => reload = true,
            }
        }
        let before = searcher.len();
        let changed = if reload {
            searcher.reload().is_ok()
        } else {
            refresh && searcher.refresh().is_ok_and(|n| n > 0)
        };
        if changed || searcher.len() != before {
            send(Response::Searchable(searcher.len()));
        }
        if let Some(Request::Query {
            generation,
            query,
            opts,
            refine,
        }) = latest
        {
            let t = Instant::now();
            let hits = searcher.search_refined(&query, opts, &refine).map_err(Arc::new);
            send(Response::Results {
                generation,
                hits,
                took: t.elapsed(),
                searchable: searcher.len(),
            });
        }
    }
}
