//! The model manager against a local HTTP server: install, resume, checksum and HTTP failures, cancel,
//! import and remove, and the invariant that a failed install never leaves a pack folder behind.

pub(crate) mod server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use vignette::jobs::CancelToken;
use vignette::model::manager::{Catalogue, EntryState, InstallEvent, Manager};
use vignette::model::pack::{Pack, sha256_file};

use crate::support::{TestEnv, tiny_pack};
use server::{Seen, Server};

const PACK_FILES: [&str; 3] = ["image.onnx", "text.onnx", "tokenizer.json"];
const WEIGHTS: &str = "weights.bin";

/// The tiny-aligned pack's files plus a 300 kB blob (so downloads span several reads).
pub(crate) fn served_files() -> HashMap<String, Vec<u8>> {
    let mut m: HashMap<String, Vec<u8>> = PACK_FILES
        .iter()
        .map(|f| {
            (
                (*f).to_owned(),
                std::fs::read(tiny_pack("tiny-aligned").join(f)).expect("read fixture"),
            )
        })
        .collect();
    let mut x = 0x9e37_79b9_u32;
    let blob = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    m.insert(WEIGHTS.to_owned(), blob);
    m
}

fn sha(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("f");
    std::fs::write(&p, bytes).expect("write");
    sha256_file(&p).expect("sha")
}

/// A catalogue with one entry, `tiny-test`, whose manifest is tiny-aligned's; `edit` may change the
/// per-file lines (url, size, sha256) before they are written.
fn catalogue(server: &Server, files: &HashMap<String, Vec<u8>>, edit: &dyn Fn(&str, &mut [String; 3])) -> Catalogue {
    Catalogue::parse(&catalogue_text(server, files, edit), Path::new("test catalogue")).expect("catalogue")
}

pub(crate) fn catalogue_text(
    server: &Server,
    files: &HashMap<String, Vec<u8>>,
    edit: &dyn Fn(&str, &mut [String; 3]),
) -> String {
    let mut t = String::from(
        "[[pack]]\nname = \"tiny-test\"\ntitle = \"Tiny\"\nlicence = \"MIT\"\nrepository = \"local\"\nrevision = \"0000000000000000000000000000000000000000\"\n",
    );
    for f in PACK_FILES.iter().chain([&WEIGHTS]) {
        let b = &files[*f];
        let mut lines = [
            format!("url = {:?}", server.url(f)),
            format!("size = {}", b.len()),
            format!("sha256 = {:?}", sha(b)),
        ];
        edit(f, &mut lines);
        t += &format!("[[pack.files]]\npath = {f:?}\n{}\n", lines.join("\n"));
    }
    let manifest = std::fs::read_to_string(tiny_pack("tiny-aligned").join("pack.toml")).expect("manifest");
    let manifest = manifest
        .replace("name = \"tiny-aligned\"", "name = \"tiny-test\"")
        .replace("[image]", "[pack.manifest.image]")
        .replace("[text]", "[pack.manifest.text]");
    t += &format!("[pack.manifest]\n{manifest}");
    t
}

fn events_recorder() -> (Arc<Mutex<Vec<InstallEvent>>>, impl Fn(InstallEvent)) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let e = Arc::clone(&events);
    (events, move |ev| e.lock().expect("lock").push(ev))
}

fn staging(env: &TestEnv) -> PathBuf {
    env.data().join("packs/.staging-tiny-test")
}

fn target(env: &TestEnv) -> PathBuf {
    env.data().join("packs/tiny-test")
}

fn manager(env: &TestEnv, cat: Catalogue) -> Manager {
    Manager::new(env.data().join("packs"), cat)
}

