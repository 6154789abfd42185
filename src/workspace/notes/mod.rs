//! The writer's notes: shortlists ("picks") and captions typed in place, in one small SQLite store.
//!
//! Why not the index: the index file is named after the model pack's fingerprint
//! ([`crate::engine::Engine::index_path`]), so switching packs (or saving a head into a new pack) opens
//! another file, and a pick or caption kept there would vanish. What the writer decides about a photo does
//! not depend on the model, so it lives in `notes.sqlite` in the data folder, keyed by the photo's path
//! (stored as the file system's bytes, like [`crate::index::paths`]), and every pack sees the same notes.
//!
//! Crash safety is the index's: WAL with `synchronous=NORMAL`, and every change is one transaction, so a
//! killed process leaves either the old or the new state. The schema is created with
//! `CREATE TABLE IF NOT EXISTS` and versioned in `meta`: a store written by a newer Vignette, a file that
//! is not a database, or one locked by another writer for longer than [`BUSY_WAIT`] gives an
//! [`Error::Notes`] naming the file, and the file is never rewritten, truncated or removed.

mod captions;
pub mod library_set;
mod picks;
pub mod worker;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::error::{Error, Result};
use crate::index::paths::{path_bytes, path_from_bytes};

pub use captions::Caption;
pub use picks::{Pick, Shortlist};

/// File name of the store inside the data folder.
pub const FILE: &str = "notes.sqlite";
/// The schema this build writes; a store with a higher one is refused, never downgraded.
pub const NOTES_SCHEMA: i64 = 1;
/// How long a write waits for another writer (the CLI beside the GUI) before it fails with a clear error.
pub const BUSY_WAIT: Duration = Duration::from_secs(3);

const TABLES: &str = "
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS lists(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
    CREATE TABLE IF NOT EXISTS picks(
        list INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE, path BLOB NOT NULL,
        prompt TEXT NOT NULL, score REAL, added INTEGER NOT NULL, pos INTEGER NOT NULL,
        PRIMARY KEY(list, path));
    CREATE TABLE IF NOT EXISTS captions(id INTEGER PRIMARY KEY, path BLOB NOT NULL, text TEXT NOT NULL,
        added INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS captions_path ON captions(path);
    CREATE TABLE IF NOT EXISTS dropped_pairs(path BLOB NOT NULL, prompt TEXT NOT NULL,
        PRIMARY KEY(path, prompt));";

/// An open store; see the module docs.
pub struct Notes {
    conn: Connection,
    path: PathBuf,
}

impl Notes {
    /// Open (or create) the store of the data folder `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Notes> {
        crate::files::create_private_dir(data_dir)?;
        Notes::open_at(&data_dir.join(FILE))
    }

    /// Open (or create) the store at `path`.
    pub fn open_at(path: &Path) -> Result<Notes> {
        let err = |e: rusqlite::Error| Error::Notes {
            path: path.to_path_buf(),
            message: describe(&e),
        };
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(BUSY_WAIT).map_err(err)?;
        conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
            .map_err(err)?;
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            .map_err(err)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute_batch(TABLES).map_err(err)?;
        let have: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| r.get(0))
            .optional()
            .map_err(err)?;
        match have.map(|h| h.parse::<i64>()) {
            None => {
                tx.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema', ?1)",
                    [NOTES_SCHEMA.to_string()],
                )
                .map_err(err)?;
            }
            Some(Ok(v)) if v <= NOTES_SCHEMA => {}
            Some(v) => {
                return Err(Error::Notes {
                    path: path.to_path_buf(),
                    message: format!(
                        "it has schema {v:?}, newer than this build's {NOTES_SCHEMA}; use a newer Vignette"
                    ),
                });
            }
        }
        tx.commit().map_err(err)?;
        Ok(Notes {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` in one immediate (write) transaction: all of it lands, or none.
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>) -> Result<T> {
        let path = self.path.clone();
        let err = move |e: rusqlite::Error| Error::Notes {
            path: path.clone(),
            message: describe(&e),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let out = f(&tx).map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(out)
    }

    /// An [`Error::Notes`] for this store.
    fn err(&self, e: &rusqlite::Error) -> Error {
        Error::Notes {
            path: self.path.clone(),
            message: describe(e),
        }
    }

    /// A statement's error as a user message (a refusal made inside a transaction keeps its own text).
    fn refuse(&self, message: impl Into<String>) -> Error {
        Error::Notes {
            path: self.path.clone(),
            message: message.into(),
        }
    }
}

/// SQLite's error in words a writer can act on.
fn describe(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            "the file is not a Vignette store (damaged?); move it away to start a new one".into()
        }
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            "another Vignette is writing to it; try again in a moment".into()
        }
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen) => {
            format!("it cannot be written ({e})")
        }
        _ => e.to_string(),
    }
}

/// Bytes of a path to store; a name the system cannot store as bytes is refused with the reason.
fn key(notes: &Notes, p: &Path) -> Result<Vec<u8>> {
    path_bytes(p).map(<[u8]>::to_vec).map_err(|why| notes.refuse(why))
}

/// Read a BLOB path column.
fn path_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<PathBuf> {
    r.get::<_, Vec<u8>>(i).map(|b| path_from_bytes(&b))
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_store_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(FILE);
        let junk = b"this is not a database, but the user's bytes must survive".repeat(100);
        std::fs::write(&path, &junk).expect("write");
        let Err(e) = Notes::open_at(&path) else {
            panic!("a corrupt store opened")
        };
        let msg = e.to_string();
        assert!(msg.contains("not a Vignette store"), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert_eq!(std::fs::read(&path).expect("read"), junk, "nothing was overwritten");
    }

    #[test]
    fn a_store_from_a_newer_build_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut n = Notes::open(dir.path()).expect("open");
        n.write(|tx| tx.execute("UPDATE meta SET value='99' WHERE key='schema'", []))
            .expect("bump");
        drop(n);
        let Err(e) = Notes::open(dir.path()) else {
            panic!("opened a newer schema")
        };
        assert!(e.to_string().contains("newer than this build"), "{e}");
    }

    #[test]
    fn a_locked_store_fails_clearly_and_keeps_its_data() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut a = Notes::open(dir.path()).expect("open");
        a.add_pick("Chapter 1", &Pick::new("/p/a.jpg", "a red door", Some(0.4)))
            .expect("add");
        let other = Connection::open(dir.path().join(FILE)).expect("second connection");
        other.execute_batch("BEGIN IMMEDIATE").expect("hold the write lock");
        let Err(e) = a.add_pick("Chapter 1", &Pick::new("/p/b.jpg", "a door", None)) else {
            panic!("wrote through another writer's lock")
        };
        assert!(e.to_string().contains("another Vignette is writing"), "{e}");
        other.execute_batch("ROLLBACK").expect("release");
        let lists = a.shortlists().expect("read");
        assert_eq!(lists[0].picks.len(), 1, "the first pick is still there");
        a.add_pick("Chapter 1", &Pick::new("/p/b.jpg", "a door", None))
            .expect("works once the lock is gone");
    }
}
