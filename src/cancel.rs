//! Cancellation: a shared flag plus hooks, the one thing every long-running piece of the core checks.
//!
//! A leaf module (it imports nothing from the crate) so that anything can take a [`CancelToken`] without
//! pulling in the job machinery: the model manager and the trainer take one, and `jobs` builds on them,
//! which keeps the module graph one-way (`jobs` → `model`, never back). Cancel is cooperative: workers
//! check [`CancelToken::is_cancelled`] between batches or steps; work that cannot check (an ONNX run in
//! flight) registers a hook with [`CancelToken::on_cancel`] that aborts it (`RunOptions::terminate`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn cancel_runs_hooks_once() {
        let t = CancelToken::new();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = Arc::clone(&hits);
        t.on_cancel(move || {
            h.fetch_add(1, Ordering::SeqCst);
        });
        t.cancel();
        t.cancel();
        assert!(t.is_cancelled());
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        let late = Arc::clone(&hits);
        t.on_cancel(move || {
            late.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(hits.load(Ordering::SeqCst), 2, "a hook added after cancel runs at once");
    }
}