#[test]
fn full_install_then_the_engine_uses_it() {
    let env = TestEnv::new();
    let files = served_files();
    let server = Server::start(files.clone());
    let m = manager(&env, catalogue(&server, &files, &|_, _| {}));
    let (events, record) = events_recorder();
    let dir = m.install("tiny-test", &record, &CancelToken::new()).expect("install");
    assert_eq!(dir, target(&env));
    assert!(!staging(&env).exists());
    for f in PACK_FILES.iter().chain([&WEIGHTS]) {
        assert_eq!(std::fs::read(dir.join(f)).expect("read"), files[*f], "{f}");
    }
    let pack = Pack::load(&dir).expect("installed pack loads");
    assert_eq!(
        pack.manifest.image.sha256.as_deref(),
        Some(sha(&files["image.onnx"]).as_str())
    );
    assert_eq!(pack.verify().expect("verify").len(), 2);

    let events = events.lock().expect("lock").clone();
    let total: u64 = files.values().map(|b| b.len() as u64).sum();
    assert_eq!(
        events.first(),
        Some(&InstallEvent::Started {
            files: 4,
            total_bytes: total
        })
    );
    assert!(matches!(events.last(), Some(InstallEvent::Installed { .. })));
    let done: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            InstallEvent::Progress { done_bytes, .. } => Some(*done_bytes),
            _ => None,
        })
        .collect();
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "progress goes forward");
    assert_eq!(done.last(), Some(&total));

    let entry = m.catalogue().get("tiny-test").expect("entry");
    assert_eq!(m.state(entry), EntryState::Installed);
    assert_eq!(
        m.installed()
            .expect("list")
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["tiny-test"]
    );
    let again = m
        .install("tiny-test", &|_| {}, &CancelToken::new())
        .expect_err("already installed");
    assert!(again.to_string().contains("already installed"), "{again}");

    // The normal configuration finds the installed pack by name.
    let mut config = vignette::config::Config::new(Some(env.data())).expect("config");
    config.pack = "tiny-test".into();
    let engine = vignette::engine::Engine::open(config).expect("engine on the installed pack");
    assert_eq!(engine.pack.dir, dir);
}

#[test]
fn a_truncated_body_fails_clearly_then_resumes_with_range() {
    let env = TestEnv::new();
    let files = served_files();
    let server = Server::start(files.clone());
    server.truncate_once(WEIGHTS);
    let m = manager(&env, catalogue(&server, &files, &|_, _| {}));
    let err = m
        .install("tiny-test", &|_| {}, &CancelToken::new())
        .expect_err("truncated");
    let msg = err.to_string();
    assert!(msg.contains(WEIGHTS) && msg.contains(&server.url(WEIGHTS)), "{msg}");
    assert!(msg.contains("truncated") || msg.contains("connection lost"), "{msg}");
    assert!(!target(&env).exists(), "never a half-installed pack");
    let half = files[WEIGHTS].len() as u64 / 2;
    let part = staging(&env).join("weights.bin.part");
    assert_eq!(std::fs::metadata(&part).expect("part kept").len(), half);
    let entry = m.catalogue().get("tiny-test").expect("entry");
    assert!(matches!(m.state(entry), EntryState::Partial(_)));

    let (events, record) = events_recorder();
    m.install("tiny-test", &record, &CancelToken::new())
        .expect("resumed install");
    assert!(
        server.seen().contains(&Seen {
            path: WEIGHTS.into(),
            range: Some(half)
        }),
        "{:?}",
        server.seen()
    );
    assert!(events.lock().expect("lock").contains(&InstallEvent::File {
        path: WEIGHTS.into(),
        size: half * 2,
        resumed_from: half
    }));
    assert_eq!(std::fs::read(target(&env).join(WEIGHTS)).expect("read"), files[WEIGHTS]);
    assert!(!staging(&env).exists());
}

#[test]
fn checksum_mismatch_names_file_and_url_and_cleans_up() {
    let env = TestEnv::new();
    let files = served_files();
    let server = Server::start(files.clone());
    let wrong = "0".repeat(64);
    let cat = catalogue(&server, &files, &|f, l| {
        if f == WEIGHTS {
            l[2] = format!("sha256 = {wrong:?}");
        }
    });
    let err = manager(&env, cat)
        .install("tiny-test", &|_| {}, &CancelToken::new())
        .expect_err("mismatch");
    let msg = err.to_string();
    assert!(msg.contains("SHA-256 mismatch") && msg.contains(&wrong), "{msg}");
    assert!(msg.contains(WEIGHTS) && msg.contains(&server.url(WEIGHTS)), "{msg}");
    assert!(!target(&env).exists() && !staging(&env).exists());
}

#[test]
fn http_404_names_file_and_url_and_cleans_up() {
    let env = TestEnv::new();
    let files = served_files();
    let server = Server::start(files.clone());
    let cat = catalogue(&server, &files, &|f, l| {
        if f == "text.onnx" {
            l[0] = format!("url = {:?}", server.url("missing/text.onnx"));
        }
    });
    let err = manager(&env, cat)
        .install("tiny-test", &|_| {}, &CancelToken::new())
        .expect_err("404");
    let msg = err.to_string();
    assert!(
        msg.contains("HTTP 404") && msg.contains("text.onnx") && msg.contains("missing/text.onnx"),
        "{msg}"
    );
    assert!(!target(&env).exists() && !staging(&env).exists());
}

