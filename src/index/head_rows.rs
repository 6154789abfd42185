//! A trained head's vectors per photo, computed once per head and kept in the index.
//!
//! Why: a head maps each photo's raw features (1280 values for the default pack) into its own space.
//! Computing that at every start read all features and ran the head over them: 2.5 s and 1.6 GB at
//! 100,000 photos before schema 3. Now the first start with a new head computes what is missing, stores
//! it (q8, with the photo's domain gate) under the head's content id, and every later start reads ~300
//! bytes per photo. Rows of a deleted or changed photo go with it (triggers in [`super::schema`]); rows of
//! heads no longer in use are pruned by [`Index::keep_heads`]. This is a cache, not library data: a reader
//! may fill it while an indexer writes (SQLite serialises the two transactions), and a read-only index
//! simply keeps the vectors in memory.

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::index::codec::{self, Q8Matrix};
use crate::index::store::Index;

/// A head's stored vectors, ordered by photo id.
#[derive(Debug, Clone, Default)]
pub struct HeadRows {
    pub ids: Vec<i64>,
    pub rows: Q8Matrix,
    pub gates: Vec<f32>,
}

impl Index {
    /// The stored vectors of `head` for photos with id greater than `after`.
    pub fn head_rows_after(&self, head: &str, after: i64) -> Result<HeadRows> {
        let mut st = self
            .conn
            .prepare("SELECT photo, vec, gate FROM head_vectors WHERE head = ?1 AND photo > ?2 ORDER BY photo")
            .map_err(|e| self.err(e))?;
        let mut out = HeadRows::default();
        let mut rows = st.query(rusqlite::params![head, after]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            out.ids.push(r.get(0).map_err(|e| self.err(e))?);
            let blob = r
                .get_ref(1)
                .map_err(|e| self.err(e))?
                .as_blob()
                .map_err(|e| self.err(e.into()))?;
            out.rows.push_blob(blob)?;
            out.gates.push(r.get::<_, f64>(2).map_err(|e| self.err(e))? as f32);
        }
        out.rows.shrink_to_fit();
        Ok(out)
    }

    /// The head whose vectors are complete apart from [`Index::pending_features`] (meta
    /// `head_vectors`), if any.
    pub fn completed_head(&self) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'head_vectors'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Raw features of at most `limit` photos added or changed since the head's vectors were completed.
    pub fn pending_features(&self, limit: i64) -> Result<(Vec<i64>, Vec<f32>)> {
        self.features_query(
            "SELECT f.photo, f.vec FROM head_pending p JOIN features f ON f.photo = p.photo
             ORDER BY p.photo LIMIT ?1",
            [limit],
        )
    }

