//! One writer at a time: an OS file lock beside what is written.
//!
//! Two writers on one index (the desktop app's start-up re-scan and a `vignette index` in a terminal, or
//! two terminals) would decode and encode the same photos twice and race each other's pruning; two
//! installs of one pack would rename over each other's files. SQLite already serialises single
//! transactions, but not whole runs, so each run holds a [`WriteLock`]: an advisory lock
//! (`File::try_lock`, flock on Unix, LockFileEx on Windows) on a small file that also says who holds it,
//! so the second writer can say "busy" with the holder's pid, task and age instead of waiting silently.
//! The OS drops the lock when the holder exits or is killed, so a crash never leaves a stale lock behind.
//! Readers (search, the GUI's library view) never take it: SQLite's WAL gives them a consistent snapshot
//! while a writer commits.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// A held write lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
    path: PathBuf,
}

impl WriteLock {
    /// Take the lock at `path` for `what` (a few words: "indexing", "installing a model pack"), or fail at
    /// once with [`Error::Busy`] naming the holder.
    pub fn acquire(path: &Path, what: &str) -> Result<WriteLock> {
        Self::acquire_waiting(path, what, Duration::ZERO, &|| false)
    }

    /// Like [`WriteLock::acquire`] but wait up to `wait` for the holder to finish (polling, so
    /// `cancelled` is honoured), then fail with [`Error::Busy`].
    pub fn acquire_waiting(path: &Path, what: &str, wait: Duration, cancelled: &dyn Fn() -> bool) -> Result<WriteLock> {
        if let Some(dir) = path.parent() {
            crate::files::create_private_dir(dir)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    Error::io("cannot write here, the data folder is read-only", path, e)
                }
                _ => Error::io("cannot open the lock file", path, e),
            })?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if start.elapsed() < wait && !cancelled() => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::WouldBlock) => return Err(Error::Busy(holder(&mut file))),
                Err(TryLockError::Error(e)) => return Err(Error::io("cannot lock", path, e)),
            }
        }
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let note = format!("{} {since} {what}\n", std::process::id());
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(note.as_bytes()));
        if let Err(e) = written {
            // The lock holds without the note; a busy message will only lack the holder's name.
            log::debug!("cannot write the lock note {}: {e}", path.display());
        }
        Ok(WriteLock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    /// Take the write lock of the index file `index` (its `.lock` sibling) for `what`, or fail with
    /// [`Error::Busy`]. Every run that writes an index (indexing, removing a folder) holds it.
    pub fn for_index(index: &Path, what: &str) -> Result<WriteLock> {
        Self::acquire(&index.with_extension("lock"), what)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// "another Vignette (pid 42) has been indexing for 12 s", read from the holder's note.
fn holder(file: &mut File) -> String {
    let mut note = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut note));
    let mut parts = note.trim().splitn(3, ' ');
    let (pid, since, what) = (parts.next(), parts.next(), parts.next());
    match (pid, since.and_then(|s| s.parse::<u64>().ok()), what) {
        (Some(pid), Some(since), Some(what)) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(since);
            format!(
                "another Vignette (pid {pid}) has been {what} for {} s; try again when it finishes",
                now.saturating_sub(since)
            )
        }
        _ => "another Vignette is writing here; try again when it finishes".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_told_who_holds_the_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let held = WriteLock::acquire(&path, "indexing").expect("first");
        let err = WriteLock::acquire(&path, "indexing").expect_err("second is busy");
        let msg = err.to_string();
        assert!(msg.contains("busy"), "{msg}");
        assert!(msg.contains(&format!("pid {}", std::process::id())), "{msg}");
        assert!(msg.contains("indexing"), "{msg}");
        drop(held);
        WriteLock::acquire(&path, "indexing").expect("free again after drop");
    }

    #[test]
    fn waiting_writer_gets_the_lock_when_it_is_released() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let held = WriteLock::acquire(&path, "installing").expect("first");
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(held);
        });
        WriteLock::acquire_waiting(&path, "installing", Duration::from_secs(30), &|| false).expect("waited");
        releaser.join().expect("join");
    }
}
