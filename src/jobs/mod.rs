//! Background jobs: the one way the core runs work off the caller's thread.
//!
//! Every background task (indexing, training, a model install, a one-shot read of the library) is a
//! [`Job`]: a named thread, a channel of typed events, a [`CancelToken`], and a [`Waker`] the thread calls
//! after it sends (never while holding a lock) so the GUI can request a repaint and the CLI redraw its bar.
//! Progress events go through [`Reporter::progress`], which wakes at most every [`WAKE_EVERY`] (a download
//! reports thousands of reads; the window needs one repaint per frame at most); everything else wakes at
//! once. A thread that cannot start is an [`Error::Thread`], never a panic. [`JobSlot`] makes a kind of job
//! single-flight: a second start while one runs is refused with [`Error::Busy`], not queued behind the
//! user's back. [`Tasks`] runs one-shot functions whose single result comes back on a shared channel.
//!
//! Cancellation itself lives in the leaf module [`crate::cancel`] so that the model manager and the
//! trainer can take a token without depending on this module.

mod index_job;
mod slot;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};

pub use crate::cancel::CancelToken;
use crate::error::{Error, Result};
pub use index_job::{IndexRequest, IndexSummary, THUMB_SIDE, run_index};
pub use slot::{JobSlot, Tasks};

/// Called by workers after they publish something new (repaint, redraw, or nothing).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A waker that does nothing (tests, batch use).
pub fn no_waker() -> Waker {
    Arc::new(|| {})
}

/// Longest gap between wake-ups caused by progress events alone.
pub const WAKE_EVERY: Duration = Duration::from_millis(100);

/// The sending side a job's body reports through.
pub struct Reporter<E> {
    tx: Sender<E>,
    waker: Waker,
    last_wake: Mutex<Option<Instant>>,
}

impl<E> Reporter<E> {
    fn new(tx: Sender<E>, waker: Waker) -> Self {
        Reporter {
            tx,
            waker,
            last_wake: Mutex::new(None),
        }
    }

    /// Send an event and wake the front end.
    pub fn send(&self, event: E) {
        let _ = self.tx.send(event);
        self.wake(true);
    }

    /// Send a progress event; wakes only when [`WAKE_EVERY`] has passed since the last wake-up (front ends
    /// keep polling while a job runs, so the latest value shows within that time either way).
    pub fn progress(&self, event: E) {
        let _ = self.tx.send(event);
        self.wake(false);
    }

    fn wake(&self, always: bool) {
        let due = {
            let Ok(mut last) = self.last_wake.lock() else {
                return (self.waker)();
            };
            let due = always || last.is_none_or(|t| t.elapsed() >= WAKE_EVERY);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        // The lock is released: a waker that re-enters the front end cannot deadlock on it.
        if due {
            (self.waker)();
        }
    }
}

/// A running job: its events, its cancel token, its thread.
pub struct Job<E> {
    pub events: Receiver<E>,
    pub cancel: CancelToken,
    thread: Option<JoinHandle<()>>,
}

impl<E> Job<E> {
    /// Whether the worker thread has ended (its last events may still wait in `events`).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Ask the job to stop.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Wait for the worker thread.
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start a named thread (`vignette-{name}`); a thread that cannot start is an error.
pub fn spawn_thread<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> Result<JoinHandle<T>> {
    std::thread::Builder::new()
        .name(format!("vignette-{name}"))
        .spawn(f)
        .map_err(|source| Error::Thread {
            name: name.to_owned(),
            source,
        })
}

/// Run `body` as a job on its own thread. `body` reports through the [`Reporter`] and checks the token.
pub fn spawn<E: Send + 'static>(
    name: &str,
    waker: Waker,
    cancel: CancelToken,
    body: impl FnOnce(&Reporter<E>, &CancelToken) + Send + 'static,
) -> Result<Job<E>> {
    let (tx, events) = unbounded();
    let token = cancel.clone();
    let thread = spawn_thread(name, move || body(&Reporter::new(tx, waker), &token))?;
    Ok(Job {
        events,
        cancel,
        thread: Some(thread),
    })
}

/// Progress of a job, in the order a job sends them: `Started`, then any of `Progress`/`Skipped`/`Note`,
/// then exactly one of `Finished`, `Cancelled` or `Failed`.
#[derive(Debug, Clone)]
pub enum JobEvent {
    Started {
        total: usize,
    },
    Progress {
        done: usize,
        total: usize,
        per_second: f64,
    },
    Skipped {
        path: PathBuf,
        reason: String,
    },
    /// Something worth telling the user that is not a failure (e.g. the execution provider in use).
    Note(String),
    Finished(IndexSummary),
    Cancelled(IndexSummary),
    /// The run failed; what it committed before stays.
    Failed(Arc<Error>),
}

impl JobEvent {
    /// Whether this event ends the job.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobEvent::Finished(_) | JobEvent::Cancelled(_) | JobEvent::Failed(_)
        )
    }
}

/// Index on a background thread: [`run_index`] as a [`Job`] whose last event is terminal.
pub fn spawn_index(
    engine: Arc<crate::engine::Engine>,
    req: IndexRequest,
    waker: Waker,
    cancel: CancelToken,
) -> Result<Job<JobEvent>> {
    spawn("index", waker, cancel, move |out: &Reporter<JobEvent>, cancel| {
        let emit = |e: JobEvent| match e {
            JobEvent::Progress { .. } => out.progress(e),
            e => out.send(e),
        };
        if let Err(e) = run_index(&engine, &req, &emit, cancel) {
            out.send(JobEvent::Failed(Arc::new(e)));
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn a_job_sends_typed_events_and_wakes() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&wakes);
        let waker: Waker = Arc::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        });
        let job = spawn("test", waker, CancelToken::new(), |out: &Reporter<u32>, _| {
            (0..50).for_each(|i| out.progress(i));
            out.send(99);
        })
        .expect("spawn");
        let events: Vec<u32> = job.events.iter().collect();
        assert_eq!(events.len(), 51);
        assert_eq!(events.last(), Some(&99));
        let n = wakes.load(Ordering::SeqCst);
        assert!(
            (2..=10).contains(&n),
            "progress wakes are rate-limited, the last event always wakes: {n}"
        );
    }

    #[test]
    fn a_job_sees_its_cancel_token() {
        let job = spawn(
            "test",
            no_waker(),
            CancelToken::new(),
            |out: &Reporter<bool>, cancel| {
                while !cancel.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                out.send(true);
            },
        )
        .expect("spawn");
        job.cancel();
        assert_eq!(job.events.recv().ok(), Some(true));
    }
}
