//! Shortlists: named lists of picked photos, each remembering the prompt it was found with.
//!
//! A list's order is the writer's (`pos`, dense from 0), not the ranking's: reordering rewrites the
//! positions of that list in one transaction. A photo is in a list at most once; picking it again keeps
//! its place and its first prompt (the one that found it). Adding to a list that does not exist creates
//! it, so "pin" never fails for want of a list.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use super::{Notes, key, now, path_col};
use crate::error::Result;

/// One picked photo.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pick {
    pub path: PathBuf,
    /// The prompt the photo was found with (empty when picked without a query).
    pub prompt: String,
    /// Its score for that prompt, when it had one.
    pub score: Option<f32>,
    /// When it was picked, seconds since the Unix epoch.
    pub added: i64,
}

impl Pick {
    /// A pick made now.
    pub fn new(path: impl Into<PathBuf>, prompt: impl Into<String>, score: Option<f32>) -> Pick {
        Pick {
            path: path.into(),
            prompt: prompt.into(),
            score,
            added: now(),
        }
    }
}

/// A named shortlist, picks in the writer's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shortlist {
    pub name: String,
    pub picks: Vec<Pick>,
}

impl Shortlist {
    /// Whether `path` is in this list.
    pub fn contains(&self, path: &Path) -> bool {
        self.picks.iter().any(|p| p.path == path)
    }
}

/// Longest list name accepted.
const MAX_NAME: usize = 120;

