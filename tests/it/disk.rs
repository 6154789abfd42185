//! A full disk and a read-only data folder: a clear error, and the index as it was, still searchable.

use std::process::Command;

use vignette::search::Searcher;

use crate::rel_support::{check_consistent, err, out, run};
use crate::support::{TestEnv, tiny_pack};

fn photos(env: &TestEnv, from: usize, n: usize) {
    for i in from..from + n {
        let img = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5 + i as u32 * 9) as u8, (i * 31 % 256) as u8])
        });
        img.save(env.photos().join(format!("p{i:03}.png"))).expect("save");
    }
}

/// The file-size limit (`ulimit -f`, with SIGXFSZ ignored so writes fail with EFBIG instead of killing the
/// process) stands in for a full disk: SQLite's writes fail exactly as they do on one.
#[cfg(unix)]
#[test]
fn full_disk_gives_a_clear_error_and_keeps_the_index() {
    let env = TestEnv::new();
    photos(&env, 0, 3);
    let dir = env.photos();
    let o = run(&env, &["index", dir.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", err(&o));
    let engine = env.engine("tiny-aligned");
    let db = engine.index_path();
    let before = std::fs::metadata(&db).expect("db").len();
    photos(&env, 3, 60);
    // Room for the database as it is plus a few KB: the WAL of the new batches does not fit.
    let blocks = before / 512 + 16;
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" --quiet --threads 2 --data-dir \"$1\" --pack \"$2\" index \"$3\""
    );
    let o = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_vignette"))
        .arg(env.data())
        .arg(tiny_pack("tiny-aligned"))
        .arg(&dir)
        .output()
        .expect("sh");
    assert_eq!(o.status.code(), Some(1), "stdout {} stderr {}", out(&o), err(&o));
    let msg = err(&o);
    assert!(msg.contains("disk") || msg.contains("cannot write"), "{msg}");
    let kept = check_consistent(&db, 4);
    assert!(kept >= 3, "the three photos indexed before are intact: {kept}");
    assert_eq!(Searcher::new(engine).expect("searcher").len(), kept);
    let o = run(&env, &["index", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(check_consistent(&db, 4), 63, "with room again, the re-run finishes");
}

#[cfg(unix)]
#[test]
fn read_only_data_folder_keeps_search_working() {
    if !crate::rel_support::permissions_enforced() {
        return;
    }
    use crate::rel_support::chmod;
    let env = TestEnv::new();
    photos(&env, 0, 3);
    let dir = env.photos();
    assert!(run(&env, &["index", dir.to_str().expect("utf8")]).status.success());
    photos(&env, 3, 2);
    let data = env.data();
    let indexes = data.join("indexes");
    let files: Vec<_> = std::fs::read_dir(&indexes)
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .collect();
    for f in &files {
        chmod(f, 0o444);
    }
    chmod(&indexes, 0o555);
    chmod(&data, 0o555);
    let indexed = run(&env, &["index", dir.to_str().expect("utf8")]);
    let searched = run(&env, &["search", "red", "--json"]);
    chmod(&data, 0o700);
    chmod(&indexes, 0o700);
    for f in &files {
        chmod(f, 0o644);
    }
    assert_eq!(indexed.status.code(), Some(1));
    assert!(
        err(&indexed).contains("read-only") || err(&indexed).contains("cannot"),
        "{}",
        err(&indexed)
    );
    assert!(searched.status.success(), "{}", err(&searched));
    assert_eq!(out(&searched).lines().count(), 3, "the old index answers");
    assert_eq!(check_consistent(&env.engine("tiny-aligned").index_path(), 4), 3);
}
