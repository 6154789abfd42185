//! Opening an index: schema creation, migration, and the read-only fallback.
//!
//! Opening must work from many threads and processes at once (the GUI opens a connection per task, the
//! CLI may run beside it): the schema is created inside one `BEGIN IMMEDIATE` transaction with
//! `INSERT OR IGNORE` meta rows, so eight threads opening a new index all agree on one set of rows instead
//! of racing a read-then-insert. An index that is already current is only read, so opening never waits
//! for a writer. When the data folder cannot be written (a read-only mount, a full disk that refuses the
//! WAL files), the index opens read-only: search keeps working and writes fail with a clear error.
//!
//! Schema 2 stores paths as BLOBs (see [`super::paths`]) and remembers why a folder is offline; schema 1
//! indexes are migrated in place, in one transaction. Schema 3 adds each photo's date taken and dHash
//! (see [`crate::library::facts`]); a schema 2 index gets them in place ([`migrate_2_to_3`]).

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::error::{Error, Result};
use crate::index::SCHEMA_VERSION;
use crate::index::store::Index;

const TABLES: &str = "
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS folders(path BLOB PRIMARY KEY, offline TEXT);
    CREATE TABLE IF NOT EXISTS photos(
        id INTEGER PRIMARY KEY, path BLOB UNIQUE NOT NULL, size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL, hash BLOB NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
        embedding BLOB NOT NULL, features BLOB NOT NULL, thumb BLOB NOT NULL,
        taken_at INTEGER NOT NULL DEFAULT 0, dhash INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS photos_hash ON photos(hash);
    CREATE TABLE IF NOT EXISTS skipped(path BLOB PRIMARY KEY, size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL, reason TEXT NOT NULL);";

/// Schema 1 → 2: TEXT paths become BLOBs, folders get `offline`, and skip records of I/O errors (which
/// schema 1 kept for good) are dropped so those files are retried.
const MIGRATE_1_TO_2: &str = "
    UPDATE photos SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text';
    UPDATE skipped SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text';
    UPDATE folders SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text';
    ALTER TABLE folders ADD COLUMN offline TEXT;
    DELETE FROM skipped WHERE reason LIKE 'cannot read%';
    UPDATE meta SET value = '2' WHERE key = 'schema';";

impl Index {
    /// Open or create the index at `path` for a pack with this fingerprint. Falls back to a read-only
    /// connection when the file or its folder cannot be written.
    pub fn open(path: &Path, fingerprint: &str, search_dim: usize) -> Result<Index> {
        let want = [
            ("schema", SCHEMA_VERSION.to_string()),
            ("fingerprint", fingerprint.to_owned()),
            ("dim", search_dim.to_string()),
        ];
        let writable = path
            .parent()
            .map_or(Ok(()), crate::files::create_private_dir)
            .and_then(|()| open_rw(path, &want).map_err(|e| Error::index(path, e)));
        let idx = match writable {
            Ok(conn) => Index {
                conn,
                path: path.to_path_buf(),
                read_only: false,
            },
            Err(e) => {
                if !path.is_file() {
                    return Err(e);
                }
                log::info!("opening {} read-only: {e}", path.display());
                let conn = open_ro(path).map_err(|_| e)?;
                Index {
                    conn,
                    path: path.to_path_buf(),
                    read_only: true,
                }
            }
        };
        for (key, value) in &want {
            idx.check_meta(key, value)?;
        }
        Ok(idx)
    }

    /// Whether this connection could only be opened read-only (the data folder is not writable).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn check_meta(&self, key: &str, want: &str) -> Result<()> {
        let have: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key=?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        match have {
            Some(h) if h == want => Ok(()),
            Some(h) => Err(Error::index(
                &self.path,
                format!("{key} is {h}, this build expects {want}; remove the file to rebuild it"),
            )),
            None => Err(Error::index(
                &self.path,
                format!("{key} is missing; remove the file to rebuild it"),
            )),
        }
    }
}

/// Open read-write, set WAL, and create or migrate the schema when needed.
fn open_rw(path: &Path, want: &[(&str, String)]) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // Switching a new database to WAL takes an exclusive lock for which SQLite does not always call the
    // busy handler; many openers at once can see SQLITE_BUSY here, so retry for a while.
    retry_busy(|| conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)))?;
    conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
    if current_schema(&conn)?.as_deref() == Some(&want[0].1) {
        return Ok(conn);
    }
    let mut conn = conn;
    {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(TABLES)?;
        let have: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| r.get(0))
            .optional()?;
        if have.as_deref() == Some("1") {
            tx.execute_batch(MIGRATE_1_TO_2)?;
        }
        if matches!(have.as_deref(), Some("1" | "2")) {
            migrate_2_to_3(&tx)?;
        }
        for (k, v) in want {
            tx.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES (?1, ?2)",
                [k, v.as_str()],
            )?;
        }
        tx.commit()?;
    }
    Ok(conn)
}

