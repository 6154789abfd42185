//! A generated corpus of bad input beside good photos: zero-byte, truncated and wrong-extension files,
//! dangling links, link loops (to files and to folders), a folder of 10,000 tiny files, a file and a folder
//! deleted while the run is under way, and (when permissions apply) an unreadable file fixed between runs.
//! No crash, no hang, each problem reported once per run, every good photo indexed. Decoder-specific
//! inputs (huge, 16-bit, CMYK, animated) are covered with the decoder's own tests.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use vignette::jobs::{CancelToken, IndexRequest, JobEvent, run_index};

use crate::support::TestEnv;

fn skipped_names(events: &[JobEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            JobEvent::Skipped { path, .. } => Some(name(path)),
            _ => None,
        })
        .collect()
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Index `photos/` calling `during` once the scan is done and decoding is about to start.
fn index_with(
    env: &TestEnv,
    engine: &vignette::engine::Engine,
    during: &dyn Fn(),
) -> (vignette::jobs::IndexSummary, Vec<JobEvent>) {
    let events = std::sync::Mutex::new(Vec::new());
    let req = IndexRequest {
        roots: vec![env.photos()],
        remember_folders: true,
        prune: true,
    };
    let emit = |e: JobEvent| {
        if matches!(e, JobEvent::Started { .. }) {
            during();
        }
        events.lock().expect("lock").push(e);
    };
    let s = run_index(engine, &req, &emit, &CancelToken::new()).expect("index");
    (s, events.into_inner().expect("lock"))
}

#[cfg(unix)]
#[test]
fn bad_input_corpus() {
    use std::os::unix::fs::symlink;
    let env = TestEnv::new();
    let p = env.photos();
    let mut good: Vec<PathBuf> = [
        "a.png",
        "b.jpg",
        "c.bmp",
        "d.gif",
        "e.tif",
        "deep/er/f.png",
        "gone-soon/g.png",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| env.photo(n, [(i * 40) as u8, 200, (255 - i * 30) as u8]))
    .collect();
    // A PNG named .jpg is a good photo: the format comes from the content.
    std::fs::copy(p.join("a.png"), p.join("png-named.jpg")).expect("copy");
    good.push(p.join("png-named.jpg"));
    std::fs::write(p.join("zero.jpg"), b"").expect("write");
    let jpg = std::fs::read(p.join("b.jpg")).expect("read");
    std::fs::write(p.join("truncated.jpg"), &jpg[..jpg.len() / 2]).expect("write");
    std::fs::write(p.join("text.png"), b"hello, not a picture").expect("write");
    symlink(p.join("nowhere.jpg"), p.join("dangling.jpg")).expect("symlink");
    symlink(p.join("loop2.jpg"), p.join("loop1.jpg")).expect("symlink");
    symlink(p.join("loop1.jpg"), p.join("loop2.jpg")).expect("symlink");
    symlink(&p, p.join("deep/folder-loop")).expect("symlink");
    let many = p.join("many");
    std::fs::create_dir(&many).expect("mkdir");
    for i in 0..10_000 {
        std::fs::write(many.join(format!("note{i:05}.txt")), b"x").expect("write");
    }
    for i in 0..3 {
        good.push(env.photo(&format!("many/tiny{i}.png"), [10, (i * 80) as u8, 10]));
    }
    let doomed = env.photo("doomed.png", [1, 2, 3]);
    let locked = env.photo("locked.png", [90, 90, 200]);
    let permissions = crate::rel_support::permissions_enforced();
    if permissions {
        crate::rel_support::chmod(&locked, 0o000);
    } else {
        good.push(locked.clone());
    }

    let engine = env.engine("tiny-aligned");
    // Deleted after the scan listed them: a file and a whole folder.
    let (s, events) = index_with(&env, &engine, &|| {
        std::fs::remove_file(&doomed).expect("rm");
        std::fs::remove_dir_all(p.join("gone-soon")).expect("rm -r");
    });
    good.retain(|g| !g.starts_with(p.join("gone-soon")));
    let reported = skipped_names(&events);
    let unique: HashSet<&String> = reported.iter().collect();
    assert_eq!(unique.len(), reported.len(), "each problem once: {reported:?}");
    let mut expected = vec![
        "zero.jpg",
        "truncated.jpg",
        "text.png",
        "dangling.jpg",
        "loop1.jpg",
        "loop2.jpg",
        "doomed.png",
        "g.png",
    ];
    if permissions {
        expected.push("locked.png");
    }
    let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    let mut got = reported.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "{s:?}");
    assert_eq!(s.indexed, good.len(), "every good photo indexed: {s:?}");

    // Next run: decode failures are remembered, the vanished files pruned, the fixed file indexed.
    if permissions {
        crate::rel_support::chmod(&locked, 0o644);
    }
    let (s, events) = index_with(&env, &engine, &|| {});
    let mut again = skipped_names(&events);
    again.sort();
    assert_eq!(again, ["dangling.jpg", "loop1.jpg", "loop2.jpg"], "{s:?}");
    assert_eq!(
        s.previously_skipped, 3,
        "zero, truncated and text are not decoded again: {s:?}"
    );
    assert_eq!(s.indexed, usize::from(permissions), "{s:?}");
    let states = engine.index().expect("index").states().expect("states");
    let mut indexed: Vec<PathBuf> = states.into_iter().map(|st| st.path).collect();
    indexed.sort();
    let mut good: Vec<PathBuf> = good.iter().map(|g| std::fs::canonicalize(g).expect("canon")).collect();
    if permissions {
        good.push(std::fs::canonicalize(&locked).expect("canon"));
    }
    good.sort();
    assert_eq!(indexed, good);
}
