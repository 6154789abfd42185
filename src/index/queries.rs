//! Read-only queries on [`Index`]: what search, preview, training and `vignette info` read.

use std::path::PathBuf;

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::index::codec;
use crate::index::paths::path_col;
use crate::index::store::{Index, PhotoMeta, SkippedFile, Stats, StoredVectors, Vectors, key};

impl Index {
    /// Run `f` inside one read transaction, so every query it makes sees the same state of the index
    /// (SQLite WAL snapshot): the search vectors and the features a head needs always describe the same
    /// rows, even when a writer deletes or adds photos between the two queries. Never blocks a writer.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Index) -> Result<T>) -> Result<T> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let out = f(self);
        // Read-only: ending it by rollback is the same as commit and cannot fail in a way that matters.
        let _ = tx.rollback();
        out
    }

    /// Files that could not be indexed and why, sorted by path.
    pub fn skipped(&self) -> Result<Vec<SkippedFile>> {
        let mut st = self
            .conn
            .prepare("SELECT path, reason FROM skipped ORDER BY path")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(SkippedFile {
                    path: path_col(r, 0)?,
                    reason: r.get(1)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// Load search vectors of every photo with id greater than `after` (0 for all), ordered by id.
    pub fn vectors_after(&self, after: i64) -> Result<Vectors> {
        let mut st = self
            .conn
            .prepare("SELECT id, path, embedding FROM photos WHERE id > ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let mut v = Vectors::default();
        let mut rows = st.query([after]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            v.ids.push(r.get(0).map_err(|e| self.err(e))?);
            v.paths.push(path_col(r, 1).map_err(|e| self.err(e))?);
            let blob = r
                .get_ref(2)
                .map_err(|e| self.err(e))?
                .as_blob()
                .map_err(|e| self.err(e.into()))?;
            v.rows.push_blob(blob)?;
        }
        v.rows.shrink_to_fit();
        v.ids.shrink_to_fit();
        v.paths.shrink_to_fit();
        Ok(v)
    }

    /// Raw encoder features of every photo with id greater than `after`, ordered by id (the rows of
    /// [`Index::vectors_after`]); returns the ids and the `n x dim` matrix.
    pub fn features_after(&self, after: i64) -> Result<(Vec<i64>, Vec<f32>)> {
        self.features_where("photo > ?1", after)
    }

    /// Raw features of the photos with id greater than `after` that have no vector for `head` yet.
    pub fn features_without_head(&self, head: &str, after: i64) -> Result<(Vec<i64>, Vec<f32>)> {
        let sql = "SELECT photo, vec FROM features WHERE photo > ?1 AND NOT EXISTS
               (SELECT 1 FROM head_vectors h WHERE h.head = ?2 AND h.photo = features.photo) ORDER BY photo";
        self.features_query(sql, rusqlite::params![after, head])
    }

    /// At most `limit` rows of [`Index::features_without_head`], to bound memory on large libraries.
    pub fn features_without_head_batch(&self, head: &str, after: i64, limit: i64) -> Result<(Vec<i64>, Vec<f32>)> {
        let sql = "SELECT photo, vec FROM features WHERE photo > ?1 AND NOT EXISTS
               (SELECT 1 FROM head_vectors h WHERE h.head = ?2 AND h.photo = features.photo)
               ORDER BY photo LIMIT ?3";
        self.features_query(sql, rusqlite::params![after, head, limit])
    }

    fn features_where(&self, cond: &str, after: i64) -> Result<(Vec<i64>, Vec<f32>)> {
        let sql = format!("SELECT photo, vec FROM features WHERE {cond} ORDER BY photo");
        self.features_query(&sql, [after])
    }

    pub(super) fn features_query(&self, sql: &str, params: impl rusqlite::Params) -> Result<(Vec<i64>, Vec<f32>)> {
        let mut st = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let (mut ids, mut data) = (Vec::new(), Vec::new());
        let mut rows = st.query(params).map_err(|e| self.err(e))?;
        let mut dim = None;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            ids.push(r.get(0).map_err(|e| self.err(e))?);
            let blob = r
                .get_ref(1)
                .map_err(|e| self.err(e))?
                .as_blob()
                .map_err(|e| self.err(e.into()))?;
            let before = data.len();
            codec::decode_into(blob, dim, &mut data)?;
            dim.get_or_insert(data.len() - before);
        }
        Ok((ids, data))
    }

    /// Raw encoder features (and search vectors) of photos by path, for training; `None` where not indexed.
    pub fn features_for(&self, paths: &[PathBuf]) -> Result<Vec<Option<StoredVectors>>> {
        let mut st = self
            .conn
            .prepare("SELECT f.vec, p.embedding FROM photos p JOIN features f ON f.photo = p.id WHERE p.path=?1")
            .map_err(|e| self.err(e))?;
        paths
            .iter()
            .map(|p| {
                let blobs = st
                    .query_row([key(p)?], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))
                    .optional()
                    .map_err(|e| self.err(e))?;
                blobs
                    .map(|(f, e)| Ok((codec::decode(&f)?, codec::decode(&e)?)))
                    .transpose()
            })
            .collect()
    }

    /// The cached thumbnail of a photo (WebP; JPEG in indexes written before schema 3).
    pub fn thumbnail(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.conn
            .query_row("SELECT data FROM thumbs WHERE photo=?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Metadata of a photo.
    pub fn meta(&self, id: i64) -> Result<Option<PhotoMeta>> {
        self.conn
            .query_row(
                "SELECT id, path, size, mtime_ns, width, height FROM photos WHERE id=?1",
                [id],
                |r| {
                    Ok(PhotoMeta {
                        id: r.get(0)?,
                        path: path_col(r, 1)?,
                        size: r.get::<_, i64>(2)? as u64,
                        mtime_ns: r.get(3)?,
                        width: r.get(4)?,
                        height: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Counts and size on disk.
    pub fn stats(&self) -> Result<Stats> {
        let count = |sql: &str| {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map_err(|e| self.err(e))
        };
        let bytes = ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", self.path.display())).ok())
            .map(|m| m.len())
            .sum();
        Ok(Stats {
            photos: count("SELECT COUNT(*) FROM photos")? as u64,
            skipped: count("SELECT COUNT(*) FROM skipped")? as u64,
            folders: count("SELECT COUNT(*) FROM folders")? as u64,
            bytes_on_disk: bytes,
        })
    }
}