#[test]
fn cancel_keeps_the_partial_download_and_the_next_install_resumes() {
    let env = TestEnv::new();
    let files = served_files();
    let server = Server::start(files.clone());
    let m = manager(&env, catalogue(&server, &files, &|_, _| {}));
    let before_weights: u64 = PACK_FILES.iter().map(|f| files[*f].len() as u64).sum();
    let cancel = CancelToken::new();
    let c = cancel.clone();
    let on_event = move |e: InstallEvent| {
        if matches!(e, InstallEvent::Progress { done_bytes, .. } if done_bytes > before_weights) {
            c.cancel();
        }
    };
    let err = m.install("tiny-test", &on_event, &cancel).expect_err("cancelled");
    assert!(matches!(err, vignette::Error::Cancelled), "{err}");
    assert!(!target(&env).exists());
    let got = std::fs::metadata(staging(&env).join("weights.bin.part"))
        .expect("part kept")
        .len();
    assert!(got > 0 && got < files[WEIGHTS].len() as u64, "{got}");

    m.install("tiny-test", &|_| {}, &CancelToken::new())
        .expect("resume after cancel");
    assert!(
        server.seen().contains(&Seen {
            path: WEIGHTS.into(),
            range: Some(got)
        }),
        "{:?}",
        server.seen()
    );
    assert_eq!(
        sha256_file(&target(&env).join(WEIGHTS)).expect("sha"),
        sha(&files[WEIGHTS])
    );
}

#[test]
fn unpinned_entries_are_refused_before_any_request() {
    let env = TestEnv::new();
    let files = served_files();
    let server = Server::start(files.clone());
    let cat = catalogue(&server, &files, &|f, l| {
        if f == "image.onnx" {
            l[2] = String::new();
        }
    });
    let err = manager(&env, cat)
        .install("tiny-test", &|_| {}, &CancelToken::new())
        .expect_err("unpinned");
    assert!(
        err.to_string().contains("refusing") && err.to_string().contains("image.onnx"),
        "{err}"
    );
    assert!(server.seen().is_empty());
    assert!(!target(&env).exists() && !staging(&env).exists());
}

#[test]
fn import_validates_copies_and_remove_deletes() {
    let env = TestEnv::new();
    let m = Manager::new(env.data().join("packs"), Catalogue { packs: Vec::new() });
    let dir = m.import(&tiny_pack("tiny-aligned")).expect("import");
    assert_eq!(dir, env.data().join("packs/tiny-aligned"));
    Pack::load(&dir).expect("imported pack loads on its own");
    assert!(
        m.import(&tiny_pack("tiny-aligned"))
            .expect_err("twice")
            .to_string()
            .contains("already installed")
    );

    // A broken folder is refused and leaves nothing behind.
    let broken = tempfile::tempdir().expect("tempdir");
    for f in ["pack.toml", "image.onnx", "tokenizer.json", "labels.txt"] {
        std::fs::copy(tiny_pack("tiny-labels").join(f), broken.path().join(f)).expect("copy");
    }
    let err = m.import(broken.path()).expect_err("broken");
    assert!(err.to_string().contains("text.onnx"), "{err}");
    let names: Vec<String> = std::fs::read_dir(env.data().join("packs"))
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["tiny-aligned"]);

    m.remove("tiny-aligned").expect("remove");
    assert!(!dir.exists());
    assert!(m.installed().expect("list").is_empty());
    assert!(m.remove("tiny-aligned").is_err());
    assert!(m.remove("../etc").is_err());
}

#[test]
fn cli_lists_installs_and_removes() {
    let env = TestEnv::new();
    let files = served_files();
    let server = Server::start(files.clone());
    let cat_path = env.dir.path().join("catalogue.toml");
    std::fs::write(&cat_path, catalogue_text(&server, &files, &|_, _| {})).expect("write");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vignette"))
            .arg("--data-dir")
            .arg(env.data())
            .args(args)
            .arg("--catalogue")
            .arg(&cat_path)
            .output()
            .expect("run")
    };
    let o = run(&["models", "list"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("tiny-test") && out.contains("(none)"),
        "{out}"
    );
    let o = run(&["models", "install", "tiny-test"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(target(&env).join("pack.toml").is_file());
    let out = String::from_utf8_lossy(&run(&["models", "list"]).stdout).into_owned();
    assert!(out.contains("installed") && out.contains("Tiny colour pack"), "{out}");
    let o = run(&["models", "install", "nope"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("no pack \"nope\""));
    assert!(run(&["models", "remove", "tiny-test"]).status.success());
    assert!(!target(&env).exists());
}
