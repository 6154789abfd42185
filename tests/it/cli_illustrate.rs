//! `vignette illustrate` end to end with the default pack: one row of candidates per paragraph (or
//! sentence), long paragraphs encoded sentence by sentence, JSON and Markdown output, clear errors.

use std::path::Path;
use std::process::{Command, Output};

use crate::cli_filters::textured;
use crate::support::TestEnv;

fn vignette(env: &TestEnv, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vignette"))
        .env_remove("VIGNETTE_PACK")
        .arg("--data-dir")
        .arg(env.data())
        .args(args)
        .output()
        .expect("run vignette")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const LONG: &str = "The old fisherman pulled his boat onto the shingle while the gulls argued overhead. ";

fn passage(dir: &Path) -> std::path::PathBuf {
    let text = format!(
        "# A title, not illustrated\n\nA dog runs along the beach at sunset.\n\n{}\n\n```\nlet code = 1;\n```\n\nA busy city street at night. Neon signs glow.\n",
        LONG.repeat(12)
    );
    let p = dir.join("story.md");
    std::fs::write(&p, text).expect("write passage");
    p
}

fn indexed() -> TestEnv {
    let env = TestEnv::new();
    for (i, name) in ["a.png", "b.png", "c.png", "sub/d.png"].iter().enumerate() {
        textured(&env.photos().join(name), 80, 60, i as u32 + 1, 19_000);
    }
    let o = vignette(&env, &["index", env.photos().to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", err(&o));
    env
}

#[test]
fn illustrate_json_and_markdown() {
    let env = indexed();
    let story = passage(env.dir.path());
    let story = story.to_str().expect("utf8");
    let o = vignette(&env, &["illustrate", story, "--json", "-k", "2"]);
    assert!(o.status.success(), "{}", err(&o));
    let parts: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(parts.len(), 3, "title and code are not paragraphs: {parts:?}");
    assert_eq!(parts[0]["text"], "A dog runs along the beach at sunset.");
    assert_eq!(parts[0]["pieces"], 1);
    assert_eq!(
        parts[1]["pieces"], 12,
        "over the token limit: one piece per sentence, none dropped"
    );
    assert_eq!(parts[2]["pieces"], 1);
    for p in &parts {
        let c = p["candidates"].as_array().expect("candidates");
        assert_eq!(c.len(), 2);
        assert!(c[0]["score"].as_f64() >= c[1]["score"].as_f64());
        assert!(c[0]["date"].as_str().is_some_and(|d| d.starts_with("2022-")), "{c:?}");
    }
    let o = vignette(&env, &["illustrate", story, "--json", "--sentences", "-k", "1"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().count(),
        1 + 12 + 2,
        "{}",
        err(&o)
    );
    let sub = env.photos().join("sub");
    let o = vignette(
        &env,
        &["illustrate", story, "--json", "--folder", sub.to_str().expect("utf8")],
    );
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .all(|l| l.contains("d.png") && !l.contains("a.png"))
    );

    let out_dir = env.dir.path().join("book");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let out = out_dir.join("illustrated.md");
    let o = vignette(
        &env,
        &[
            "illustrate",
            story,
            "-k",
            "3",
            "--markdown",
            out.to_str().expect("utf8"),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let md = std::fs::read_to_string(&out).expect("markdown written");
    assert!(md.starts_with("A dog runs along the beach at sunset.\n\n!["), "{md}");
    let links: Vec<&str> = md
        .split("](<")
        .skip(1)
        .map(|s| s.split('>').next().expect("link"))
        .collect();
    assert_eq!(links.len(), 9, "{md}");
    for l in links {
        assert!(l.starts_with("../photos/"), "{l}");
        assert!(
            out_dir.join(l).is_file(),
            "{l} resolves from the Markdown file's folder"
        );
    }
}

#[test]
fn illustrate_bad_input_is_a_clear_error() {
    let env = TestEnv::new();
    let o = vignette(&env, &["illustrate", "/definitely/not/here.md"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("cannot read the passage /definitely/not/here.md"),
        "{}",
        err(&o)
    );
    let empty = env.dir.path().join("empty.md");
    std::fs::write(&empty, "# Only a title\n\n   \n").expect("write");
    let o = vignette(&env, &["illustrate", empty.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("cannot illustrate the passage: it has no text"),
        "{}",
        err(&o)
    );
    let binary = env.dir.path().join("photo.md");
    std::fs::write(&binary, [0xFF, 0xD8, 0xFF, 0x00, 0x9F]).expect("write");
    let o = vignette(&env, &["illustrate", binary.to_str().expect("utf8")]);
    assert!(err(&o).contains("is not UTF-8 text"), "{}", err(&o));
    let story = passage(env.dir.path());
    let out = env.dir.path().join("missing/out.md");
    let o = vignette(
        &env,
        &[
            "illustrate",
            story.to_str().expect("utf8"),
            "--markdown",
            out.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("no such folder"), "{}", err(&o));
    let o = vignette(&env, &["illustrate", story.to_str().expect("utf8"), "-k", "0"]);
    assert!(err(&o).contains("at least one candidate"), "{}", err(&o));
}
