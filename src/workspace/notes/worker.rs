//! The notes thread: the one owner of the store's connection while a workspace runs.
//!
//! Why one thread and not a task per change: changes must land in the order the writer made them (pin,
//! then unpin, then pin again), and tasks on separate threads race. The thread applies each [`Op`] in its
//! own transaction, then (once the queue is empty) sends a fresh [`Snapshot`] back and calls the waker; the
//! front end draws only snapshots, so what it shows is always what is on disk. A change that fails comes
//! back as an error message and the snapshot is still sent, so the view never runs ahead of the store.
//! When the store cannot be opened (locked, damaged) each later change tries to open it again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};

use super::{Caption, Notes, Pick, Shortlist};
use crate::error::{Error, Result};
use crate::jobs::{Waker, spawn_thread};

/// A change to the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateList(String),
    RenameList { from: String, to: String },
    DeleteList(String),
    AddPick { list: String, pick: Pick },
    RemovePick { list: String, path: PathBuf },
    MovePick { list: String, path: PathBuf, to: usize },
    AddCaption { path: PathBuf, text: String },
    EditCaption { id: i64, text: String },
    RemoveCaption(i64),
    DropPair { path: PathBuf, prompt: String },
}

/// What the store holds, as last read.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub lists: Vec<Shortlist>,
    pub captions: Vec<Caption>,
    /// Picked (photo, prompt) pairs offered for training, dropped ones left out.
    pub pairs: Vec<(PathBuf, String)>,
}

impl Snapshot {
    /// The list named `name`.
    pub fn list(&self, name: &str) -> Option<&Shortlist> {
        self.lists.iter().find(|l| l.name == name)
    }

    /// Captions of `path`, oldest first.
    pub fn captions_of<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a Caption> + 'a {
        self.captions.iter().filter(move |c| c.path == path)
    }

    fn read(notes: &Notes) -> Result<Snapshot> {
        Ok(Snapshot {
            lists: notes.shortlists()?,
            captions: notes.captions()?,
            pairs: notes.picked_pairs()?,
        })
    }
}

enum Reply {
    Snapshot(Snapshot),
    Failed(Arc<Error>),
}

/// The front end's handle on the notes thread, with the last snapshot.
pub struct NotesHandle {
    dir: PathBuf,
    tx: Option<Sender<Op>>,
    rx: Receiver<Reply>,
    snapshot: Snapshot,
    loaded: bool,
}

impl NotesHandle {
    /// Start the thread for the store in `data_dir`; it reads the store and answers with a snapshot.
    pub fn start(data_dir: &Path, waker: Waker) -> Result<NotesHandle> {
        let (tx, ops) = channel::<Op>();
        let (out, rx) = channel();
        let dir = data_dir.to_path_buf();
        let thread_dir = dir.clone();
        spawn_thread("notes", move || serve(&thread_dir, &ops, &out, &waker))?;
        Ok(NotesHandle {
            dir,
            tx: Some(tx),
            rx,
            snapshot: Snapshot::default(),
            loaded: false,
        })
    }

    /// The data folder whose store this is.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queue a change; the snapshot follows once it is on disk.
    pub fn send(&self, op: Op) {
        if let Some(tx) = &self.tx {
            // A send fails only when the thread has gone (it never exits while we hold the sender).
            let _ = tx.send(op);
        }
    }

    /// The last snapshot (empty until the store was first read).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Whether the store has been read once.
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// Fold in what the thread sent: whether the snapshot changed, and the errors to show.
    pub fn poll(&mut self) -> (bool, Vec<Arc<Error>>) {
        let (mut changed, mut errors) = (false, Vec::new());
        for r in self.rx.try_iter() {
            match r {
                Reply::Snapshot(s) => {
                    self.snapshot = s;
                    self.loaded = true;
                    changed = true;
                }
                Reply::Failed(e) => errors.push(e),
            }
        }
        (changed, errors)
    }
}

impl Drop for NotesHandle {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the changes already queued.
        self.tx = None;
    }
}

fn serve(dir: &Path, ops: &Receiver<Op>, out: &Sender<Reply>, waker: &Waker) {
    let mut notes = None;
    let mut pending: Vec<Op> = Vec::new();
    loop {
        let opened = match notes.take() {
            Some(n) => Ok(n),
            None => Notes::open(dir),
        };
        match opened {
            Ok(mut n) => {
                for op in pending.drain(..) {
                    if let Err(e) = apply(&mut n, op) {
                        let _ = out.send(Reply::Failed(Arc::new(e)));
                    }
                }
                let reply = Snapshot::read(&n).map_or_else(|e| Reply::Failed(Arc::new(e)), Reply::Snapshot);
                let _ = out.send(reply);
                notes = Some(n);
            }
            Err(e) => {
                pending.clear();
                let _ = out.send(Reply::Failed(Arc::new(e)));
            }
        }
        waker();
        // Wait for the next change, then take every change already queued behind it.
        match ops.recv() {
            Ok(op) => pending.push(op),
            Err(_) => return,
        }
        loop {
            match ops.try_recv() {
                Ok(op) => pending.push(op),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if let Some(n) = notes.as_mut() {
                        pending.drain(..).for_each(|op| drop(apply(n, op)));
                    }
                    return;
                }
            }
        }
    }
}

/// Apply one change.
pub fn apply(n: &mut Notes, op: Op) -> Result<()> {
    match op {
        Op::CreateList(name) => n.create_list(&name),
        Op::RenameList { from, to } => n.rename_list(&from, &to),
        Op::DeleteList(name) => n.delete_list(&name).map(drop),
        Op::AddPick { list, pick } => n.add_pick(&list, &pick).map(drop),
        Op::RemovePick { list, path } => n.remove_pick(&list, &path).map(drop),
        Op::MovePick { list, path, to } => n.move_pick(&list, &path, to).map(drop),
        Op::AddCaption { path, text } => n.add_caption(&path, &text).map(drop),
        Op::EditCaption { id, text } => n.edit_caption(id, &text).map(drop),
        Op::RemoveCaption(id) => n.remove_caption(id).map(drop),
        Op::DropPair { path, prompt } => n.drop_pair(&path, &prompt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait(h: &mut NotesHandle, cond: impl Fn(&Snapshot) -> bool) {
        let t0 = Instant::now();
        while !(h.poll().0 && cond(h.snapshot())) {
            assert!(t0.elapsed() < Duration::from_secs(10), "timed out");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn changes_land_in_order_and_come_back_as_snapshots() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut h = NotesHandle::start(dir.path(), crate::jobs::no_waker()).expect("start");
        wait(&mut h, |_| true);
        let (list, path) = ("Picks".to_owned(), PathBuf::from("/p/a.jpg"));
        let pick = Pick::new(path.clone(), "a", None);
        for op in [
            Op::AddPick {
                list: list.clone(),
                pick: pick.clone(),
            },
            Op::RemovePick {
                list: list.clone(),
                path: path.clone(),
            },
            Op::AddPick {
                list: list.clone(),
                pick,
            },
        ] {
            h.send(op);
        }
        wait(&mut h, |s| s.list("Picks").is_some_and(|l| l.contains(&path)));
        drop(h);
        let n = Notes::open(dir.path()).expect("reopen");
        assert_eq!(n.shortlists().expect("lists")[0].picks.len(), 1);
    }
}
