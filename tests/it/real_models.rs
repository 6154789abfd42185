//! The real seed encoders on real photos: parity with the Python reference of the zero-shot bridge.
//!
//! Reference (issue): text-to-image R@1 12.5, R@5 30.2, R@10 43.8 on the flickr8k-1k test split with fp32
//! encoders; we must land within 1.5 points of R@10.

use std::process::Command;

use crate::support::shared_dir;

#[test]
fn zero_shot_eval_matches_the_python_reference() {
    let Some(shared) = shared_dir() else { return };
    let data = tempfile::tempdir().expect("tempdir");
    let ds = shared.join("datasets/flickr8k-1k");
    let o = Command::new(env!("CARGO_BIN_EXE_vignette"))
        .env("VIGNETTE_MODEL_PATH", shared.join("models/seed-effnet-minilm"))
        .arg("--quiet")
        .arg("--data-dir")
        .arg(data.path())
        .arg("eval")
        .arg(ds.join("captions.jsonl"))
        .arg("--split")
        .arg(ds.join("split.json"))
        .arg("--json")
        .output()
        .expect("run vignette eval");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    assert_eq!(r["images"], 200);
    assert_eq!(r["captions"], 1000);
    let t2i = &r["zero_shot"]["text_to_image"];
    let r10 = t2i["r10"].as_f64().expect("r10");
    eprintln!("flickr8k-1k test zero-shot t2i: {t2i}");
    assert!(
        (r10 - 43.8).abs() <= 1.5,
        "R@10 {r10} is not within 1.5 of the reference 43.8"
    );
    assert!(t2i["r1"].as_f64().expect("r1") > 8.0);
}
