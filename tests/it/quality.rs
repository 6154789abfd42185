//! Search-quality mechanisms on the tiny packs: class descriptions and temperature in the labels bridge
//! (and the label cache key that follows them), a head limited to chosen folders, and the report of a
//! head's effect on photos that were not captioned.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use vignette::engine::Engine;
use vignette::model::pack::Pack;
use vignette::search::{SearchOptions, Searcher};

use crate::support::{TestEnv, index_roots, tiny_pack};

/// A copy of tiny-labels in `dir` whose `[labels]` table is replaced by `labels`.
fn labels_pack(dir: &Path, labels: &str, descriptions: Option<&str>) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let src = tiny_pack("tiny-labels");
    for f in ["image.onnx", "text.onnx", "tokenizer.json", "labels.txt"] {
        std::fs::copy(src.join(f), dir.join(f)).expect("copy pack file");
    }
    let manifest = std::fs::read_to_string(src.join("pack.toml")).expect("manifest");
    let head = manifest.split("[labels]").next().unwrap_or_default();
    std::fs::write(dir.join("pack.toml"), format!("{head}[labels]\n{labels}\n")).expect("write manifest");
    if let Some(d) = descriptions {
        std::fs::write(dir.join("descriptions.txt"), d).expect("write descriptions");
    }
    dir.to_path_buf()
}

fn engine_on(env: &TestEnv, pack: &Path) -> Engine {
    let mut c = env.config("tiny-labels");
    c.pack = pack.to_string_lossy().into_owned();
    Engine::open(c).expect("open engine")
}

#[test]
fn descriptions_and_temperature_change_the_bridge_and_its_cache_key() {
    let env = TestEnv::new();
    let root = env.dir.path();
    let plain = labels_pack(&root.join("plain"), "file = \"labels.txt\"\ntop_k = 2", None);
    let described = labels_pack(
        &root.join("described"),
        "file = \"labels.txt\"\ndescriptions = \"descriptions.txt\"\ntop_k = 2\ntemperature = 2.0\ntemplate = \"{}: {description}\"",
        Some("a crimson photo\nthe colour of grass\nthe colour of the sky\n"),
    );
    let (a, b) = (engine_on(&env, &plain), engine_on(&env, &described));
    assert_ne!(a.fingerprint(), b.fingerprint());
    let bridge = b.label_bridge().expect("bridge").expect("a labels pack");
    assert_eq!(bridge.temperature, 2.0);
    let want = b
        .text_encoder()
        .expect("text encoder")
        .encode(&[
            "red: a crimson photo",
            "green: the colour of grass",
            "blue: the colour of the sky",
        ])
        .expect("encode");
    assert_eq!(bridge.embeddings, want);
    let plain_bridge = a.label_bridge().expect("bridge").expect("a labels pack");
    assert_ne!(plain_bridge.embeddings, want);
    assert_eq!(plain_bridge.temperature, 1.0);
    let cache = |e: &Engine| e.config.cache_dir().join(format!("labels-{}.f32", e.fingerprint()));
    assert!(cache(&a).is_file() && cache(&b).is_file());

    // (The tiny tokenizer knows only colour words, "photo", "a" and "of".)
    // Editing one description is a new bridge: a new fingerprint, so a new cache file and a new index.
    std::fs::write(
        described.join("descriptions.txt"),
        "a sky photo\nthe colour of grass\nthe colour of the sky\n",
    )
    .expect("write");
    let c = engine_on(&env, &described);
    assert_ne!(c.fingerprint(), b.fingerprint());
    let edited = c.label_bridge().expect("bridge").expect("a labels pack");
    assert_ne!(edited.embeddings, bridge.embeddings);

    // One line short: a clear error naming both counts.
    std::fs::write(
        described.join("descriptions.txt"),
        "a crimson photo\nthe colour of grass\n",
    )
    .expect("write");
    let e = engine_on(&env, &described)
        .label_bridge()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("3 class names but 2 descriptions"), "{e}");

    // A template that needs descriptions without a file, and a bad temperature, are refused at load.
    for (name, labels, message) in [
        (
            "bad",
            "top_k = 2\ntemplate = \"{} {description}\"",
            "labels.descriptions",
        ),
        (
            "cold",
            "top_k = 2\ntemperature = 0.0",
            "labels.temperature must be positive",
        ),
    ] {
        let bad = labels_pack(&root.join(name), &format!("file = \"labels.txt\"\n{labels}"), None);
        let e = Pack::load(&bad).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(message), "{e}");
    }
}

