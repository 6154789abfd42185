//! Indexing and search through the library API with the tiny colour packs.

use std::time::Duration;

use vignette::jobs::{CancelToken, IndexRequest, JobEvent, run_index};
use vignette::search::{SearchOptions, Searcher};

use crate::support::{TestEnv, names};

const RED: [u8; 3] = [230, 20, 20];
const GREEN: [u8; 3] = [20, 230, 20];
const BLUE: [u8; 3] = [20, 20, 230];

fn search(engine: &std::sync::Arc<vignette::engine::Engine>, q: &str) -> Vec<String> {
    let mut s = Searcher::new(engine.clone()).expect("searcher");
    names(&s.search(q, SearchOptions::default()).expect("search"))
}

#[test]
fn index_then_search_ranks_by_colour() {
    let env = TestEnv::new();
    env.photo("red.png", RED);
    env.photo("sub/green.jpg", GREEN);
    env.photo("blue.webp", BLUE);
    std::fs::write(env.photos().join("broken.jpg"), b"\xff\xd8\xff\xe0 not really a jpeg").expect("write");
    let engine = env.engine("tiny-aligned");
    let (s, events) = env.index(&engine);
    assert_eq!(s.indexed, 3, "{s:?}");
    assert_eq!(s.skipped.len(), 1);
    assert!(s.skipped[0].0.ends_with("broken.jpg"));
    assert!(
        matches!(events.first(), Some(JobEvent::Started { total: 4 })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, JobEvent::Skipped { path, .. } if path.ends_with("broken.jpg")))
    );
    assert!(matches!(events.last(), Some(JobEvent::Finished(_))));

    assert_eq!(search(&engine, "red")[0], "red.png");
    assert_eq!(search(&engine, "blue")[0], "blue.webp");
    assert_eq!(search(&engine, "grass")[0], "green.jpg");
    // weights and negatives: "sky" is mostly blue with some green; minus twice blue leaves green on top
    assert_eq!(search(&engine, "sky")[0], "blue.webp");
    assert_eq!(search(&engine, "sky - 2:blue")[0], "green.jpg");
    // image as query
    let q = format!("\"{}\"", env.photos().join("red.png").display());
    assert_eq!(search(&engine, &q)[0], "red.png");
}

#[test]
fn min_score_and_k_cut_the_tail() {
    let env = TestEnv::new();
    for (n, c) in [("r.png", RED), ("g.png", GREEN), ("b.png", BLUE)] {
        env.photo(n, c);
    }
    let engine = env.engine("tiny-aligned");
    env.index(&engine);
    let mut s = Searcher::new(engine).expect("searcher");
    let all = s
        .search("red", SearchOptions { k: 10, min_score: -1.0 })
        .expect("search");
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
    let cut = s
        .search("red", SearchOptions { k: 10, min_score: 0.5 })
        .expect("search");
    assert_eq!(names(&cut), ["r.png"]);
    assert_eq!(
        s.search("red", SearchOptions { k: 2, min_score: -1.0 })
            .expect("search")
            .len(),
        2
    );
}

#[test]
fn incremental_rescan_moves_deletes_and_changes() {
    let env = TestEnv::new();
    env.photo("red.png", RED);
    env.photo("green.png", GREEN);
    env.photo("blue.png", BLUE);
    std::fs::write(env.photos().join("bad.png"), b"garbage").expect("write");
    let engine = env.engine("tiny-aligned");
    let (first, _) = env.index(&engine);
    assert_eq!((first.indexed, first.skipped.len()), (3, 1));

    let (again, _) = env.index(&engine);
    assert_eq!(
        (
            again.indexed,
            again.unchanged,
            again.skipped.len(),
            again.previously_skipped
        ),
        (0, 3, 0, 1)
    );

    std::fs::create_dir_all(env.photos().join("moved")).expect("mkdir");
    std::fs::rename(env.photos().join("green.png"), env.photos().join("moved/verde.png")).expect("rename");
    std::fs::remove_file(env.photos().join("blue.png")).expect("rm");
    std::thread::sleep(Duration::from_millis(20));
    env.photo("red.png", [40, 40, 200]); // same name, new (blue-ish) content
    let (s, _) = env.index(&engine);
    assert_eq!((s.indexed, s.reused, s.removed, s.unchanged), (1, 1, 1, 0), "{s:?}");
    let paths: Vec<_> = engine
        .index()
        .expect("index")
        .states()
        .expect("states")
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(paths.len(), 2);
    assert!(paths.iter().any(|p| p.ends_with("moved/verde.png")));
    assert_eq!(search(&engine, "blue")[0], "red.png");
    assert_eq!(search(&engine, "green")[0], "verde.png");
}

#[test]
fn labels_pack_bridges_through_class_names() {
    let env = TestEnv::new();
    env.photo("red.png", RED);
    env.photo("green.png", GREEN);
    env.photo("blue.png", BLUE);
    let engine = env.engine("tiny-labels");
    env.index(&engine);
    assert_eq!(search(&engine, "crimson")[0], "red.png");
    assert_eq!(search(&engine, "sky")[0], "blue.png");
    assert_eq!(search(&engine, "grass")[0], "green.png");
}