impl Notes {
    /// Every shortlist (in the order they were made) with its picks.
    pub fn shortlists(&self) -> Result<Vec<Shortlist>> {
        let read = || -> rusqlite::Result<Vec<Shortlist>> {
            let mut lists: Vec<(i64, Shortlist)> = self
                .conn
                .prepare("SELECT id, name FROM lists ORDER BY id")?
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        Shortlist {
                            name: r.get(1)?,
                            picks: Vec::new(),
                        },
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut stmt = self
                .conn
                .prepare("SELECT path, prompt, score, added FROM picks WHERE list=?1 ORDER BY pos")?;
            for (id, list) in &mut lists {
                list.picks = stmt
                    .query_map([*id], |r| {
                        Ok(Pick {
                            path: path_col(r, 0)?,
                            prompt: r.get(1)?,
                            score: r.get::<_, Option<f64>>(2)?.map(|s| s as f32),
                            added: r.get(3)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
            }
            Ok(lists.into_iter().map(|(_, l)| l).collect())
        };
        read().map_err(|e| self.err(&e))
    }

    /// Make an empty list (nothing happens when it exists).
    pub fn create_list(&mut self, name: &str) -> Result<()> {
        let name = self.check_name(name)?;
        self.write(|tx| tx.execute("INSERT OR IGNORE INTO lists(name) VALUES (?1)", [&name]))
            .map(drop)
    }

    /// Rename a list; refused when the new name is taken or the list does not exist.
    pub fn rename_list(&mut self, from: &str, to: &str) -> Result<()> {
        let to = self.check_name(to)?;
        if from == to {
            return Ok(());
        }
        let taken = self.list_id(&to)?.is_some();
        if taken {
            return Err(self.refuse(format!("a list named {to:?} exists already")));
        }
        match self.write(|tx| tx.execute("UPDATE lists SET name=?2 WHERE name=?1", [from, &to]))? {
            0 => Err(self.refuse(format!("there is no list named {from:?}"))),
            _ => Ok(()),
        }
    }

    /// Delete a list and its picks (the photos stay where they are). Returns whether it existed.
    pub fn delete_list(&mut self, name: &str) -> Result<bool> {
        self.write(|tx| tx.execute("DELETE FROM lists WHERE name=?1", [name]))
            .map(|n| n > 0)
    }

    /// Add `pick` at the end of `list` (made when missing). Returns false when the photo was in the list
    /// already (it keeps its place and first prompt).
    pub fn add_pick(&mut self, list: &str, pick: &Pick) -> Result<bool> {
        let name = self.check_name(list)?;
        let path = key(self, &pick.path)?;
        self.write(|tx| {
            tx.execute("INSERT OR IGNORE INTO lists(name) VALUES (?1)", [&name])?;
            let id: i64 = tx.query_row("SELECT id FROM lists WHERE name=?1", [&name], |r| r.get(0))?;
            let n = tx.execute(
                "INSERT OR IGNORE INTO picks(list, path, prompt, score, added, pos)
                 VALUES (?1, ?2, ?3, ?4, ?5, (SELECT COUNT(*) FROM picks WHERE list=?1))",
                params![id, path, pick.prompt, pick.score.map(f64::from), pick.added],
            )?;
            Ok(n > 0)
        })
    }

    /// Take `path` out of `list`. Returns whether it was there.
    pub fn remove_pick(&mut self, list: &str, path: &Path) -> Result<bool> {
        let path = key(self, path)?;
        let list = list.to_owned();
        self.write(|tx| {
            let Some(id) = list_id(tx, &list)? else {
                return Ok(false);
            };
            let n = tx.execute("DELETE FROM picks WHERE list=?1 AND path=?2", params![id, path])?;
            renumber(tx, id, None)?;
            Ok(n > 0)
        })
    }

    /// Move `path` to position `to` of `list` (clamped to the end). Returns whether it was there.
    pub fn move_pick(&mut self, list: &str, path: &Path, to: usize) -> Result<bool> {
        let path = key(self, path)?;
        let list = list.to_owned();
        self.write(|tx| {
            let Some(id) = list_id(tx, &list)? else {
                return Ok(false);
            };
            renumber(tx, id, Some((&path, to)))
        })
    }

    fn list_id(&self, name: &str) -> Result<Option<i64>> {
        list_id(&self.conn, name).map_err(|e| self.err(&e))
    }

    fn check_name(&self, name: &str) -> Result<String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(self.refuse("a list needs a name"));
        }
        if name.chars().count() > MAX_NAME {
            return Err(self.refuse(format!("a list name has at most {MAX_NAME} characters")));
        }
        Ok(name.to_owned())
    }
}

fn list_id(conn: &rusqlite::Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT id FROM lists WHERE name=?1", [name], |r| r.get(0))
        .optional()
}

/// Rewrite the positions of list `id` densely, moving `moved.0` to index `moved.1` on the way. Returns
/// whether the moved path was in the list (true when nothing was to be moved).
fn renumber(tx: &rusqlite::Transaction<'_>, id: i64, moved: Option<(&[u8], usize)>) -> rusqlite::Result<bool> {
    let mut order: Vec<Vec<u8>> = tx
        .prepare("SELECT path FROM picks WHERE list=?1 ORDER BY pos")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut found = true;
    if let Some((path, to)) = moved {
        match order.iter().position(|p| p == path) {
            Some(from) => {
                let p = order.remove(from);
                order.insert(to.min(order.len()), p);
            }
            None => found = false,
        }
    }
    let mut stmt = tx.prepare("UPDATE picks SET pos=?3 WHERE list=?1 AND path=?2")?;
    for (i, p) in order.iter().enumerate() {
        stmt.execute(params![id, p, i as i64])?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(l: &Shortlist) -> Vec<String> {
        l.picks.iter().map(|p| p.path.display().to_string()).collect()
    }

    #[test]
    fn picks_keep_order_prompt_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut n = Notes::open(dir.path()).expect("open");
        for (p, prompt) in [("/a.jpg", "red door"), ("/b.jpg", "blue sea"), ("/c.jpg", "old tree")] {
            assert!(n.add_pick("Chapter 1", &Pick::new(p, prompt, Some(0.3))).expect("add"));
        }
        assert!(
            !n.add_pick("Chapter 1", &Pick::new("/a.jpg", "another", None))
                .expect("again"),
            "a photo is in a list once"
        );
        assert!(n.move_pick("Chapter 1", Path::new("/c.jpg"), 0).expect("move"));
        assert!(n.remove_pick("Chapter 1", Path::new("/b.jpg")).expect("remove"));
        drop(n);
        let n = Notes::open(dir.path()).expect("reopen");
        let lists = n.shortlists().expect("lists");
        assert_eq!(lists.len(), 1);
        assert_eq!(names(&lists[0]), ["/c.jpg", "/a.jpg"]);
        assert_eq!(lists[0].picks[1].prompt, "red door", "the first prompt stays");
        assert_eq!(lists[0].picks[1].score, Some(0.3));
    }

    #[test]
    fn lists_are_created_renamed_and_deleted() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut n = Notes::open(dir.path()).expect("open");
        n.create_list("Cover").expect("create");
        n.add_pick("Chapter 2", &Pick::new("/x.jpg", "x", None)).expect("add");
        assert!(n.create_list("  ").is_err(), "an empty name is refused");
        let e = n.rename_list("Cover", "Chapter 2").expect_err("taken");
        assert!(e.to_string().contains("exists already"), "{e}");
        assert!(n.rename_list("Nope", "Other").is_err());
        n.rename_list("Chapter 2", "Chapter two").expect("rename");
        let lists = n.shortlists().expect("lists");
        assert_eq!(
            lists.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
            ["Cover", "Chapter two"]
        );
        assert_eq!(lists[1].picks.len(), 1, "picks follow the rename");
        assert!(n.delete_list("Chapter two").expect("delete"));
        assert_eq!(n.shortlists().expect("lists").len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_round_trip() {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = tempfile::tempdir().expect("tmp");
        let mut n = Notes::open(dir.path()).expect("open");
        let p = PathBuf::from(std::ffi::OsStr::from_bytes(b"/photos/b\xe9.jpg"));
        n.add_pick("L", &Pick::new(p.clone(), "q", None)).expect("add");
        assert_eq!(n.shortlists().expect("lists")[0].picks[0].path, p);
    }
}
