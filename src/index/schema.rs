//! Opening an index: schema creation, migration, and the read-only fallback.
//!
//! Opening must work from many threads and processes at once (the GUI opens a connection per task, the
//! CLI may run beside it): the schema is created inside one `BEGIN IMMEDIATE` transaction with
//! `INSERT OR IGNORE` meta rows, so eight threads opening a new index all agree on one set of rows instead
//! of racing a read-then-insert. An index that is already current is only read, so opening never waits
//! for a writer. When the data folder cannot be written (a read-only mount, a full disk that refuses the
//! WAL files), the index opens read-only: search keeps working and writes fail with a clear error.
//!
//! Schema 2 stores paths as BLOBs (see [`super::paths`]) and remembers why a folder is offline; schema 3
//! moves features and thumbnails into side tables and adds per-head vectors. Older indexes are migrated
//! in place, in one transaction (schema 1 → 2 → 3).

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
        embedding BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS photos_hash ON photos(hash);
    CREATE TABLE IF NOT EXISTS skipped(path BLOB PRIMARY KEY, size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL, reason TEXT NOT NULL);";

/// Schema 3's side tables (also created by the 2 → 3 migration): what search reads at start-up stays in
/// the narrow `photos` rows, the bulky parts live beside them, and a trained head's vectors are kept per
/// head so a restart never recomputes them. Rows follow their photo through foreign keys and triggers;
/// `head_pending` lists photos added or changed since the head's vectors were last completed, so a start
/// finds the work left without scanning a million rows.
const SIDE_TABLES: &str = "
    CREATE TABLE IF NOT EXISTS features(photo INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        vec BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS thumbs(photo INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        data BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS head_vectors(head TEXT NOT NULL, photo INTEGER NOT NULL, vec BLOB NOT NULL,
        gate REAL NOT NULL, PRIMARY KEY(head, photo)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS head_pending(photo INTEGER PRIMARY KEY);
    CREATE TRIGGER IF NOT EXISTS photos_added AFTER INSERT ON photos BEGIN
        INSERT OR IGNORE INTO head_pending(photo) VALUES (new.id); END;
    CREATE TRIGGER IF NOT EXISTS photos_gone AFTER DELETE ON photos BEGIN
        DELETE FROM head_vectors WHERE photo = old.id; DELETE FROM head_pending WHERE photo = old.id; END;
    CREATE TRIGGER IF NOT EXISTS photos_changed AFTER UPDATE OF hash ON photos BEGIN
        DELETE FROM head_vectors WHERE photo = new.id;
        INSERT OR IGNORE INTO head_pending(photo) VALUES (new.id); END;";

/// Schema 1 → 2: TEXT paths become BLOBs, folders get `offline`, and skip records of I/O errors (which
/// schema 1 kept for good) are dropped so those files are retried.
const MIGRATE_1_TO_2: &str = "
    UPDATE photos SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text';
    UPDATE skipped SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text';
    UPDATE folders SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text';
    ALTER TABLE folders ADD COLUMN offline TEXT;
    DELETE FROM skipped WHERE reason LIKE 'cannot read%';
    UPDATE meta SET value = '2' WHERE key = 'schema';";

/// Schema 2 → 3: features and thumbnails move out of `photos` into their side tables (start-up reads
/// only the narrow rows). Old f32 vectors and JPEG thumbnails stay as they are: both still decode.
const MIGRATE_2_TO_3: &str = "
    INSERT INTO features(photo, vec) SELECT id, features FROM photos;
    INSERT INTO thumbs(photo, data) SELECT id, thumb FROM photos;
    ALTER TABLE photos DROP COLUMN features;
    ALTER TABLE photos DROP COLUMN thumb;
    UPDATE meta SET value = '3' WHERE key = 'schema';";

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
        tx.execute_batch(SIDE_TABLES)?;
        if matches!(have.as_deref(), Some("1" | "2")) {
            tx.execute_batch(MIGRATE_2_TO_3)?;
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
        assert_eq!(
            idx.thumbnail(1).expect("thumb"),
            Some(vec![0]),
            "the thumbnail moved to its table"
        );
        assert_eq!(idx.features_after(0).expect("features"), (vec![1], vec![0.0]));
        drop(idx);
        Index::open(&path, "fp", 1).expect("opens again as schema 3");
    }

    #[test]
    fn schema_2_index_moves_features_and_thumbnails_and_old_rows_still_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v2.sqlite");
        let conn = Connection::open(&path).expect("open");
        let f32s = |v: &[f32]| crate::bytes::f32_to_le(v);
        conn.execute_batch(
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE folders(path BLOB PRIMARY KEY, offline TEXT);
             CREATE TABLE photos(id INTEGER PRIMARY KEY, path BLOB UNIQUE NOT NULL, size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL, hash BLOB NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
                embedding BLOB NOT NULL, features BLOB NOT NULL, thumb BLOB NOT NULL);
             CREATE INDEX photos_hash ON photos(hash);
             CREATE TABLE skipped(path BLOB PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                reason TEXT NOT NULL);
             INSERT INTO meta VALUES ('schema', '2'), ('fingerprint', 'fp'), ('dim', '2');",
        )
        .expect("v2 schema");
        conn.execute(
            "INSERT INTO photos VALUES (7, x'2f612e6a7067', 1, 1, zeroblob(32), 4, 3, ?1, ?2, x'ffd8')",
            rusqlite::params![f32s(&[0.6, 0.8]), f32s(&[1.0, 2.0, 3.0])],
        )
        .expect("row");
        drop(conn);
        let idx = Index::open(&path, "fp", 2).expect("migrated");
        let v = idx.vectors_after(0).expect("vectors");
        assert_eq!(v.ids, [7]);
        let row = v.rows.row(0);
        assert!((row[0] - 0.6).abs() < 0.002 && (row[1] - 0.8).abs() < 0.002, "{row:?}");
        assert_eq!(idx.features_after(0).expect("features"), (vec![7], vec![1.0, 2.0, 3.0]));
        assert_eq!(idx.thumbnail(7).expect("thumb"), Some(vec![0xff, 0xd8]));
        let reused = idx.by_hash(&[0; 32]).expect("by hash").expect("found");
        assert_eq!(reused.features, [1.0, 2.0, 3.0]);
    }
}
