//! The default pack compiled into the binary: a fresh clone (no `../shared`, no `VIGNETTE_MODEL_PATH`)
//! verifies both encoders, indexes a folder and searches it, and never looks at a build-machine path.

use std::process::{Command, Output};

use crate::support::TestEnv;

/// `vignette` with every override that could point at models removed.
fn bare(env: &TestEnv, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vignette"))
        .env_remove("VIGNETTE_MODEL_PATH")
        .env_remove("VIGNETTE_DEFAULT_PACK")
        .env_remove("VIGNETTE_PACK")
        .env_remove("VIGNETTE_DATA_DIR")
        .arg("--data-dir")
        .arg(env.data())
        .args(args)
        .output()
        .expect("run vignette")
}

#[test]
fn embedded_default_pack_verifies_indexes_and_searches() {
    let env = TestEnv::new();
    env.photo("red.png", [230, 20, 20]);
    env.photo("sub/blue.jpg", [20, 20, 230]);

    let o = bare(&env, &["info", "--verify"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("verified:      2 file(s) match their SHA-256"), "{out}");
    let builtin = env.data().join("builtin");
    assert!(
        out.contains(&format!("folder:        {}", builtin.display())),
        "the pack should come from the copy written out of the binary: {out}"
    );
    // Neither the source tree's models/ nor a shared folder next to it is searched.
    let source_models = concat!(env!("CARGO_MANIFEST_DIR"), "/models");
    assert!(
        !out.contains(source_models),
        "build-machine path on the model search path: {out}"
    );
    assert!(!out.contains("/shared/"), "{out}");

    let photos = env.photos();
    let o = bare(&env, &["index", photos.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("indexed 2"));

    let o = bare(&env, &["search", "a dog", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hits: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(hits.len(), 2, "both photos ranked: {hits:?}");
    assert!(hits.iter().all(|h| h["score"].as_f64().is_some_and(f64::is_finite)));
}
