//! Walking photo folders and diffing what is on disk against the index.
//!
//! A file is unchanged when its path, size and modification time match the index; such files are not
//! read at all, which makes re-scanning a large library cheap. Everything else is read and hashed later,
//! so a moved or renamed photo is recognised by content and keeps its vectors. Hidden folders (".name")
//! are not entered and symbolic links to folders are not followed, so scans always terminate; cancel is
//! checked between directory entries, so a stalled network folder cannot hold a cancelled scan.
//!
//! Offline, not deleted: a photo leaves the index only when a complete listing of its folder no longer
//! shows it. A root that is missing, unreadable, listed only in part, or empty where photos were indexed
//! (an unmounted drive's mount point) is offline: its photos are kept, nothing below a folder whose
//! listing failed is pruned, and when the drive returns the files match the index again and nothing is
//! re-encoded.

use std::collections::{HashMap, HashSet};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::FileState;

/// Extensions of the formats we decode (see `decode` for which decoder reads each).
pub const EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "png", "webp", "gif", "bmp", "tif", "tiff", "heic", "heif", "hif", "avif", "jxl", "dng",
    "cr2", "cr3", "nef", "arw", "raf", "orf", "rw2",
];

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

/// What one root of a scan turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootScan {
    pub path: PathBuf,
    /// Why the root could not be listed at all; `None` when it could (maybe in part, see `unlisted`).
    pub offline: Option<String>,
    /// Folders (or files) below the root whose listing failed: nothing under them counts as gone.
    pub unlisted: Vec<PathBuf>,
}

/// The result of walking the roots.
#[derive(Debug, Default)]
pub struct Scan {
    /// Photos found, sorted by path.
    pub found: Vec<ScannedFile>,
    /// Files and folders that could not be read, with the reason (each once).
    pub problems: Vec<(PathBuf, String)>,
    pub roots: Vec<RootScan>,
    /// The walk stopped early: it proves nothing gone.
    pub cancelled: bool,
}

/// Walk `roots` (folders or single files), checking `cancelled` between directory entries.
pub fn scan(roots: &[PathBuf], cancelled: &dyn Fn() -> bool) -> Scan {
    let mut out = Scan::default();
    for root in roots {
        let r = scan_root(root, cancelled, &mut out);
        out.roots.push(r);
        if cancelled() {
            out.cancelled = true;
            break;
        }
    }
    out.found.sort_by(|a, b| a.path.cmp(&b.path));
    out.found.dedup_by(|a, b| a.path == b.path);
    out
}

fn scan_root(root: &Path, cancelled: &dyn Fn() -> bool, out: &mut Scan) -> RootScan {
    let mut rs = RootScan {
        path: root.to_path_buf(),
        offline: None,
        unlisted: Vec::new(),
    };
    match std::fs::metadata(root) {
        Ok(md) if md.is_dir() => {}
        Ok(_) if is_photo(root) => {
            match ScannedFile::stat(root) {
                Ok(f) => out.found.push(f),
                Err(e) => rs.offline = Some(format!("cannot read: {e}")),
            }
            return rs;
        }
        Ok(_) => {
            out.problems
                .push((root.to_path_buf(), "not a folder or a supported photo".into()));
            return rs;
        }
        // A single photo whose folder lists fine but lacks it is gone; a missing folder is offline.
        Err(e) if e.kind() == ErrorKind::NotFound && is_photo(root) && root.parent().is_some_and(Path::is_dir) => {
            return rs;
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            rs.offline = Some("folder not found (renamed, or on a drive that is not connected?)".into());
            return rs;
        }
        Err(e) => {
            rs.offline = Some(format!("cannot open: {e}"));
            return rs;
        }
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if cancelled() {
            return rs;
        }
        if let Err(e) = list_dir(&dir, cancelled, &mut stack, out) {
            if dir == root {
                rs.offline = Some(format!("cannot read folder: {e}"));
            } else {
                out.problems.push((dir.clone(), format!("cannot read folder: {e}")));
                rs.unlisted.push(dir);
            }
        }
    }
    rs
}

