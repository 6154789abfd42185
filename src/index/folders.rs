//! The folders the user added, and whether each is online.
//!
//! A folder's photos leave the index only when the user removes the folder (here, in one transaction, so
//! a kill in the middle never leaves photos outside every remembered folder) or when a scan positively
//! sees a file gone. A folder the last scan could not list completely (missing, unreadable, an empty mount
//! point where photos were, a sub-folder that failed) is marked offline with the reason; its photos stay
//! and stay searchable, and the mark is cleared by the next scan that lists it completely.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::index::paths::path_col;
use crate::index::store::{Index, index_error, key};

/// A remembered folder, how many indexed photos lie under it, and why it is offline (if it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderStatus {
    pub path: PathBuf,
    pub photos: usize,
    /// Why the last scan could not list it completely; `None` when it was online.
    pub offline: Option<String>,
}

impl Index {
    /// Photo folders the user added, sorted.
    pub fn folders(&self) -> Result<Vec<PathBuf>> {
        let mut st = self
            .conn
            .prepare("SELECT path FROM folders ORDER BY path")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], |r| path_col(r, 0)).map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// Every remembered folder with its photo count and offline mark, sorted by path.
    pub fn folder_status(&self) -> Result<Vec<FolderStatus>> {
        let mut st = self
            .conn
            .prepare("SELECT path, offline FROM folders ORDER BY path")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(FolderStatus {
                    path: path_col(r, 0)?,
                    photos: 0,
                    offline: r.get(1)?,
                })
            })
            .map_err(|e| self.err(e))?;
        let mut folders = rows.map(|r| r.map_err(|e| self.err(e))).collect::<Result<Vec<_>>>()?;
        let mut st = self.conn.prepare("SELECT path FROM photos").map_err(|e| self.err(e))?;
        let mut rows = st.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let p = path_col(r, 0).map_err(|e| self.err(e))?;
            for f in folders.iter_mut().filter(|f| p.starts_with(&f.path)) {
                f.photos += 1;
            }
        }
        Ok(folders)
    }

    /// Remember a folder (idempotent).
    pub fn add_folder(&self, dir: &Path) -> Result<()> {
        self.conn
            .execute("INSERT OR IGNORE INTO folders(path) VALUES (?1)", [key(dir)?])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Mark a remembered folder offline with the reason, or online with `None` (no-op for other paths).
    pub fn set_folder_offline(&self, dir: &Path, reason: Option<&str>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE folders SET offline=?2 WHERE path=?1 AND offline IS NOT ?2",
                rusqlite::params![key(dir)?, reason],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forget a folder and every photo and skip record under it that no other folder covers, in one
    /// transaction; returns photos removed.
    pub fn remove_folder(&mut self, dir: &Path) -> Result<usize> {
        let others: Vec<PathBuf> = self.folders()?.into_iter().filter(|f| f != dir).collect();
        let orphan = |p: &Path| p.starts_with(dir) && !others.iter().any(|o| p.starts_with(o));
        let doomed: Vec<PathBuf> = self
            .states()?
            .into_iter()
            .map(|s| s.path)
            .filter(|p| orphan(p))
            .collect();
        let skips: Vec<PathBuf> = self.skipped_states()?.into_keys().filter(|p| orphan(p)).collect();
        let path = self.path.clone();
        let e = |err: rusqlite::Error| index_error(&path, err);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute("DELETE FROM folders WHERE path=?1", [key(dir)?])
            .map_err(e)?;
        {
            let mut del = tx.prepare("DELETE FROM photos WHERE path=?1").map_err(e)?;
            for p in &doomed {
                del.execute([key(p)?]).map_err(e)?;
            }
            let mut del = tx.prepare("DELETE FROM skipped WHERE path=?1").map_err(e)?;
            for p in &skips {
                del.execute([key(p)?]).map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        Ok(doomed.len())
    }
}
