//! Schema 3 → 4: each photo's date taken and thumbnail dHash ([`crate::library::facts`]) join its row.
//!
//! Existing rows get their file time as the date: re-reading every photo's EXIF would make opening wait
//! on the whole library, and photos in offline folders could not be read at all; a photo that changes is
//! re-indexed with its EXIF date. The dHash is computed from the stored thumbnail (WebP, or JPEG in
//! older indexes), the same hash the indexer computes, in chunks of 512 rows so memory stays flat.

use rayon::prelude::*;
use rusqlite::{Transaction, params};

/// Add and fill `taken_at` and `dhash`, then mark the index as schema 4 (inside the caller's transaction).
pub(super) fn migrate_3_to_4(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE photos ADD COLUMN taken_at INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE photos ADD COLUMN dhash INTEGER NOT NULL DEFAULT 0;
         UPDATE photos SET taken_at = mtime_ns / 1000000000;",
    )?;
    let mut read = tx.prepare("SELECT photo, data FROM thumbs WHERE photo > ?1 ORDER BY photo LIMIT 512")?;
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
            write.execute(params![id, h as i64])?;
        }
        after = last;
    }
    tx.execute("UPDATE meta SET value = '4' WHERE key = 'schema'", [])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use crate::index::store::Index;

    #[test]
    fn older_index_gets_dates_and_dhashes_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v2.sqlite");
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([((x * 37 + y * 11) % 256) as u8, 90, 90]));
        // Schema 2 stored JPEG thumbnails.
        let mut thumb = Vec::new();
        img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut thumb, 85))
            .expect("thumb");
        let conn = Connection::open(&path).expect("open");
        // A schema 2 index: it passes through 2 → 3 (side tables) and 3 → 4 in one open.
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
        Index::open(&path, "fp", 1).expect("opens again as schema 4");
    }
}
