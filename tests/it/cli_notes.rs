//! `vignette picks` and `vignette train --library`: the writer's notes from the command line.

use crate::cli::{colour_env, stderr, stdout, vignette};

#[test]
fn picks_add_list_remove_and_export() {
    let env = colour_env();
    let photos = env.photos();
    let p = |n: &str| photos.join(n).to_str().expect("utf8").to_owned();
    let o = vignette(
        &env,
        &[
            "picks",
            "add",
            "--list",
            "Cover",
            "--prompt",
            "red, warm",
            "--score",
            "0.9",
            &p("red.png"),
            &p("blue.png"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("added 2"), "{}", stdout(&o));
    let o = vignette(&env, &["picks", "remove", "--list", "Cover", &p("blue.png")]);
    assert!(stdout(&o).contains("removed 1"), "{}", stdout(&o));
    let o = vignette(&env, &["picks", "list"]);
    assert_eq!(stdout(&o).trim(), "Cover\t1 picks");
    let o = vignette(&env, &["picks", "list", "--list", "Cover"]);
    assert!(stdout(&o).contains("red.png\tred, warm\t0.900"), "{}", stdout(&o));

    let out = env.data().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("red.jpg"), b"mine").expect("write");
    let o = vignette(
        &env,
        &[
            "picks",
            "export",
            "--list",
            "Cover",
            "--to",
            out.to_str().expect("utf8"),
            "--long-side",
            "8",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(out.join("red.jpg")).expect("read"),
        b"mine",
        "never overwritten"
    );
    assert_eq!(
        image::image_dimensions(out.join("red-1.jpg")).expect("resized"),
        (8, 5),
        "24 × 16 to 8 px on the long side"
    );
    let csv = std::fs::read_to_string(out.join("picks.csv")).expect("csv");
    assert!(
        csv.lines().nth(1).is_some_and(|l| l.starts_with("red-1.jpg,")
            && l.contains(",\"red, warm\",0.9000,")
            && l.ends_with(",8,5")),
        "{csv}"
    );

    let o = vignette(
        &env,
        &["picks", "export", "--list", "Nope", "--to", out.to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no list named \"Nope\""), "{}", stderr(&o));
    let o = vignette(&env, &["picks", "add", &p("missing.png")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("photo not found"), "{}", stderr(&o));
}

#[test]
fn train_library_trains_on_the_captions_typed_in_the_app() {
    let env = crate::support::TestEnv::new();
    let colours: [(&str, [u8; 3]); 10] = [
        ("red", [230, 20, 20]),
        ("green", [20, 200, 30]),
        ("blue", [20, 30, 230]),
        ("yellow", [240, 230, 20]),
        ("cyan", [20, 220, 220]),
        ("magenta", [220, 20, 220]),
        ("white", [245, 245, 245]),
        ("black", [10, 10, 10]),
        ("orange", [240, 140, 20]),
        ("grey", [128, 128, 128]),
    ];
    let mut notes = vignette::workspace::notes::Notes::open(&env.data()).expect("store");
    for (name, rgb) in colours {
        let p = env.photo(&format!("{name}.png"), rgb);
        let p = std::fs::canonicalize(p).expect("canonical");
        notes.add_caption(&p, &format!("a {name} thing")).expect("caption");
    }
    drop(notes);
    let o = vignette(&env, &["train", "--library", "--epochs", "2", "--no-save"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("training on 8 photos, 8 captions"), "{out}");
    assert!(out.contains("testing on 2 photos"), "{out}");

    // Two picked prompts join as extra pairs only with --with-picked.
    let (red, blue) = (env.photos().join("red.png"), env.photos().join("blue.png"));
    let o = vignette(
        &env,
        &[
            "picks",
            "add",
            "--prompt",
            "warm",
            red.to_str().expect("utf8"),
            blue.to_str().expect("utf8"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = vignette(
        &env,
        &["train", "--library", "--with-picked", "--epochs", "2", "--no-save"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let captions: usize = stdout(&o)
        .lines()
        .filter_map(|l| l.split(" photos, ").nth(1)?.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(captions, 12, "ten captions and two picked prompts: {}", stdout(&o));

    let o = vignette(&env, &["train", "--epochs", "2"]);
    assert_eq!(o.status.code(), Some(2), "a caption file or --library is needed");
    let o = vignette(&env, &["train", "--with-picked", "x.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--with-picked goes with --library"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn captions_export_as_jsonl_and_sidecars() {
    let env = colour_env();
    let red = std::fs::canonicalize(env.photos().join("red.png")).expect("canonical");
    let mut notes = vignette::workspace::notes::Notes::open(&env.data()).expect("store");
    notes.add_caption(&red, "a red \"door\"").expect("caption");
    drop(notes);
    let file = env.data().join("mine.jsonl");
    let f = file.to_str().expect("utf8");
    let o = vignette(&env, &["picks", "captions", "--jsonl", f, "--sidecars"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&file).expect("jsonl").trim()).expect("json");
    assert_eq!(line["caption"], "a red \"door\"");
    assert_eq!(
        std::fs::read_to_string(red.with_extension("txt")).expect("sidecar"),
        "a red \"door\"\n"
    );
    let o = vignette(&env, &["picks", "captions", "--jsonl", f]);
    assert_eq!(o.status.code(), Some(1), "an existing file is never replaced");
}
