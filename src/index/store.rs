//! SQLite access for [`Index`]: schema, batched writes, and the queries the indexer and search need.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::index::paths::{path_bytes, path_col};

use crate::error::{Error, Result};
use crate::index::codec;
use crate::library::FileState;

/// A photo ready to be written.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub hash: [u8; 32],
    pub width: u32,
    pub height: u32,
    pub embedding: Vec<f32>,
    pub features: Vec<f32>,
    pub thumb: Vec<u8>,
}

/// Details shown in a preview.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoMeta {
    pub id: i64,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub width: u32,
    pub height: u32,
}

/// A file that could not be indexed, remembered so it is reported once, not on every scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// All search vectors in memory (q8 coded), row `i` belonging to `ids[i]` / `paths[i]`, ordered by id.
#[derive(Debug, Clone, Default)]
pub struct Vectors {
    pub ids: Vec<i64>,
    pub paths: Vec<PathBuf>,
    pub rows: crate::index::Q8Matrix,
}

/// A photo's stored vectors: `(features, embedding)`.
pub type StoredVectors = (Vec<f32>, Vec<f32>);

/// Index statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub photos: u64,
    pub skipped: u64,
    pub folders: u64,
    pub bytes_on_disk: u64,
}

/// An open index database.
pub struct Index {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    pub(super) read_only: bool,
}

/// The stored bytes of `p`, or an index error saying why its name cannot be stored.
pub(super) fn key(p: &Path) -> Result<&[u8]> {
    path_bytes(p).map_err(|why| Error::index(p, why))
}

/// An index error with the cause in words a user can act on.
pub(super) fn index_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let hint = match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => {
            "the disk is full; this batch was not written and the index is as it was (free some space and re-run)"
        }
        Some(ErrorCode::ReadOnly) => "the index cannot be written (is the data folder read-only?)",
        Some(ErrorCode::SystemIoFailure) => "cannot write the index (disk full or failing?)",
        _ => return Error::index(path, e),
    };
    Error::index(path, format!("{hint}: {e}"))
}

impl Index {
    pub(super) fn err(&self, e: rusqlite::Error) -> Error {
        index_error(&self.path, e)
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every indexed file's state.
    pub fn states(&self) -> Result<Vec<FileState>> {
        let mut st = self
            .conn
            .prepare("SELECT id, path, size, mtime_ns, hash FROM photos")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                let hash: Vec<u8> = r.get(4)?;
                Ok(FileState {
                    id: r.get(0)?,
                    path: path_col(r, 1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    mtime_ns: r.get(3)?,
                    hash: hash.try_into().unwrap_or([0; 32]),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// Vectors and thumbnail of an indexed photo with this content hash, to reuse for a moved or copied file.
    pub fn by_hash(&self, hash: &[u8; 32]) -> Result<Option<NewPhoto>> {
        self.conn
            .query_row(
                "SELECT p.path, p.size, p.mtime_ns, p.width, p.height, p.embedding, f.vec, t.data
                 FROM photos p JOIN features f ON f.photo = p.id JOIN thumbs t ON t.photo = p.id
                 WHERE p.hash=?1 LIMIT 1",
                [&hash[..]],
                |r| {
                    let blob = |i: usize| -> rusqlite::Result<Vec<f32>> {
                        codec::decode(r.get_ref(i)?.as_blob()?).map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e))
                        })
                    };
                    Ok(NewPhoto {
                        path: path_col(r, 0)?,
                        size: r.get::<_, i64>(1)? as u64,
                        mtime_ns: r.get(2)?,
                        hash: *hash,
                        width: r.get(3)?,
                        height: r.get(4)?,
                        embedding: blob(5)?,
                        features: blob(6)?,
                        thumb: r.get(7)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Write a batch in one transaction: upserts `photos`, deletes `removed`, records `skipped`.
    pub fn commit(
        &mut self,
        photos: &[NewPhoto],
        removed: &[PathBuf],
        skipped: &[(PathBuf, u64, i64, String)],
    ) -> Result<()> {
        let path = self.path.clone();
        let e = |err: rusqlite::Error| index_error(&path, err);
        let tx = self.conn.transaction().map_err(e)?;
        {
            let mut del = tx.prepare("DELETE FROM photos WHERE path=?1").map_err(e)?;
            for p in removed {
                del.execute([key(p)?]).map_err(e)?;
            }
            let mut ins = tx
                .prepare(
                    "INSERT INTO photos(path, size, mtime_ns, hash, width, height, embedding)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,
                       hash=excluded.hash, width=excluded.width, height=excluded.height,
                       embedding=excluded.embedding
                     RETURNING id",
                )
                .map_err(e)?;
            let mut feat = tx
                .prepare("INSERT OR REPLACE INTO features(photo, vec) VALUES (?1, ?2)")
                .map_err(e)?;
            let mut thumb = tx
                .prepare("INSERT OR REPLACE INTO thumbs(photo, data) VALUES (?1, ?2)")
                .map_err(e)?;
            let mut unskip = tx.prepare("DELETE FROM skipped WHERE path=?1").map_err(e)?;
            for p in photos {
                let ps = key(&p.path)?;
                let id: i64 = ins
                    .query_row(
                        params![
                            ps,
                            p.size as i64,
                            p.mtime_ns,
                            &p.hash[..],
                            p.width,
                            p.height,
                            codec::encode(&p.embedding)
                        ],
                        |r| r.get(0),
                    )
                    .map_err(e)?;
                feat.execute(params![id, codec::encode(&p.features)]).map_err(e)?;
                thumb.execute(params![id, p.thumb]).map_err(e)?;
                unskip.execute([ps]).map_err(e)?;
            }
            let mut skip = tx
                .prepare("INSERT OR REPLACE INTO skipped(path, size, mtime_ns, reason) VALUES (?1, ?2, ?3, ?4)")
                .map_err(e)?;
            for (p, size, mtime, reason) in skipped {
                skip.execute(params![key(p)?, *size as i64, mtime, reason]).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// Delete photos (and skip records) by path in one transaction.
    pub fn remove_paths(&mut self, paths: &[PathBuf]) -> Result<()> {
        let path = self.path.clone();
        let e = |err: rusqlite::Error| index_error(&path, err);
        let tx = self.conn.transaction().map_err(e)?;
        for p in paths {
            let ps = key(p)?;
            tx.execute("DELETE FROM photos WHERE path=?1", [ps]).map_err(e)?;
            tx.execute("DELETE FROM skipped WHERE path=?1", [ps]).map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// Files remembered as unreadable, with (size, mtime) so a changed file is retried.
    pub fn skipped_states(&self) -> Result<HashMap<PathBuf, (u64, i64)>> {
        let mut st = self
            .conn
            .prepare("SELECT path, size, mtime_ns FROM skipped")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((path_col(r, 0)?, (r.get::<_, i64>(1)? as u64, r.get(2)?))))
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }
}
