//! Issue 9's repros through the library and the CLI: an unplugged folder keeps its photos and comes back
//! without re-encoding; a file name that is not UTF-8 is indexed beside its neighbours; unreadable files are
//! retried while undecodable ones are remembered.

use vignette::jobs::JobEvent;
use vignette::search::Searcher;

use crate::rel_support::{err, out, permissions_enforced, run};
use crate::support::{TestEnv, index_roots};

const RED: [u8; 3] = [230, 20, 20];
const GREEN: [u8; 3] = [20, 230, 20];
const BLUE: [u8; 3] = [20, 20, 230];

fn three_photos() -> TestEnv {
    let env = TestEnv::new();
    env.photo("red.png", RED);
    env.photo("sub/green.png", GREEN);
    env.photo("blue.jpg", BLUE);
    env
}

#[test]
fn offline_folder_keeps_its_photos_and_returns_without_reencoding() {
    let env = three_photos();
    let engine = env.engine("tiny-aligned");
    assert_eq!(env.index(&engine).0.indexed, 3);
    let folders = engine.index().expect("index").folders().expect("folders");
    assert_eq!(folders.len(), 1);

    // Unplugged (renamed away): nothing removed, the folder is offline, search still has every photo.
    let away = env.dir.path().join("unplugged");
    std::fs::rename(env.photos(), &away).expect("rename");
    let (s, events) = index_roots(&engine, folders.clone());
    assert_eq!((s.removed, s.indexed, s.offline.len()), (0, 0, 1), "{s:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, JobEvent::Note(n) if n.contains("offline")))
    );
    let status = engine.index().expect("index").folder_status().expect("status");
    assert_eq!(status[0].photos, 3);
    assert!(
        status[0].offline.as_deref().is_some_and(|r| r.contains("not found")),
        "{status:?}"
    );
    assert_eq!(Searcher::new(engine.clone()).expect("searcher").len(), 3);

    // An empty mount point where the drive was: still offline, still nothing removed.
    std::fs::create_dir(env.photos()).expect("mkdir");
    let (s, _) = index_roots(&engine, folders.clone());
    assert_eq!(s.removed, 0, "{s:?}");
    assert!(s.offline[0].1.contains("no photos found"), "{s:?}");

    // The CLI says the same: `vignette index` removes nothing, `vignette info` shows the folder offline.
    let o = run(&env, &["index"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&env, &["info"]);
    assert!(out(&o).contains("3 photos kept, offline"), "{}", out(&o));

    // Plugged back: online again, nothing decoded or encoded.
    std::fs::remove_dir(env.photos()).expect("rmdir");
    std::fs::rename(&away, env.photos()).expect("rename back");
    let (s, _) = index_roots(&engine, folders.clone());
    assert_eq!((s.indexed, s.reused, s.unchanged, s.removed), (0, 0, 3, 0), "{s:?}");
    assert!(s.offline.is_empty());
    let status = engine.index().expect("index").folder_status().expect("status");
    assert_eq!(status[0].offline, None);

    // Online, a photo positively seen gone is removed.
    std::fs::remove_file(env.photos().join("red.png")).expect("rm");
    assert_eq!(index_roots(&engine, folders).0.removed, 1);
}

#[cfg(unix)]
#[test]
fn unreadable_sub_folder_is_not_pruned() {
    if !permissions_enforced() {
        return;
    }
    let env = three_photos();
    let engine = env.engine("tiny-aligned");
    env.index(&engine);
    let sub = env.photos().join("sub");
    crate::rel_support::chmod(&sub, 0o000);
    std::fs::remove_file(env.photos().join("red.png")).expect("rm");
    let (s, _) = env.index(&engine);
    crate::rel_support::chmod(&sub, 0o755);
    assert_eq!(s.removed, 1, "red.png is gone, green.png only unlisted: {s:?}");
    assert!(s.offline[0].1.contains("only partly listed"), "{s:?}");
    assert_eq!(engine.index().expect("index").stats().expect("stats").photos, 2);
}

#[cfg(unix)]
#[test]
fn non_utf8_name_is_indexed_beside_its_neighbours() {
    use std::os::unix::ffi::OsStrExt as _;
    let env = TestEnv::new();
    env.photo("a.jpg", RED);
    env.photo("c.jpg", BLUE);
    let tmp = env.photo("tmp.jpg", GREEN);
    let odd = env.photos().join(std::ffi::OsStr::from_bytes(b"b\xe9.jpg"));
    if std::fs::rename(&tmp, &odd).is_err() {
        eprintln!("skipping: this file system refuses names that are not UTF-8");
        return;
    }
    let photos = env.photos();
    let o = run(&env, &["index", photos.to_str().expect("utf8"), "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let s: serde_json::Value = serde_json::from_str(out(&o).trim()).expect("json");
    assert_eq!(s["indexed"], 3, "{s}");

    let engine = env.engine("tiny-aligned");
    let states = engine.index().expect("index").states().expect("states");
    let canon = std::fs::canonicalize(&odd).expect("canonicalize");
    assert!(states.iter().any(|st| st.path == canon), "the exact bytes are stored");
    let o = run(&env, &["search", "grass", "--json", "-k", "1"]);
    assert!(out(&o).contains("b\u{fffd}.jpg"), "{}", out(&o));
    let o = run(&env, &["index", "--json"]);
    let s: serde_json::Value = serde_json::from_str(out(&o).trim()).expect("json");
    assert_eq!(
        (s["unchanged"].as_u64(), s["indexed"].as_u64()),
        (Some(3), Some(0)),
        "{s}"
    );
}

#[test]
fn undecodable_files_are_remembered_and_unreadable_ones_retried() {
    let env = three_photos();
    std::fs::write(env.photos().join("broken.jpg"), b"\xff\xd8\xff\xe0 not really a jpeg").expect("write");
    let engine = env.engine("tiny-aligned");
    let (s, _) = env.index(&engine);
    assert_eq!((s.indexed, s.skipped.len()), (3, 1), "{s:?}");
    let (s, _) = env.index(&engine);
    assert_eq!((s.skipped.len(), s.previously_skipped), (0, 1), "reported once: {s:?}");

    #[cfg(unix)]
    if permissions_enforced() {
        let locked = env.photo("locked.png", [200, 200, 20]);
        crate::rel_support::chmod(&locked, 0o000);
        let (s, _) = env.index(&engine);
        assert_eq!(s.skipped.len(), 1, "{s:?}");
        assert!(s.skipped[0].1.contains("cannot read"), "{s:?}");
        let remembered = engine.index().expect("index").skipped().expect("skipped");
        assert!(
            remembered.iter().all(|f| !f.path.ends_with("locked.png")),
            "{remembered:?}"
        );
        crate::rel_support::chmod(&locked, 0o644);
        let (s, _) = env.index(&engine);
        assert_eq!((s.indexed, s.skipped.len()), (1, 0), "retried after chmod: {s:?}");
    }
}

#[cfg(unix)]
#[test]
fn data_folder_is_created_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = three_photos();
    let engine = env.engine("tiny-aligned");
    env.index(&engine);
    for d in [env.data(), env.data().join("indexes")] {
        let mode = std::fs::metadata(&d).expect("stat").permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", d.display());
    }
}