/// List one folder: photos into `out.found`, sub-folders onto `stack`. An error means the listing is
/// incomplete (entries already pushed stay; the caller keeps everything below `dir` from being pruned).
fn list_dir(dir: &Path, cancelled: &dyn Fn() -> bool, stack: &mut Vec<PathBuf>, out: &mut Scan) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        if cancelled() {
            return Ok(());
        }
        let entry = entry?;
        let hidden = entry.file_name().as_encoded_bytes().starts_with(b".");
        if hidden {
            continue;
        }
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            stack.push(path);
        } else if is_photo(&path) {
            match ScannedFile::stat(&path) {
                Ok(f) => out.found.push(f),
                // Deleted between the listing and the stat: it is gone, nothing to report.
                Err(e) if e.kind() == ErrorKind::NotFound && !ft.is_symlink() => {}
                Err(e) if ft.is_symlink() => out.problems.push((path, format!("broken link: {e}"))),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
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
    /// Indexed files under the scanned roots that a complete listing shows gone (moved or deleted).
    pub vanished: Vec<FileState>,
    /// Every scanned root with why it is offline (`None`: online): missing, unreadable, empty where
    /// photos were indexed, or only partly listed (then only the unlisted parts are kept from pruning).
    pub roots: Vec<(PathBuf, Option<String>)>,
}

/// Compare a scan with the index. Only files under a root that was listed completely (or under the
/// completely listed parts of a root) can be vanished; with `prune == false` or a cancelled scan none are.
pub fn plan(scan: Scan, indexed: Vec<FileState>, skipped: &HashMap<PathBuf, (u64, i64)>, prune: bool) -> Plan {
    let seen: HashSet<&Path> = scan.found.iter().map(|f| f.path.as_path()).collect();
    let by_path: HashMap<&Path, &FileState> = indexed.iter().map(|s| (s.path.as_path(), s)).collect();
    let mut plan = Plan::default();
    for f in &scan.found {
        match by_path.get(f.path.as_path()) {
            Some(s) if s.size == f.size && s.mtime_ns == f.mtime_ns => plan.unchanged += 1,
            _ if skipped.get(&f.path) == Some(&(f.size, f.mtime_ns)) => plan.known_bad += 1,
            _ => plan.to_process.push(f.clone()),
        }
    }
    let mut roots = scan.roots;
    for r in roots.iter_mut().filter(|r| r.offline.is_none()) {
        let had = indexed.iter().filter(|s| s.path.starts_with(&r.path)).count();
        if had > 0 && !scan.found.iter().any(|f| f.path.starts_with(&r.path)) && r.path.is_dir() {
            r.offline = Some(format!(
                "no photos found where {had} were indexed (a drive that is not connected?)"
            ));
        }
    }
    if prune && !scan.cancelled {
        let online: Vec<&RootScan> = roots.iter().filter(|r| r.offline.is_none()).collect();
        let complete = |p: &Path| {
            online
                .iter()
                .any(|r| p.starts_with(&r.path) && !r.unlisted.iter().any(|u| p.starts_with(u)))
        };
        let protected = |p: &Path| roots.iter().any(|r| r.unlisted.iter().any(|u| p.starts_with(u)));
        plan.vanished = indexed
            .iter()
            .filter(|s| !seen.contains(s.path.as_path()) && complete(&s.path) && !protected(&s.path))
            .cloned()
            .collect();
    }
    plan.roots = roots
        .into_iter()
        .map(|r| {
            let partly = r.unlisted.first().map(|first| {
                format!(
                    "only partly listed: {} folder(s) below it could not be read, e.g. {}",
                    r.unlisted.len(),
                    first.display()
                )
            });
            (r.path, r.offline.or(partly))
        })
        .collect();
    plan
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
