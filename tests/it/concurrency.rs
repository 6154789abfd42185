//! Two writers and many readers on one data folder: a second indexer says "busy" (naming the holder)
//! instead of interleaving, readers never wait for the writer, new indexes open from many threads at once,
//! and search reads vectors and features from one snapshot.

use std::sync::{Arc, Barrier};

use vignette::Error;
use vignette::index::{Index, WriteLock};
use vignette::jobs::{CancelToken, IndexRequest, run_index};
use vignette::search::Searcher;

use crate::rel_support::{check_consistent, cli, err, out, run};
use crate::support::TestEnv;

fn many_photos(n: usize) -> TestEnv {
    let env = TestEnv::new();
    for i in 0..n {
        let c = (i * 37 % 256) as u8;
        env.photo(&format!("p{i:03}.png"), [c, 255 - c, (i % 7 * 30) as u8]);
    }
    env
}

#[test]
fn cli_indexer_says_who_is_busy_and_readers_do_not_wait() {
    let env = many_photos(3);
    let engine = env.engine("tiny-aligned");
    env.index(&engine);
    let held = WriteLock::for_index(&engine.index_path(), "indexing").expect("lock");
    let photos = env.photos();
    let o = run(&env, &["index", photos.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));
    let msg = err(&o);
    assert!(
        msg.contains("busy") && msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    // Readers ignore the lock.
    let o = run(&env, &["search", "red"]);
    assert!(o.status.success() && out(&o).lines().count() == 3, "{}", err(&o));
    assert_eq!(Searcher::new(engine.clone()).expect("searcher").len(), 3);
    drop(held);
    let o = run(&env, &["index", photos.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn two_cli_indexers_on_one_data_folder() {
    let env = many_photos(40);
    let photos = env.photos();
    let spawn = || {
        cli(&env)
            .args(["index", photos.to_str().expect("utf8")])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let outs = [a.wait_with_output().expect("wait"), b.wait_with_output().expect("wait")];
    for o in &outs {
        assert!(o.status.success() || err(o).contains("busy"), "{}", err(o));
    }
    assert!(outs.iter().any(|o| o.status.success()));
    let engine = env.engine("tiny-aligned");
    let o = run(&env, &["index", photos.to_str().expect("utf8"), "--json"]);
    let s: serde_json::Value = serde_json::from_str(out(&o).trim()).expect("json");
    assert_eq!(s["unchanged"], 40, "{s}");
    assert_eq!(check_consistent(&engine.index_path(), 4), 40);
}

#[test]
fn two_library_indexers_at_once() {
    let env = many_photos(24);
    let engine = env.engine("tiny-aligned");
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (engine, barrier, roots) = (engine.clone(), barrier.clone(), vec![env.photos()]);
            std::thread::spawn(move || {
                let req = IndexRequest {
                    roots,
                    remember_folders: true,
                    prune: true,
                };
                barrier.wait();
                run_index(&engine, &req, &|_| {}, &CancelToken::new())
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().expect("join")).collect();
    for r in &results {
        assert!(r.is_ok() || matches!(r, Err(Error::Busy(_))), "{:?}", r.as_ref().err());
    }
    let done: usize = results.iter().flatten().map(|s| s.indexed + s.reused).sum();
    assert_eq!(done, 24, "each photo encoded once");
    assert_eq!(check_consistent(&engine.index_path(), 4), 24);
}

#[test]
fn eight_threads_open_a_new_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    for round in 0..4 {
        let path = dir.path().join(format!("indexes/round{round}.sqlite"));
        let barrier = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Index::open(&path, "fp", 4).map(|i| i.folders().map(|f| f.len()))
                })
            })
            .collect();
        for t in threads {
            let r = t.join().expect("join");
            assert!(matches!(r, Ok(Ok(0))), "round {round}: {r:?}");
        }
    }
}

#[test]
fn search_reads_vectors_and_features_from_one_snapshot() {
    let env = many_photos(6);
    let engine = env.engine("tiny-aligned");
    env.index(&engine);
    let reader = engine.index().expect("reader");
    let mut writer = engine.index().expect("writer");
    let first = writer
        .states()
        .expect("states")
        .into_iter()
        .map(|s| s.path)
        .min()
        .expect("a photo");
    let (vectors, features) = reader
        .snapshot(|i| {
            let v = i.vectors_after(0)?;
            writer.remove_paths(std::slice::from_ref(&first))?;
            Ok((v, i.features_after(0)?))
        })
        .expect("snapshot");
    assert_eq!(vectors.ids, features.0, "both reads see the same rows");
    assert_eq!(vectors.ids.len(), 6);
    assert_eq!(reader.vectors_after(0).expect("fresh read").ids.len(), 5);
}

#[test]
fn a_second_pack_install_is_busy() {
    use vignette::model::manager::{Catalogue, Manager};
    let env = TestEnv::new();
    let packs = env.data().join("packs");
    let held = WriteLock::acquire(&packs.with_extension("lock"), "installing a model pack").expect("lock");
    let m = Manager::new(packs, Catalogue::builtin().expect("catalogue"));
    let pack = crate::support::tiny_pack("tiny-aligned");
    let e = m.import(&pack).expect_err("busy while another install runs");
    assert!(
        matches!(&e, Error::Busy(m) if m.contains("installing a model pack")),
        "{e}"
    );
    drop(held);
    m.import(&pack).expect("imports once the other install is done");
}