#[test]
fn cancel_keeps_committed_batches_and_resumes() {
    let env = TestEnv::new();
    for i in 0..40u8 {
        env.photo(&format!("p{i:02}.png"), [i * 6, 255 - i * 6, 128]);
    }
    let engine = env.engine("tiny-aligned"); // batch 4
    let cancel = CancelToken::new();
    let req = IndexRequest {
        roots: vec![env.photos()],
        remember_folders: true,
        prune: true,
    };
    let events = std::sync::Mutex::new(Vec::new());
    let summary = run_index(
        &engine,
        &req,
        &|e| {
            if matches!(e, JobEvent::Progress { done, .. } if done >= 8) {
                cancel.cancel();
            }
            events.lock().expect("lock").push(e);
        },
        &cancel,
    )
    .expect("run");
    let events = events.into_inner().expect("lock");
    assert!(
        matches!(events.last(), Some(JobEvent::Cancelled(_))),
        "{:?}",
        events.last()
    );
    assert!(summary.cancelled, "the summary says the run was cancelled");
    let stored = engine.index().expect("index").stats().expect("stats").photos as usize;
    assert_eq!(stored, summary.indexed);
    assert!((8..40).contains(&stored), "{stored}");
    let (rest, _) = env.index(&engine);
    assert_eq!(rest.unchanged, stored);
    assert_eq!(rest.indexed, 40 - stored);
}

#[test]
fn huge_and_odd_files_are_skipped_with_reasons() {
    let env = TestEnv::new();
    env.photo("ok.png", RED);
    // A BMP header claiming 100000 x 100000 pixels: refused from the header, before any allocation.
    let mut bmp = Vec::new();
    bmp.extend_from_slice(b"BM");
    bmp.extend_from_slice(&(54u32).to_le_bytes());
    bmp.extend_from_slice(&[0; 4]);
    bmp.extend_from_slice(&(54u32).to_le_bytes());
    bmp.extend_from_slice(&(40u32).to_le_bytes());
    bmp.extend_from_slice(&(100_000i32).to_le_bytes());
    bmp.extend_from_slice(&(100_000i32).to_le_bytes());
    bmp.extend_from_slice(&(1u16).to_le_bytes());
    bmp.extend_from_slice(&(24u16).to_le_bytes());
    bmp.extend_from_slice(&[0; 24]);
    std::fs::write(env.photos().join("bomb.bmp"), bmp).expect("write");
    std::fs::write(env.photos().join("empty.gif"), b"").expect("write");
    let engine = env.engine("tiny-aligned");
    let (s, _) = env.index(&engine);
    assert_eq!(s.indexed, 1);
    let reasons: Vec<String> = s.skipped.iter().map(|(p, r)| format!("{}: {r}", p.display())).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("bomb.bmp") && r.contains("limit")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("empty.gif")), "{reasons:?}");
}

#[test]
fn broken_packs_say_what_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = crate::support::tiny_pack("tiny-aligned");
    for f in ["pack.toml", "image.onnx", "text.onnx", "tokenizer.json"] {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy");
    }
    let manifest = dir.path().join("pack.toml");
    let good = std::fs::read_to_string(&manifest).expect("read");

    std::fs::write(
        &manifest,
        good.replace("embedding_dim = 4\nsize", "embedding_dim = 5\nsize"),
    )
    .expect("write");
    let err = vignette::model::pack::Pack::load(dir.path()).expect_err("dims mismatch");
    assert!(
        err.to_string().contains("equal embedding sizes") && err.to_string().contains("pack.toml"),
        "{err}"
    );

    std::fs::write(&manifest, good.replace("input = \"pixel_values\"\n", "")).expect("write");
    let err = vignette::model::pack::Pack::load(dir.path()).expect_err("missing field");
    assert!(
        err.to_string().contains("input") && err.to_string().contains("pack.toml"),
        "{err}"
    );

    std::fs::write(&manifest, &good).expect("write");
    std::fs::remove_file(dir.path().join("text.onnx")).expect("rm");
    let err = vignette::model::pack::Pack::load(dir.path()).expect_err("missing file");
    assert!(err.to_string().contains("text.onnx"), "{err}");

    std::fs::write(dir.path().join("text.onnx"), b"not onnx").expect("write");
    let mut config = vignette::config::Config::new(Some(dir.path().join("data"))).expect("config");
    config.pack = dir.path().to_string_lossy().into_owned();
    let engine = vignette::engine::Engine::open(config).expect("manifest is fine");
    let Err(err) = engine.text_encoder() else {
        panic!("a broken model file must not load")
    };
    assert!(err.to_string().contains("text.onnx"), "{err}");
}

#[test]
fn every_supported_format_indexes() {
    let env = TestEnv::new();
    for ext in ["jpg", "png", "webp", "gif", "bmp", "tiff"] {
        env.photo(&format!("red.{ext}"), RED);
    }
    let engine = env.engine("tiny-aligned");
    let (s, _) = env.index(&engine);
    assert_eq!((s.indexed + s.reused, s.skipped.len()), (6, 0), "{s:?}");
    let stats = engine.index().expect("index").stats().expect("stats");
    assert_eq!(stats.photos, 6);
}
