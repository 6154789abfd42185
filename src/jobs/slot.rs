//! Single-flight slots and one-shot tasks, both built on [`super::spawn`].
//!
//! A [`JobSlot`] holds at most one running [`Job`] of a kind (one indexing run, one training run, one model
//! install): starting a second while one runs is [`Error::Busy`]. The owner drains it with
//! [`JobSlot::drain`]; the slot frees itself once the thread has ended and its last event was taken, so a
//! terminal event is never lost to a slot that looked free too early. [`Tasks`] runs fire-and-forget
//! functions (read the library, open the engine, export) whose one result comes back on a shared channel.

use crossbeam_channel::{Receiver, Sender, unbounded};

use super::{CancelToken, Job, Reporter, Waker, spawn, spawn_thread};
use crate::error::{Error, Result};

/// Holds at most one running job of a kind.
pub struct JobSlot<E> {
    what: &'static str,
    job: Option<Job<E>>,
}

impl<E: Send + 'static> JobSlot<E> {
    /// An empty slot; `what` names the kind of job in the [`Error::Busy`] message.
    pub fn new(what: &'static str) -> Self {
        JobSlot { what, job: None }
    }

    /// Whether a job is running (or has events not yet drained).
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Start `body` on a thread named `vignette-{name}` unless a job is running.
    pub fn start(
        &mut self,
        name: &str,
        waker: Waker,
        body: impl FnOnce(&Reporter<E>, &CancelToken) + Send + 'static,
    ) -> Result<()> {
        if self.job.is_some() {
            return Err(self.busy_error());
        }
        self.job = Some(spawn(name, waker, CancelToken::new(), body)?);
        Ok(())
    }

    /// Hold a job started elsewhere (e.g. [`super::spawn_index`]); refused while one runs.
    pub fn hold(&mut self, start: impl FnOnce() -> Result<Job<E>>) -> Result<()> {
        if self.job.is_some() {
            return Err(self.busy_error());
        }
        self.job = Some(start()?);
        Ok(())
    }

    fn busy_error(&self) -> Error {
        Error::Busy(format!("{} is already running", self.what))
    }

    /// Ask the running job (if any) to stop; its remaining events still arrive.
    pub fn cancel(&self) {
        if let Some(j) = &self.job {
            j.cancel();
        }
    }

    /// Every event sent so far; frees the slot once the thread has ended and nothing is left.
    pub fn drain(&mut self) -> Vec<E> {
        let Some(job) = &self.job else {
            return Vec::new();
        };
        // Read "finished" before draining: events sent before the thread ended are then all in the queue.
        let finished = job.is_finished();
        let events: Vec<E> = job.events.try_iter().collect();
        if finished {
            self.job = None;
        }
        events
    }
}

/// Runs one-shot functions on their own threads and collects their results in one channel.
pub struct Tasks<M> {
    tx: Sender<M>,
    rx: Receiver<M>,
    waker: Waker,
}

impl<M: Send + 'static> Tasks<M> {
    pub fn new(waker: Waker) -> Self {
        let (tx, rx) = unbounded();
        Tasks { tx, rx, waker }
    }

    /// Run `f` on a thread named `vignette-{name}`; its result arrives in [`Tasks::drain`].
    pub fn spawn(&self, name: &str, f: impl FnOnce() -> M + Send + 'static) -> Result<()> {
        self.spawn_maybe(name, move || Some(f()))
    }

    /// Like [`Tasks::spawn`] for work that may have nothing to report (a dialog the user cancelled).
    pub fn spawn_maybe(&self, name: &str, f: impl FnOnce() -> Option<M> + Send + 'static) -> Result<()> {
        let (tx, waker) = (self.tx.clone(), std::sync::Arc::clone(&self.waker));
        spawn_thread(name, move || {
            if let Some(m) = f() {
                let _ = tx.send(m);
                waker();
            }
        })
        .map(drop)
    }

    /// Results that have arrived.
    pub fn drain(&self) -> Vec<M> {
        self.rx.try_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::no_waker;
    use super::*;

    #[test]
    fn slot_is_single_flight_until_drained() {
        let mut slot: JobSlot<u8> = JobSlot::new("test job");
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(0);
        slot.start("t", no_waker(), move |out, _| {
            let _ = go_rx.recv();
            out.send(1);
        })
        .expect("first start");
        assert!(slot.busy());
        let err = slot.start("t", no_waker(), |_, _| {}).expect_err("second start");
        assert!(matches!(err, Error::Busy(_)), "{err}");
        assert_eq!(err.to_string(), "busy: test job is already running");
        go_tx.send(()).expect("release");
        let mut got = Vec::new();
        while slot.busy() {
            got.extend(slot.drain());
            std::thread::yield_now();
        }
        assert_eq!(got, [1], "the terminal event is delivered before the slot frees");
        assert!(slot.start("t", no_waker(), |_, _| {}).is_ok());
    }

    #[test]
    fn tasks_deliver_results() {
        let tasks: Tasks<u32> = Tasks::new(no_waker());
        tasks.spawn("a", || 7).expect("spawn");
        tasks.spawn_maybe("b", || None).expect("spawn");
        let got = tasks.rx.recv().expect("result");
        assert_eq!(got, 7);
        assert!(tasks.drain().is_empty());
    }
}
