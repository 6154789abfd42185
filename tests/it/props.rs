//! Property tests of the parsers that read files users bring: caption sets (every format `load` sniffs),
//! pack manifests and the model catalogue. Inputs are built from fragments of the real formats plus
//! arbitrary text, so cases reach deep into the parsers; the case count is bounded to keep CI fast.
//! Properties: no panic on any input, and whatever parses obeys the rules a manifest or catalogue must
//! (a pack name that is a plain folder name, file paths that stay inside the pack).

use std::path::Path;

use proptest::prelude::*;
use vignette::model::manager::{Catalogue, check_name, check_rel_path};
use vignette::model::pack::{MANIFEST, Pack};

use crate::support::tiny_pack;

const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\n",
    "\r\n",
    "\t",
    "#0",
    "#",
    " ",
    "\"image\"",
    "\"caption\"",
    "\"a.jpg\"",
    "\"sub/../b.png\"",
    "\"images\"",
    "\"sentences\"",
    "\"raw\"",
    "\"filename\"",
    "\"filepath\"",
    "\"split\"",
    "\"annotations\"",
    "\"image_id\"",
    "\"id\"",
    "\"file_name\"",
    "1",
    "-1",
    "1e999",
    "null",
    "image,caption",
    "a.jpg,a cat",
    "a.jpg#0\ta dog",
    "\"quoted, field\"",
    "\"\"",
    "\u{feff}",
    "\u{0}",
    "é",
];

fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

const CAPTION_FILES: &[&str] = &[
    "c.jsonl",
    "c.json",
    "dataset_x.json",
    "captions_x.json",
    "captions.txt",
    "c.token",
    "c.csv",
    "c.tsv",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn caption_readers_never_panic(body in text(), which in 0..CAPTION_FILES.len()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(CAPTION_FILES[which]);
        std::fs::write(&file, body.as_bytes()).expect("write");
        if let Ok(set) = vignette::train::captions::load(&file) {
            prop_assert!(set.images().iter().all(|p| !p.as_os_str().is_empty()));
        }
    }

    #[test]
    fn manifests_keep_names_and_files_inside_the_pack(
        name in prop_oneof![text(), proptest::sample::select(&["../../x", ".hidden", "ok-name", "a/b", ""][..]).prop_map(str::to_owned)],
        file in prop_oneof![text(), proptest::sample::select(&["/etc/passwd", "../t.json", "a/../../t.json", "tokenizer.json"][..]).prop_map(str::to_owned)],
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["image.onnx", "text.onnx", "tokenizer.json"] {
            std::fs::copy(tiny_pack("tiny-aligned").join(f), dir.path().join(f)).expect("copy");
        }
        let base = std::fs::read_to_string(tiny_pack("tiny-aligned").join(MANIFEST)).expect("read");
        let manifest = base
            .replace("name = \"tiny-aligned\"", &format!("name = {}", toml_string(&name)))
            .replace("tokenizer = \"tokenizer.json\"", &format!("tokenizer = {}", toml_string(&file)));
        std::fs::write(dir.path().join(MANIFEST), manifest).expect("write");
        if let Ok(pack) = Pack::load(dir.path()) {
            prop_assert!(check_name(&pack.manifest.name).is_ok(), "{:?}", pack.manifest.name);
            prop_assert!(check_rel_path(&pack.manifest.text.tokenizer).is_ok());
            prop_assert!(pack.tokenizer.starts_with(dir.path()));
        }
    }

    #[test]
    fn any_manifest_text_is_an_error_or_a_pack(body in text()) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(MANIFEST), body).expect("write");
        let _ = Pack::load(dir.path());
    }

    #[test]
    fn catalogue_parser_never_panics_and_checks_names(body in text(), name in text()) {
        let _ = Catalogue::parse(&body, Path::new("fuzz.toml"));
        let builtin = vignette::model::manager::BUILTIN;
        let first = Catalogue::builtin().expect("builtin").packs[0].name.clone();
        let mutated = builtin.replace(&format!("\"{first}\""), &toml_string(&name));
        if let Ok(cat) = Catalogue::parse(&mutated, Path::new("mutated.toml")) {
            for e in &cat.packs {
                prop_assert!(check_name(&e.name).is_ok(), "{:?}", e.name);
                for f in &e.files {
                    prop_assert!(check_rel_path(&f.path).is_ok(), "{:?}", f.path);
                }
            }
        }
    }
}

/// A TOML basic string holding `s` exactly.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[test]
fn pack_names_and_paths_that_escape_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["image.onnx", "text.onnx", "tokenizer.json"] {
        std::fs::copy(tiny_pack("tiny-aligned").join(f), dir.path().join(f)).expect("copy");
    }
    let base = std::fs::read_to_string(tiny_pack("tiny-aligned").join(MANIFEST)).expect("read");
    for (from, to) in [
        ("name = \"tiny-aligned\"", "name = \"../../x\""),
        ("tokenizer = \"tokenizer.json\"", "tokenizer = \"/etc/hostname\""),
        ("tokenizer = \"tokenizer.json\"", "tokenizer = \"../tokenizer.json\""),
        ("file = \"image.onnx\"", "file = \"../image.onnx\""),
    ] {
        std::fs::write(dir.path().join(MANIFEST), base.replace(from, to)).expect("write");
        let err = Pack::load(dir.path()).expect_err(to).to_string();
        assert!(err.contains("must"), "{to}: {err}");
    }
    std::fs::write(dir.path().join(MANIFEST), &base).expect("write");
    Pack::load(dir.path()).expect("the unchanged manifest loads");
}
