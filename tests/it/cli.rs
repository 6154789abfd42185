//! The `vignette` binary end to end with the tiny packs: output formats, exit codes, crash safety.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{TestEnv, tiny_pack};

pub fn vignette(env: &TestEnv, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vignette"))
        .arg("--data-dir")
        .arg(env.data())
        .arg("--pack")
        .arg(tiny_pack("tiny-aligned"))
        .args(args)
        .output()
        .expect("run vignette")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn colour_env() -> TestEnv {
    let env = TestEnv::new();
    env.photo("red.png", [230, 20, 20]);
    env.photo("green.png", [20, 230, 20]);
    env.photo("blue.png", [20, 20, 230]);
    env
}

#[test]
fn index_search_similar_info() {
    let env = colour_env();
    let photos = env.photos();
    let o = vignette(&env, &["index", photos.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("indexed 3"), "{}", stdout(&o));

    let o = vignette(&env, &["search", "red", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().expect("a line")).expect("json");
    assert!(first["path"].as_str().expect("path").ends_with("red.png"));
    assert!(first["score"].as_f64().expect("score") > 0.9);
    assert_eq!(stdout(&o).lines().count(), 3);

    let o = vignette(
        &env,
        &["similar", photos.join("blue.png").to_str().expect("utf8"), "-k", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).trim().ends_with("blue.png"), "{}", stdout(&o));

    // no folder given: re-scan the remembered ones
    let o = vignette(&env, &["index"]);
    assert!(stdout(&o).contains("unchanged 3"), "{}", stdout(&o));

    let o = vignette(&env, &["info"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("photos 3") && out.contains("ONNX Runtime") && out.contains("tiny-aligned"),
        "{out}"
    );
}

#[test]
fn errors_are_clear_and_exit_non_zero() {
    let env = colour_env();
    let o = vignette(&env, &["search", "\"unclosed"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad query: unclosed quote"), "{}", stderr(&o));

    let o = vignette(&env, &["index", "/definitely/not/here"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/definitely/not/here"), "{}", stderr(&o));

    let o = Command::new(env!("CARGO_BIN_EXE_vignette"))
        .args([
            "--data-dir",
            env.data().to_str().expect("utf8"),
            "--pack",
            "no-such-pack",
            "search",
            "x",
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no-such-pack"), "{}", stderr(&o));
}

#[test]
fn eval_reports_recall() {
    let env = colour_env();
    let lines = [
        "red.png\tred",
        "red.png\tcrimson",
        "green.png\tgreen grass",
        "blue.png\tblue sky",
    ];
    let jsonl: String = lines
        .iter()
        .map(|l| {
            let (img, cap) = l.split_once('\t').expect("tab");
            format!("{}\n", serde_json::json!({"image": img, "caption": cap}))
        })
        .collect();
    let captions = env.photos().join("captions.jsonl");
    std::fs::write(&captions, jsonl).expect("write");
    let o = vignette(&env, &["eval", captions.to_str().expect("utf8"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(r["images"], 3);
    assert_eq!(r["captions"], 4);
    assert_eq!(r["zero_shot"]["text_to_image"]["r1"], 100.0);
}

/// Kill -9 mid-index: the index still opens, keeps every committed batch, and a re-run finishes the job.
#[test]
fn index_survives_a_crash_mid_write() {
    let env = TestEnv::new();
    let seed = env.photo("seed.jpg", [10, 20, 30]);
    let big = image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    big.save(&seed).expect("save");
    let n = 600;
    for i in 0..n {
        std::fs::copy(&seed, env.photos().join(format!("copy{i:04}.jpg"))).expect("copy");
    }
    std::fs::remove_file(&seed).expect("rm");
    #[allow(clippy::zombie_processes)] // every path either waits or panics after the child has exited
    let mut child = Command::new(env!("CARGO_BIN_EXE_vignette"))
        .args([
            "--quiet",
            "--threads",
            "1",
            "--data-dir",
            env.data().to_str().expect("utf8"),
            "--pack",
        ])
        .arg(tiny_pack("tiny-aligned"))
        .arg("index")
        .arg(env.photos())
        .spawn()
        .expect("spawn");
    let engine = env.engine("tiny-aligned");
    let db = engine.index_path();
    let start = Instant::now();
    let mut killed_at = None;
    while start.elapsed() < Duration::from_secs(60) {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("indexing finished ({status}) before it could be killed; raise the photo count");
        }
        let committed = Path::new(&db).exists()
            && engine
                .index()
                .and_then(|i| i.stats())
                .map(|s| s.photos)
                .is_ok_and(|count| count > 0);
        if committed {
            child.kill().expect("kill");
            child.wait().expect("wait");
            killed_at = Some(engine.index().and_then(|i| i.stats()).map(|s| s.photos).expect("stats"));
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let seen = killed_at.expect("the index never got a committed batch");
    let index = engine.index().expect("the index opens after a crash");
    let stats = index.stats().expect("stats");
    assert!(stats.photos >= seen && stats.photos < n as u64, "{stats:?}");
    let vectors = index.vectors_after(0).expect("vectors");
    assert_eq!(vectors.rows.len(), vectors.ids.len(), "every stored row is whole");
    assert_eq!(vectors.rows.dim, 4);
    drop(index);
    let (rest, _) = env.index(&engine);
    assert_eq!(rest.unchanged as u64, stats.photos);
    // Every copy has the same content, so what the crash left undone is reused by hash, not re-encoded.
    assert_eq!(rest.indexed + rest.reused + rest.unchanged, n);
    assert_eq!(rest.indexed, 0);
}

/// 24 photos in three colours with one caption each, plus a caption of a missing photo.
fn colour_captions(env: &TestEnv) -> std::path::PathBuf {
    let mut lines = crate::support::colour_caption_lines(env);
    lines.push_str(&format!(
        "{}\n",
        serde_json::json!({"image": "missing.png", "caption": "red"})
    ));
    let captions = env.photos().join("captions.jsonl");
    std::fs::write(&captions, lines).expect("write");
    captions
}

/// Train on captions, then search and eval with the saved head (labels bridge, tiny pack). Without
/// `--split` a fifth of the photos is held out as the test part, as in the training window.
#[test]
fn train_saves_a_head_that_search_and_eval_use() {
    let env = TestEnv::new();
    let captions = colour_captions(&env);
    let pack = tiny_pack("tiny-labels");
    let run = |pack: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vignette"))
            .arg("--data-dir")
            .arg(env.data())
            .arg("--pack")
            .arg(pack)
            .args(args)
            .output()
            .expect("run vignette")
    };
    let o = run(
        &pack,
        &[
            "train",
            captions.to_str().expect("utf8"),
            "--name",
            "colours",
            "--epochs",
            "4",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("training on 19 photos, 19 captions"), "{out}");
    assert!(
        out.contains("testing on 5 photos, 5 captions (20% held out, no --split given)"),
        "{out}"
    );
    assert!(out.contains("epoch   1") && out.contains("blend"), "{out}");
    assert!(
        stderr(&o).contains("missing.png"),
        "the missing image is listed: {}",
        stderr(&o)
    );
    let user_pack = env.data().join("packs/tiny-labels");
    assert!(user_pack.join("heads/colours.safetensors").is_file());

    let o = run(
        Path::new("tiny-labels"),
        &["eval", captions.to_str().expect("utf8"), "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(r["head"]["name"], "colours");
    assert!(r["head"]["blend"]["text_to_image"]["r10"].as_f64().expect("r10") > 0.0);

    let o = run(Path::new("tiny-labels"), &["search", "grass", "-k", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("green"), "{}", stdout(&o));
}

/// `vignette search ... | head -1`: head exits after one line; vignette ends quietly with status 0.
#[test]
fn a_closed_pipe_ends_quietly() {
    let env = colour_env();
    let o = vignette(&env, &["index", env.photos().to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shell = format!(
        "set -o pipefail; '{}' --data-dir '{}' --pack '{}' search red | head -1",
        env!("CARGO_BIN_EXE_vignette"),
        env.data().display(),
        tiny_pack("tiny-aligned").display()
    );
    let o = Command::new("bash").args(["-c", &shell]).output().expect("run bash");
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    // The same with the reader gone before the first write, so every write fails with EPIPE (head may
    // read all three short lines before it exits, so the pipeline alone need not hit a broken pipe).
    for args in [&["search", "red"][..], &["info"], &["models", "list"]] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_vignette"))
            .arg("--data-dir")
            .arg(env.data())
            .arg("--pack")
            .arg(tiny_pack("tiny-aligned"))
            .args(args)
            .stdout(writer)
            .output()
            .expect("run vignette");
        assert!(
            o.status.success(),
            "{args:?}: exit {:?}: {}",
            o.status.code(),
            stderr(&o)
        );
        assert!(stderr(&o).is_empty(), "{args:?} ends quietly: {}", stderr(&o));
    }
}

/// Ctrl-C during training exits 130, as `index` and `models install` do.
#[cfg(unix)]
#[test]
fn cancelled_training_exits_130() {
    use std::io::BufRead as _;
    let env = TestEnv::new();
    let captions = colour_captions(&env);
    let mut child = Command::new(env!("CARGO_BIN_EXE_vignette"))
        .arg("--data-dir")
        .arg(env.data())
        .arg("--pack")
        .arg(tiny_pack("tiny-labels"))
        .args([
            "train",
            captions.to_str().expect("utf8"),
            "--epochs",
            "100000",
            "--patience",
            "100000",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run vignette");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first_epoch = lines.by_ref().map_while(Result::ok).find(|l| l.starts_with("epoch"));
    assert!(first_epoch.is_some(), "training started");
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    // Keep draining stdout so the child never blocks on a full pipe.
    lines.for_each(drop);
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("cancelled"), "{}", stderr(&o));
}