/// Colour photos under `photos/<folder>/` with a caption each.
fn colour_photos(env: &TestEnv, folder: &str, n: u8) -> Vec<(PathBuf, &'static str)> {
    let words = [
        ("crimson photo", [220u8, 30, 30]),
        ("grass", [30, 220, 30]),
        ("a sky", [30, 30, 220]),
    ];
    let mut out = Vec::new();
    for i in 0..n {
        for (cap, c) in words {
            let name = format!("{folder}/{}{i}.png", cap.replace(' ', "_"));
            let rgb = [
                c[0].saturating_sub(i * 9),
                c[1].saturating_sub(i * 7),
                c[2].saturating_sub(i * 5),
            ];
            out.push((env.photo(&name, rgb), cap));
        }
    }
    out
}

#[test]
fn a_head_applied_to_one_folder_leaves_other_photos_at_their_zero_shot_score() {
    let env = TestEnv::new();
    let captioned = colour_photos(&env, "mine", 8);
    let _others = colour_photos(&env, "others", 8);
    let engine = Arc::new(Engine::open(env.config("tiny-labels")).expect("engine"));
    index_roots(&engine, vec![env.photos()]);
    let lines: String = captioned
        .iter()
        .map(|(p, cap)| format!("{}\n", serde_json::json!({"image": p, "caption": cap})))
        .collect();
    let captions = env.photos().join("mine/captions.jsonl");
    std::fs::write(&captions, lines).expect("write captions");
    let mine = env.photos().join("mine");
    let train = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vignette"))
            .arg("--data-dir")
            .arg(env.data())
            .arg("--pack")
            .arg(tiny_pack("tiny-labels"))
            .arg("train")
            .arg(&captions)
            .args(args)
            .output()
            .expect("run vignette train")
    };
    let o = train(&[
        "--name",
        "mine",
        "--epochs",
        "3",
        "--apply-to",
        mine.to_str().expect("utf8"),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("photos you did not caption (24 sampled"), "{out}");
    let user_pack = env.data().join("packs/tiny-labels");
    let manifest = std::fs::read_to_string(user_pack.join("pack.toml")).expect("manifest");
    assert!(manifest.contains("folders"), "{manifest}");
    // Whatever blend validation chose on 16 photos, weigh the head in (the manifest's blend overrides).
    let manifest: String = manifest
        .lines()
        .map(|l| {
            if l.starts_with("blend = ") {
                "blend = 0.5".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(user_pack.join("pack.toml"), manifest).expect("write manifest");

    // Same index (the fingerprint ignores heads): compare every photo's score with and without the head.
    let mut config = env.config("tiny-labels");
    config.pack = user_pack.to_string_lossy().into_owned();
    let with_head = Arc::new(Engine::open(config).expect("user pack"));
    assert_eq!(with_head.fingerprint(), engine.fingerprint());
    let opts = SearchOptions {
        k: 100,
        ..Default::default()
    };
    let mut s = Searcher::new(Arc::clone(&with_head)).expect("searcher");
    assert!(s.head().is_some());
    let mut z = Searcher::new(engine).expect("searcher");
    let (hits, zero) = (
        s.search("grass", opts).expect("search"),
        z.search("grass", opts).expect("search"),
    );
    assert_eq!(hits.len(), 48);
    let zero_score = |p: &Path| zero.iter().find(|h| h.path == p).map(|h| h.score).expect("same photos");
    let canon_mine = std::fs::canonicalize(&mine).expect("canonical");
    let (mut inside_changed, mut outside) = (0, 0);
    for h in &hits {
        if h.path.starts_with(&canon_mine) {
            inside_changed += usize::from((h.score - zero_score(&h.path)).abs() > 1e-6);
        } else {
            outside += 1;
            assert!(
                (h.score - zero_score(&h.path)).abs() < 1e-6,
                "{} moved",
                h.path.display()
            );
        }
    }
    assert_eq!(outside, 24);
    assert!(inside_changed > 0, "the head changes nothing in the chosen folder");

    // A folder that does not exist is refused before anything is saved.
    let o = train(&["--epochs", "1", "--apply-to", "/no/such/folder"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/folder"));
}