/// Schema 2 → 3: add `taken_at` and `dhash`. Existing rows get their file time as the date (re-reading
/// every photo's EXIF would make opening wait on the whole library, and offline folders could not be
/// read at all; a photo that changes is re-indexed with its EXIF date) and the dHash of their stored
/// thumbnail, the same hash the indexer computes, in chunks so memory stays flat.
fn migrate_2_to_3(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    use rayon::prelude::*;
    tx.execute_batch(
        "ALTER TABLE photos ADD COLUMN taken_at INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE photos ADD COLUMN dhash INTEGER NOT NULL DEFAULT 0;
         UPDATE photos SET taken_at = mtime_ns / 1000000000;",
    )?;
    let mut read = tx.prepare("SELECT id, thumb FROM photos WHERE id > ?1 ORDER BY id LIMIT 512")?;
    let mut write = tx.prepare("UPDATE photos SET dhash=?2 WHERE id=?1")?;
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, Vec<u8>)> = read
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(&(last, _)) = rows.last() else { break };
        let hashes: Vec<(i64, u64)> = rows
            .par_iter()
            .map(|(id, thumb)| (*id, crate::library::facts::thumb_dhash(thumb).unwrap_or(0)))
            .collect();
        for (id, h) in hashes {
            write.execute(rusqlite::params![id, h as i64])?;
        }
        after = last;
    }
    tx.execute("UPDATE meta SET value = '3' WHERE key = 'schema'", [])?;
    Ok(())
}

/// The schema version, without writing anything; `None` for a new database.
fn current_schema(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(None);
    }
    conn.query_row("SELECT value FROM meta WHERE key='schema'", [], |r| r.get(0))
        .optional()
}

/// Open an existing index read-only: first normally, then as immutable (a read-only folder where the
/// WAL index files cannot be created; nobody can write there either).
fn open_ro(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let uri = file_uri(path);
    let probe = |conn: Connection| {
        conn.busy_timeout(Duration::from_secs(10))?;
        current_schema(&conn)?;
        Ok(conn)
    };
    Connection::open_with_flags(format!("{uri}?mode=ro"), flags)
        .and_then(probe)
        .or_else(|_| Connection::open_with_flags(format!("{uri}?immutable=1"), flags).and_then(probe))
}

/// A `file:` URI for `path`, every byte outside the unreserved set percent-encoded.
fn file_uri(path: &Path) -> String {
    let bytes = super::paths::path_bytes(path).unwrap_or_default();
    let mut s = String::from("file:");
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Run `f` until it stops failing with SQLITE_BUSY or 10 s pass.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = Instant::now();
    loop {
        match f() {
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && start.elapsed() < Duration::from_secs(10) =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_1_index_is_migrated_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.sqlite");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE folders(path TEXT PRIMARY KEY);
             CREATE TABLE photos(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL, hash BLOB NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
                embedding BLOB NOT NULL, features BLOB NOT NULL, thumb BLOB NOT NULL);
             CREATE TABLE skipped(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                reason TEXT NOT NULL);
             INSERT INTO meta VALUES ('schema', '1'), ('fingerprint', 'fp'), ('dim', '1');
             INSERT INTO folders VALUES ('/p');
             INSERT INTO photos VALUES (1, '/p/a.jpg', 1, 1, zeroblob(32), 1, 1, zeroblob(4), zeroblob(4), x'00');
             INSERT INTO skipped VALUES ('/p/locked.jpg', 1, 1, 'cannot read: Permission denied'),
                                        ('/p/bad.jpg', 1, 1, 'not a recognised image format');",
        )
        .expect("old schema");
        drop(conn);
        let idx = Index::open(&path, "fp", 1).expect("migrated");
        assert_eq!(idx.folders().expect("folders"), [std::path::PathBuf::from("/p")]);
        assert_eq!(idx.states().expect("states")[0].path, Path::new("/p/a.jpg"));
        let skipped = idx.skipped().expect("skipped");
        assert_eq!(
            skipped.len(),
            1,
            "the I/O skip is dropped so the file is retried: {skipped:?}"
        );
        assert_eq!(idx.folder_status().expect("status")[0].photos, 1);
        idx.set_folder_offline(Path::new("/p"), Some("gone"))
            .expect("offline column exists");
        drop(idx);
        Index::open(&path, "fp", 1).expect("opens again as schema 3");
    }

    #[test]
    fn schema_2_index_gets_dates_and_dhashes_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v2.sqlite");
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([((x * 37 + y * 11) % 256) as u8, 90, 90]));
        let thumb = crate::library::decode::thumbnail_jpeg(&img, 64).expect("thumb");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE folders(path BLOB PRIMARY KEY, offline TEXT);
             CREATE TABLE photos(id INTEGER PRIMARY KEY, path BLOB UNIQUE NOT NULL, size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL, hash BLOB NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
                embedding BLOB NOT NULL, features BLOB NOT NULL, thumb BLOB NOT NULL);
             CREATE TABLE skipped(path BLOB PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                reason TEXT NOT NULL);
             INSERT INTO meta VALUES ('schema', '2'), ('fingerprint', 'fp'), ('dim', '1');",
        )
        .expect("schema 2");
        for (id, mtime) in [(1i64, 1_600_000_000_500_000_000i64), (2, 1_700_000_000_000_000_000)] {
            conn.execute(
                "INSERT INTO photos VALUES (?1, ?2, 1, ?3, zeroblob(32), 64, 48, zeroblob(4), zeroblob(4), ?4)",
                rusqlite::params![id, format!("/p/{id}.jpg").into_bytes(), mtime, thumb],
            )
            .expect("row");
        }
        drop(conn);
        let idx = Index::open(&path, "fp", 1).expect("migrated");
        let (ids, facts) = idx.facts_after(0).expect("facts");
        assert_eq!(ids, [1, 2]);
        let want = crate::library::facts::thumb_dhash(&thumb).expect("hash");
        assert_ne!(want, 0);
        assert_eq!(facts[0].taken_at, 1_600_000_000);
        assert_eq!(facts[1].taken_at, 1_700_000_000);
        assert!(facts.iter().all(|f| f.dhash == want && (f.width, f.height) == (64, 48)));
        drop(idx);
        Index::open(&path, "fp", 1).expect("opens again as schema 3");
    }
}
