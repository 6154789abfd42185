//! Walking photo folders and diffing what is on disk against the index.
//!
//! A file is unchanged when its path, size and modification time match the index; such files are not
//! read at all, which makes re-scanning a large library cheap. Everything else is read and hashed later,
//! so a moved or renamed photo is recognised by content and keeps its vectors. Hidden folders (".name")
//! are not entered and symbolic links to folders are not followed, so scans always terminate.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::FileState;

/// Extensions of the formats we decode.
pub const EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "png", "webp", "gif", "bmp", "tif", "tiff"];

/// Whether a path looks like a photo we can decode.
pub fn is_photo(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A photo found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedFile {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

impl ScannedFile {
    /// Stat one file.
    pub fn stat(path: &Path) -> std::io::Result<ScannedFile> {
        let md = std::fs::metadata(path)?;
        let mtime_ns = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0);
        Ok(ScannedFile {
            path: path.to_path_buf(),
            size: md.len(),
            mtime_ns,
        })
    }
}

/// Walk `roots` (folders or single files). Returns photos sorted by path, and folders or files that could
/// not be read with the reason.
pub fn scan(roots: &[PathBuf], cancelled: &dyn Fn() -> bool) -> (Vec<ScannedFile>, Vec<(PathBuf, String)>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let mut stack: Vec<PathBuf> = Vec::new();
    for root in roots {
        match std::fs::metadata(root) {
            Ok(md) if md.is_dir() => stack.push(root.clone()),
            Ok(_) if is_photo(root) => match ScannedFile::stat(root) {
                Ok(f) => found.push(f),
                Err(e) => errors.push((root.clone(), e.to_string())),
            },
            Ok(_) => errors.push((root.clone(), "not a folder or a supported photo".into())),
            Err(e) => errors.push((root.clone(), e.to_string())),
        }
    }
    while let Some(dir) = stack.pop() {
        if cancelled() {
            break;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                errors.push((dir, format!("cannot read folder: {e}")));
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = entry.file_name().to_str().is_some_and(|n| n.starts_with('.'));
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if !hidden {
                    stack.push(path);
                }
            } else if is_photo(&path) && !hidden {
                match ScannedFile::stat(&path) {
                    Ok(f) if f.size > 0 => found.push(f),
                    Ok(_) => errors.push((path, "empty file".into())),
                    Err(e) => errors.push((path, e.to_string())),
                }
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found.dedup_by(|a, b| a.path == b.path);
    (found, errors)
}

/// What an indexing run has to do.
#[derive(Debug, Default)]
pub struct Plan {
    /// New or changed files to read (and decode unless their content is already known).
    pub to_process: Vec<ScannedFile>,
    /// Files whose path, size and mtime match the index.
    pub unchanged: usize,
    /// Files skipped before and not changed since.
    pub known_bad: usize,
    /// Indexed files under the scanned roots that are gone from disk (moved or deleted).
    pub vanished: Vec<FileState>,
}

/// Compare a scan with the index. `roots` bounds which vanished files count (files under other folders
/// are not touched); with `prune == false` nothing is considered vanished.
pub fn plan(
    scanned: Vec<ScannedFile>,
    indexed: Vec<FileState>,
    skipped: &HashMap<PathBuf, (u64, i64)>,
    roots: &[PathBuf],
    prune: bool,
) -> Plan {
    let seen: HashSet<&Path> = scanned.iter().map(|f| f.path.as_path()).collect();
    let by_path: HashMap<&Path, &FileState> = indexed.iter().map(|s| (s.path.as_path(), s)).collect();
    let mut plan = Plan::default();
    for f in &scanned {
        match by_path.get(f.path.as_path()) {
            Some(s) if s.size == f.size && s.mtime_ns == f.mtime_ns => plan.unchanged += 1,
            _ if skipped.get(&f.path) == Some(&(f.size, f.mtime_ns)) => plan.known_bad += 1,
            _ => plan.to_process.push(f.clone()),
        }
    }
    if prune {
        plan.vanished = indexed
            .iter()
            .filter(|s| roots.iter().any(|r| s.path.starts_with(r)) && !seen.contains(s.path.as_path()))
            .cloned()
            .collect();
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(p: &str, size: u64, mtime: i64) -> FileState {
        FileState {
            id: 1,
            path: PathBuf::from(p),
            size,
            mtime_ns: mtime,
            hash: [0; 32],
        }
    }

    #[test]
    fn plan_sorts_files_into_buckets() {
        let scanned = vec![
            ScannedFile {
                path: "/r/a.jpg".into(),
                size: 1,
                mtime_ns: 1,
            },
            ScannedFile {
                path: "/r/b.jpg".into(),
                size: 2,
                mtime_ns: 5,
            },
            ScannedFile {
                path: "/r/c.jpg".into(),
                size: 3,
                mtime_ns: 3,
            },
            ScannedFile {
                path: "/r/bad.jpg".into(),
                size: 4,
                mtime_ns: 4,
            },
        ];
        let indexed = vec![
            state("/r/a.jpg", 1, 1),
            state("/r/b.jpg", 2, 2),
            state("/r/gone.jpg", 9, 9),
            state("/other/x.jpg", 1, 1),
        ];
        let skipped = HashMap::from([(PathBuf::from("/r/bad.jpg"), (4, 4))]);
        let p = plan(scanned, indexed, &skipped, &[PathBuf::from("/r")], true);
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.known_bad, 1);
        let todo: Vec<_> = p.to_process.iter().map(|f| f.path.to_str().unwrap_or("")).collect();
        assert_eq!(todo, ["/r/b.jpg", "/r/c.jpg"]);
        assert_eq!(p.vanished.len(), 1);
        assert_eq!(p.vanished[0].path, PathBuf::from("/r/gone.jpg"));
    }

    #[test]
    fn scan_skips_hidden_and_non_photos() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("sub/.hidden")).expect("mkdir");
        for f in ["a.JPG", "sub/b.png", "sub/.hidden/c.jpg", "notes.txt", "sub/.d.jpg"] {
            std::fs::write(dir.path().join(f), b"x").expect("write");
        }
        let (found, errors) = scan(&[dir.path().to_path_buf(), dir.path().join("missing")], &|| false);
        let names: Vec<_> = found
            .iter()
            .map(|f| f.path.strip_prefix(dir.path()).expect("prefix").to_path_buf())
            .collect();
        assert_eq!(names, [PathBuf::from("a.JPG"), PathBuf::from("sub/b.png")]);
        assert_eq!(errors.len(), 1);
    }
}
