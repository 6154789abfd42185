//! Unit tests of `scan` (kept beside it so the module stays short).

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

fn file(p: &str, size: u64, mtime_ns: i64) -> ScannedFile {
    ScannedFile {
        path: p.into(),
        size,
        mtime_ns,
    }
}

fn root(p: &str, offline: Option<&str>, unlisted: &[&str]) -> RootScan {
    RootScan {
        path: p.into(),
        offline: offline.map(str::to_owned),
        unlisted: unlisted.iter().map(PathBuf::from).collect(),
    }
}

#[test]
fn plan_sorts_files_into_buckets() {
    let scan = Scan {
        found: vec![
            file("/r/a.jpg", 1, 1),
            file("/r/b.jpg", 2, 5),
            file("/r/c.jpg", 3, 3),
            file("/r/bad.jpg", 4, 4),
        ],
        roots: vec![root("/r", None, &[])],
        ..Scan::default()
    };
    let indexed = vec![
        state("/r/a.jpg", 1, 1),
        state("/r/b.jpg", 2, 2),
        state("/r/gone.jpg", 9, 9),
        state("/other/x.jpg", 1, 1),
    ];
    let skipped = HashMap::from([(PathBuf::from("/r/bad.jpg"), (4, 4))]);
    let p = plan(scan, indexed, &skipped, true);
    assert_eq!(p.unchanged, 1);
    assert_eq!(p.known_bad, 1);
    let todo: Vec<_> = p.to_process.iter().map(|f| f.path.to_str().unwrap_or("")).collect();
    assert_eq!(todo, ["/r/b.jpg", "/r/c.jpg"]);
    assert_eq!(p.vanished.len(), 1);
    assert_eq!(p.vanished[0].path, PathBuf::from("/r/gone.jpg"));
}

#[test]
fn nothing_vanishes_under_an_offline_root_or_an_unlisted_folder() {
    let scan = Scan {
        found: vec![file("/r/keep.jpg", 1, 1)],
        roots: vec![
            root("/gone", Some("folder not found"), &[]),
            root("/r", None, &["/r/locked"]),
        ],
        ..Scan::default()
    };
    let indexed = vec![
        state("/gone/a.jpg", 1, 1),
        state("/r/keep.jpg", 1, 1),
        state("/r/locked/b.jpg", 1, 1),
        state("/r/deleted.jpg", 1, 1),
    ];
    let p = plan(scan, indexed, &HashMap::new(), true);
    let gone: Vec<_> = p.vanished.iter().map(|s| s.path.clone()).collect();
    assert_eq!(gone, [PathBuf::from("/r/deleted.jpg")]);
    assert_eq!(p.roots[0].1.as_deref(), Some("folder not found"));
    assert!(
        p.roots[1]
            .1
            .as_deref()
            .is_some_and(|r| r.starts_with("only partly listed"))
    );
}

#[test]
fn a_cancelled_scan_proves_nothing_gone() {
    let scan = Scan {
        roots: vec![root("/r", None, &[])],
        cancelled: true,
        ..Scan::default()
    };
    let p = plan(scan, vec![state("/r/a.jpg", 1, 1)], &HashMap::new(), true);
    assert!(p.vanished.is_empty());
}

#[test]
fn an_empty_root_where_photos_were_is_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = dir.path().to_path_buf();
    let s = scan(std::slice::from_ref(&r), &|| false);
    let indexed = vec![FileState {
        path: r.join("a.jpg"),
        ..state("/x", 1, 1)
    }];
    let p = plan(s, indexed, &HashMap::new(), true);
    assert!(p.vanished.is_empty());
    assert!(
        p.roots[0].1.as_deref().is_some_and(|r| r.contains("no photos found")),
        "{p:?}"
    );
}

#[test]
fn scan_skips_hidden_and_non_photos() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("sub/.hidden")).expect("mkdir");
    for f in ["a.JPG", "sub/b.png", "sub/.hidden/c.jpg", "notes.txt", "sub/.d.jpg"] {
        std::fs::write(dir.path().join(f), b"x").expect("write");
    }
    let s = scan(&[dir.path().to_path_buf(), dir.path().join("missing")], &|| false);
    let names: Vec<_> = s
        .found
        .iter()
        .map(|f| f.path.strip_prefix(dir.path()).expect("prefix").to_path_buf())
        .collect();
    assert_eq!(names, [PathBuf::from("a.JPG"), PathBuf::from("sub/b.png")]);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.roots[0].offline, None);
    assert!(s.roots[1].offline.as_deref().is_some_and(|r| r.contains("not found")));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_end_the_walk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).expect("mkdir");
    std::os::unix::fs::symlink(d, d.join("sub/loop")).expect("symlink");
    std::os::unix::fs::symlink(d.join("nowhere.jpg"), d.join("dangling.jpg")).expect("symlink");
    std::os::unix::fs::symlink(d.join("b.jpg"), d.join("a.jpg")).expect("symlink");
    std::os::unix::fs::symlink(d.join("a.jpg"), d.join("b.jpg")).expect("symlink");
    std::fs::write(d.join("sub/ok.jpg"), b"x").expect("write");
    let s = scan(&[d.to_path_buf()], &|| false);
    assert_eq!(s.found.len(), 1, "{:?}", s.found);
    let bad: Vec<_> = s
        .problems
        .iter()
        .map(|(p, _)| p.file_name().map(|n| n.to_owned()))
        .collect();
    assert_eq!(bad.len(), 3, "{:?}", s.problems);
}

#[test]
fn cancel_stops_between_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..50 {
        std::fs::write(dir.path().join(format!("{i}.jpg")), b"x").expect("write");
    }
    let calls = std::cell::Cell::new(0);
    let s = scan(&[dir.path().to_path_buf()], &|| {
        calls.set(calls.get() + 1);
        calls.get() > 5
    });
    assert!(s.cancelled);
    assert!(s.found.len() < 50);
}