    /// Record that `head`'s vectors are complete apart from photos added later: clears the pending list
    /// (up to `through` when given: the photos just stored) and names the head.
    pub fn mark_head_complete(&self, head: &str, through: Option<i64>) -> Result<()> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        match through {
            Some(id) => tx.execute("DELETE FROM head_pending WHERE photo <= ?1", [id]),
            None => tx.execute("DELETE FROM head_pending", []),
        }
        .map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('head_vectors', ?1)",
            [head],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// Store `head`'s vectors (`ids.len() x dim`, row-major) and gates in one transaction. Photos deleted
    /// meanwhile are skipped (their rows would never be read).
    pub fn put_head_rows(&self, head: &str, ids: &[i64], vectors: &[f32], gates: &[f32]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let dim = vectors.len() / ids.len();
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        {
            let mut put = tx
                .prepare(
                    "INSERT OR REPLACE INTO head_vectors(head, photo, vec, gate)
                     SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM photos WHERE id = ?2)",
                )
                .map_err(|e| self.err(e))?;
            for (i, (id, gate)) in ids.iter().zip(gates).enumerate() {
                let blob = codec::encode(&vectors[i * dim..(i + 1) * dim]);
                put.execute(rusqlite::params![head, id, blob, *gate as f64])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Delete the stored vectors of every head not in `keep`.
    pub fn keep_heads(&self, keep: &[&str]) -> Result<usize> {
        let heads: Vec<String> = {
            let mut st = self
                .conn
                .prepare("SELECT DISTINCT head FROM head_vectors")
                .map_err(|e| self.err(e))?;
            let rows = st.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>().map_err(|e| self.err(e))?
        };
        let mut removed = 0;
        for h in heads.iter().filter(|h| !keep.contains(&h.as_str())) {
            removed += self
                .conn
                .execute("DELETE FROM head_vectors WHERE head = ?1", [h])
                .map_err(|e| self.err(e))?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::NewPhoto;
    use std::path::PathBuf;

    fn photo(name: &str, hash: u8) -> NewPhoto {
        NewPhoto {
            path: PathBuf::from(format!("/p/{name}")),
            size: 1,
            mtime_ns: 1,
            hash: [hash; 32],
            width: 4,
            height: 3,
            embedding: vec![0.6, 0.8],
            features: vec![1.0, 2.0, 3.0],
            thumb: vec![0],
        }
    }

    #[test]
    fn head_rows_are_stored_follow_their_photo_and_other_heads_are_pruned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut idx = Index::open(&dir.path().join("i.sqlite"), "fp", 2).expect("open");
        idx.commit(&[photo("a.jpg", 1), photo("b.jpg", 2), photo("c.jpg", 3)], &[], &[])
            .expect("commit");
        let (ids, feats) = idx.features_without_head("h1", 0).expect("missing");
        assert_eq!((ids.len(), feats.len()), (3, 9));
        idx.put_head_rows("h1", &ids, &[1.0, 0.0, 0.0, 1.0, 0.5, 0.5], &[1.0, 0.5, 0.0])
            .expect("put");
        idx.put_head_rows("old", &ids[..1], &[1.0, 0.0], &[1.0])
            .expect("put old");
        assert!(idx.features_without_head("h1", 0).expect("none missing").0.is_empty());
        assert_eq!(
            idx.pending_features(10).expect("pending").0,
            ids,
            "new photos are pending"
        );
        idx.mark_head_complete("h1", None).expect("complete");
        assert_eq!(idx.completed_head().expect("meta").as_deref(), Some("h1"));
        assert!(idx.pending_features(10).expect("pending").0.is_empty());
        let rows = idx.head_rows_after("h1", 0).expect("rows");
        assert_eq!(
            (rows.ids.clone(), rows.gates.clone()),
            (ids.clone(), vec![1.0, 0.5, 0.0])
        );
        assert!((rows.rows.row(2)[1] - 0.5).abs() < 0.01);
        // A changed file loses its head row; a removed one too.
        let mut changed = photo("a.jpg", 9);
        changed.features = vec![3.0, 2.0, 1.0];
        idx.commit(&[changed], &[PathBuf::from("/p/b.jpg")], &[])
            .expect("change");
        assert_eq!(idx.head_rows_after("h1", 0).expect("rows").ids, [ids[2]]);
        assert_eq!(idx.features_without_head("h1", 0).expect("missing").0, [ids[0]]);
        assert_eq!(
            idx.pending_features(10).expect("pending").0,
            [ids[0]],
            "a changed photo is pending"
        );
        assert_eq!(
            idx.keep_heads(&["h1"]).expect("prune"),
            0,
            "old's only row went with a.jpg's change"
        );
        idx.put_head_rows("old", &ids[2..], &[1.0, 0.0], &[1.0])
            .expect("put old");
        assert_eq!(idx.keep_heads(&["h1"]).expect("prune"), 1);
        // A row for a photo deleted meanwhile is not stored.
        idx.put_head_rows("h1", &[999], &[1.0, 0.0], &[1.0]).expect("put gone");
        assert_eq!(idx.head_rows_after("h1", 0).expect("rows").ids, [ids[2]]);
    }
}
