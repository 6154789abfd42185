//! Background jobs: threads, channels, progress and cancellation, still UI-free.
//!
//! Front ends see a job as a [`JobHandle`]: a receiver of [`JobEvent`]s and a [`CancelToken`]. Workers
//! call the [`Waker`] after sending an event (never while holding a lock) so the GUI can request a repaint
//! and the CLI redraw its bar. Cancellation is checked between batches; an ONNX run in flight is aborted
//! through hooks registered on the token (`RunOptions::terminate`). [`JobSlot`] makes a kind of job
//! single-flight: a second start while one runs is refused, not queued behind the user's back.

mod index_job;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::Receiver;

pub use index_job::{IndexRequest, IndexSummary, run_index, spawn_index};

/// Called by workers after they publish something new (repaint, redraw, or nothing).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A waker that does nothing (tests, batch use).
pub fn no_waker() -> Waker {
    Arc::new(|| {})
}

type Hook = Box<dyn Fn() + Send + Sync>;

/// Shared cancellation flag with hooks that run once on cancel.
#[derive(Clone, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
    hooks: Arc<Mutex<Vec<Hook>>>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask the job to stop; runs the hooks (outside the flag's ordering, once).
    pub fn cancel(&self) {
        if !self.flag.swap(true, Ordering::SeqCst) {
            let hooks = self
                .hooks
                .lock()
                .map(|mut h| std::mem::take(&mut *h))
                .unwrap_or_default();
            hooks.iter().for_each(|h| h());
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Run `hook` when cancelled (at once if already cancelled).
    pub fn on_cancel(&self, hook: impl Fn() + Send + Sync + 'static) {
        if self.is_cancelled() {
            hook();
        } else if let Ok(mut h) = self.hooks.lock() {
            h.push(Box::new(hook));
        }
    }
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
    Failed(String),
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

/// A running job.
pub struct JobHandle {
    pub events: Receiver<JobEvent>,
    pub cancel: CancelToken,
    thread: Option<JoinHandle<()>>,
}

impl JobHandle {
    pub(crate) fn new(events: Receiver<JobEvent>, cancel: CancelToken, thread: JoinHandle<()>) -> Self {
        JobHandle {
            events,
            cancel,
            thread: Some(thread),
        }
    }

    /// Whether the worker thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Wait for the worker thread.
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Holds at most one running job of a kind.
#[derive(Default)]
pub struct JobSlot {
    cancel: Option<CancelToken>,
    running: Arc<AtomicBool>,
}

impl JobSlot {
    /// Whether a job is running in this slot.
    pub fn busy(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// Start `f` unless a job is running; `f` gets a guard that frees the slot when dropped.
    pub fn try_start<T>(&mut self, f: impl FnOnce(SlotGuard, CancelToken) -> T) -> Option<T> {
        if self.running.swap(true, Ordering::SeqCst) {
            return None;
        }
        let token = CancelToken::new();
        self.cancel = Some(token.clone());
        Some(f(SlotGuard(Arc::clone(&self.running)), token))
    }

    /// Cancel the running job, if any.
    pub fn cancel(&self) {
        if let Some(t) = &self.cancel {
            t.cancel();
        }
    }
}

/// Frees a [`JobSlot`] when dropped (the job's thread owns it).
pub struct SlotGuard(Arc<AtomicBool>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_is_single_flight() {
        let mut slot = JobSlot::default();
        let guard = slot.try_start(|g, _| g).expect("first start");
        assert!(slot.busy());
        assert!(slot.try_start(|g, _| g).is_none());
        drop(guard);
        assert!(!slot.busy());
        assert!(slot.try_start(|_, _| ()).is_some());
    }

    #[test]
    fn cancel_runs_hooks_once() {
        let t = CancelToken::new();
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let h = Arc::clone(&hits);
        t.on_cancel(move || {
            h.fetch_add(1, Ordering::SeqCst);
        });
        t.cancel();
        t.cancel();
        assert!(t.is_cancelled());
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}
