//! The per-photo facts that search filters and near-duplicate grouping read: pixel size, date taken,
//! content hash and dHash. Loaded once per searcher, in row order beside the vectors, so filtering is a
//! pass over memory and never a query per search.

use crate::error::Result;
use crate::index::store::Index;

/// What filters know about one photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Upright width and height in pixels (EXIF orientation applied).
    pub width: u32,
    pub height: u32,
    /// Seconds since the epoch, wall clock (EXIF date, else file time).
    pub taken_at: i64,
    /// Content hash (BLAKE3): equal for exact copies.
    pub hash: [u8; 32],
    /// Difference hash of the thumbnail: close for near-duplicates.
    pub dhash: u64,
}

impl Index {
    /// Facts of every photo with id greater than `after`, ordered by id (the rows of
    /// [`Index::vectors_after`]).
    pub fn facts_after(&self, after: i64) -> Result<(Vec<i64>, Vec<Facts>)> {
        let mut st = self
            .conn
            .prepare("SELECT id, width, height, taken_at, hash, dhash FROM photos WHERE id > ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([after], |r| {
                let hash: Vec<u8> = r.get(4)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    Facts {
                        width: r.get(1)?,
                        height: r.get(2)?,
                        taken_at: r.get(3)?,
                        hash: hash.try_into().unwrap_or([0; 32]),
                        dhash: r.get::<_, i64>(5)? as u64,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = (Vec::new(), Vec::new());
        for row in rows {
            let (id, f) = row.map_err(|e| self.err(e))?;
            out.0.push(id);
            out.1.push(f);
        }
        Ok(out)
    }
}
