//! Captions typed in place, and the prompts the writer picked photos for, as training pairs.
//!
//! A photo may carry several captions; each has its own row id so one can be edited or removed without
//! touching the others. Picked prompts are derived, not copied: a (path, prompt) pair is offered as long
//! as some shortlist holds that pick and the writer has not dropped the pair (`dropped_pairs`), so the
//! list the writer reviews is always what training would use.

use std::path::{Path, PathBuf};

use rusqlite::params;

use super::{Notes, key, now, path_col};
use crate::error::Result;

/// One caption of one photo.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Caption {
    pub id: i64,
    pub path: PathBuf,
    pub text: String,
    /// When it was written, seconds since the Unix epoch.
    pub added: i64,
}

impl Notes {
    /// Every caption, grouped by photo (path order), oldest first within a photo.
    pub fn captions(&self) -> Result<Vec<Caption>> {
        let read = || -> rusqlite::Result<Vec<Caption>> {
            self.conn
                .prepare("SELECT id, path, text, added FROM captions ORDER BY path, id")?
                .query_map([], |r| {
                    Ok(Caption {
                        id: r.get(0)?,
                        path: path_col(r, 1)?,
                        text: r.get(2)?,
                        added: r.get(3)?,
                    })
                })?
                .collect()
        };
        read().map_err(|e| self.err(&e))
    }

    /// Add a caption to `path`; returns its id. Blank text is refused.
    pub fn add_caption(&mut self, path: &Path, text: &str) -> Result<i64> {
        let text = self.check_text(text)?;
        let path = key(self, path)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO captions(path, text, added) VALUES (?1, ?2, ?3)",
                params![path, text, now()],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Replace the text of caption `id`. Returns whether it existed.
    pub fn edit_caption(&mut self, id: i64, text: &str) -> Result<bool> {
        let text = self.check_text(text)?;
        self.write(|tx| tx.execute("UPDATE captions SET text=?2 WHERE id=?1", params![id, text]))
            .map(|n| n > 0)
    }

    /// Remove caption `id`. Returns whether it existed.
    pub fn remove_caption(&mut self, id: i64) -> Result<bool> {
        self.write(|tx| tx.execute("DELETE FROM captions WHERE id=?1", [id]))
            .map(|n| n > 0)
    }

    /// The (photo, prompt) pairs of every shortlist that the writer has not dropped, each once.
    pub fn picked_pairs(&self) -> Result<Vec<(PathBuf, String)>> {
        let read = || -> rusqlite::Result<Vec<(PathBuf, String)>> {
            self.conn
                .prepare(
                    "SELECT DISTINCT p.path, p.prompt FROM picks p
                     WHERE trim(p.prompt) <> '' AND NOT EXISTS (
                        SELECT 1 FROM dropped_pairs d WHERE d.path = p.path AND d.prompt = p.prompt)
                     ORDER BY p.path, p.prompt",
                )?
                .query_map([], |r| Ok((path_col(r, 0)?, r.get(1)?)))?
                .collect()
        };
        read().map_err(|e| self.err(&e))
    }

    /// Stop offering the pair (`path`, `prompt`) for training; the pick itself stays.
    pub fn drop_pair(&mut self, path: &Path, prompt: &str) -> Result<()> {
        let path = key(self, path)?;
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO dropped_pairs(path, prompt) VALUES (?1, ?2)",
                params![path, prompt],
            )
        })
        .map(drop)
    }

    fn check_text(&self, text: &str) -> Result<String> {
        let t = text.trim();
        if t.is_empty() {
            return Err(self.refuse("a caption needs some text"));
        }
        Ok(t.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Pick;
    use super::*;

    #[test]
    fn captions_are_added_edited_removed_and_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut n = Notes::open(dir.path()).expect("open");
        let a = n.add_caption(Path::new("/p/red.png"), " a red wall ").expect("add");
        n.add_caption(Path::new("/p/red.png"), "crimson").expect("add");
        let c = n.add_caption(Path::new("/p/blue.png"), "sea").expect("add");
        assert!(n.add_caption(Path::new("/p/x.png"), "  ").is_err(), "blank is refused");
        assert!(n.edit_caption(a, "a red brick wall").expect("edit"));
        assert!(n.remove_caption(c).expect("remove"));
        assert!(!n.remove_caption(c).expect("gone already"));
        drop(n);
        let n = Notes::open(dir.path()).expect("reopen");
        let texts: Vec<String> = n.captions().expect("read").into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["a red brick wall", "crimson"]);
    }

    #[test]
    fn picked_prompts_are_pairs_until_dropped() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut n = Notes::open(dir.path()).expect("open");
        n.add_pick("A", &Pick::new("/p/red.png", "red door", None))
            .expect("add");
        n.add_pick("B", &Pick::new("/p/red.png", "red door", None))
            .expect("add");
        n.add_pick("B", &Pick::new("/p/blue.png", "", None)).expect("add");
        n.add_pick("B", &Pick::new("/p/sea.png", "the sea", None)).expect("add");
        let pairs = n.picked_pairs().expect("pairs");
        assert_eq!(
            pairs.len(),
            2,
            "one pair per (photo, prompt), none without a prompt: {pairs:?}"
        );
        n.drop_pair(Path::new("/p/sea.png"), "the sea").expect("drop");
        assert_eq!(
            n.picked_pairs().expect("pairs"),
            [(PathBuf::from("/p/red.png"), "red door".to_owned())]
        );
        assert_eq!(n.shortlists().expect("lists")[1].picks.len(), 3, "the picks stay");
    }
}
