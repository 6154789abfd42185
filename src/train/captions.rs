//! Caption sets: photos paired with what a person wrote about them.
//!
//! Every reader produces the same [`CaptionSet`]: absolute image paths with their captions, in file order,
//! plus the images that were named but are missing or unreadable (listed, never fatal). Parse errors name the
//! file and line. Formats are detected from the path (see [`load`]); the readers for the public data-set
//! formats (Karpathy, COCO, Flickr8k, CSV/TSV, sidecar folders) live in [`crate::train::caption_formats`].
//!
//! Why missing images are not fatal: caption files from the web routinely name photos that were never
//! downloaded, and a writer's own folders change. Losing a few pairs is better than refusing to train; the
//! caller shows `missing` to the user.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, IoContext, Result};

pub use crate::train::caption_set::{CaptionPair, CaptionSet};

/// Read a caption set, choosing the reader by file name and extension (see [`load_with_images`]).
pub fn load(path: &Path) -> Result<CaptionSet> {
    load_with_images(path, None)
}

/// Read a caption set; `images` overrides where the images named by the file are looked for.
///
/// - a folder: images with sidecar `photo.txt` / `photo.caption` files, one caption per non-empty line;
/// - `*.jsonl`: [`read_jsonl`];
/// - `dataset_*.json` (or JSON with `images[].sentences`): Karpathy splits;
/// - `captions_*.json` (or JSON with `annotations`): COCO captions;
/// - `captions.txt`, `*.token`, `*.txt`: Flickr8k (`image,caption` CSV or `name.jpg#0<TAB>caption`);
/// - `*.csv` / `*.tsv`: image and caption columns, header detected, quoted fields allowed.
pub fn load_with_images(path: &Path, images: Option<&Path>) -> Result<CaptionSet> {
    use crate::train::caption_formats as f;
    if path.is_dir() {
        return f::read_sidecar_folder(path);
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" => read_jsonl_in(path, images),
        "json" if name.starts_with("dataset_") => f::read_karpathy(path, images),
        "json" if name.starts_with("captions_") => f::read_coco(path, images),
        "json" => f::read_json_sniffed(path, images),
        "txt" | "token" => f::read_flickr(path, images),
        "csv" => f::read_delimited(path, b',', images),
        "tsv" => f::read_delimited(path, b'\t', images),
        _ => Err(Error::Captions {
            path: path.to_path_buf(),
            line: 0,
            message: format!(
                "unknown caption file format {ext:?} (expected a folder, .jsonl, .json, .txt, .csv or .tsv)"
            ),
        }),
    }
}

/// JSON Lines: `{"image": "relative/path.jpg", "caption": "..."}` a line; paths relative to the file.
pub fn read_jsonl(path: &Path) -> Result<CaptionSet> {
    read_jsonl_in(path, None)
}

fn read_jsonl_in(path: &Path, images: Option<&Path>) -> Result<CaptionSet> {
    #[derive(Deserialize)]
    struct Line {
        image: String,
        caption: String,
    }
    let text = std::fs::read_to_string(path).at("cannot read caption file", path)?;
    let base = images.unwrap_or(path.parent().unwrap_or(Path::new(".")));
    let mut set = CaptionSet {
        source: path.to_path_buf(),
        ..Default::default()
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(line).map_err(|e| Error::Captions {
            path: path.to_path_buf(),
            line: i + 1,
            message: format!("bad JSON line: {e}"),
        })?;
        set.push(base.join(l.image), l.caption);
    }
    Ok(set)
}

/// A train/test split file: `{"train": [names], "test": [names], ...}`; keys whose value is not a list of
/// names (comments, descriptions) are ignored.
pub fn read_split(path: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let text = std::fs::read_to_string(path).at("cannot read split file", path)?;
    let bad = |line: usize, message: String| Error::Captions {
        path: path.to_path_buf(),
        line,
        message,
    };
    let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).map_err(|e| {
        bad(
            e.line(),
            format!("bad split file (expected {{\"train\": [...], \"test\": [...]}}): {e}"),
        )
    })?;
    let subsets: BTreeMap<String, Vec<String>> = map
        .into_iter()
        .filter_map(|(k, v)| serde_json::from_value::<Vec<String>>(v).ok().map(|names| (k, names)))
        .collect();
    if subsets.is_empty() {
        return Err(bad(1, "split file has no list of image names".into()));
    }
    Ok(subsets)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A temp folder with the named (empty) images under `sub`.
    fn images_in(sub: &str, names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        for n in names {
            std::fs::write(dir.path().join(sub).join(n), b"jpeg").expect("image");
        }
        dir
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    fn captions(set: &CaptionSet) -> Vec<(String, String)> {
        let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        set.pairs.iter().map(|p| (name(&p.image), p.caption.clone())).collect()
    }

    fn line_of(e: Error) -> (usize, String) {
        match e {
            Error::Captions { line, path, message } => (line, format!("{message} {}", path.display())),
            other => (usize::MAX, other.to_string()),
        }
    }

    #[test]
    fn jsonl_missing_images_and_bad_line() {
        let d = images_in("images", &["a.jpg"]);
        let p = write(
            d.path(),
            "c.jsonl",
            "{\"image\":\"images/a.jpg\",\"caption\":\"x\"}\n\n{\"image\":\"images/b.jpg\",\"caption\":\"y\"}\n",
        );
        let set = load(&p).expect("load");
        assert_eq!(captions(&set), vec![("a.jpg".into(), "x".into())]);
        assert_eq!(set.missing.len(), 1);
        let p = write(
            d.path(),
            "bad.jsonl",
            "{\"image\":\"images/a.jpg\",\"caption\":\"x\"}\n{oops\n",
        );
        let (line, msg) = line_of(load(&p).expect_err("error"));
        assert_eq!(line, 2);
        assert!(msg.contains("bad.jsonl"), "{msg}");
    }

    #[test]
    fn karpathy_with_images_sibling_and_filepath() {
        let d = images_in("images", &["1.jpg", "2.jpg"]);
        let json = r#"{"images":[{"filename":"1.jpg","sentences":[{"raw":"one a"},{"raw":"one b"}]},
            {"filename":"2.jpg","sentences":[{"raw":"two"}]},{"filename":"3.jpg","sentences":[{"raw":"gone"}]}]}"#;
        let set = load(&write(d.path(), "dataset_flickr8k.json", json)).expect("load");
        assert_eq!(captions(&set).len(), 3);
        assert_eq!(set.pairs[2].caption, "two");
        assert_eq!(set.missing.len(), 1);
        let d = images_in("train2014", &["x.jpg"]);
        let json = r#"{"images":[{"filepath":"train2014","filename":"x.jpg","sentences":[{"raw":"a cat"}]}]}"#;
        let set = load(&write(d.path(), "dataset_coco.json", json)).expect("load");
        assert_eq!(captions(&set), vec![("x.jpg".into(), "a cat".into())]);
        let (line, _) = line_of(
            load(&write(
                d.path(),
                "dataset_bad.json",
                "{\"images\":\n[{\"filename\":3}]}",
            ))
            .expect_err("err"),
        );
        assert_eq!(line, 2);
    }

    #[test]
    fn coco_split_folder_and_override() {
        let d = images_in("train2014", &["COCO_1.jpg"]);
        std::fs::create_dir(d.path().join("annotations")).expect("mkdir");
        let json = r#"{"images":[{"id":1,"file_name":"COCO_1.jpg"},{"id":2,"file_name":"COCO_2.jpg"}],
            "annotations":[{"image_id":1,"caption":"A dog. "},{"image_id":2,"caption":"A cat."},{"image_id":1,"caption":"Dog."}]}"#;
        let p = write(&d.path().join("annotations"), "captions_train2014.json", json);
        let set = load(&p).expect("load");
        assert_eq!(
            captions(&set),
            vec![
                ("COCO_1.jpg".into(), "A dog.".into()),
                ("COCO_1.jpg".into(), "Dog.".into())
            ]
        );
        assert_eq!(set.missing.len(), 1);
        let other = images_in("pics", &["COCO_1.jpg", "COCO_2.jpg"]);
        let set = load_with_images(&p, Some(&other.path().join("pics"))).expect("load");
        assert_eq!(set.pairs.len(), 3);
        assert!(set.pairs[0].image.starts_with(other.path()));
        let bad = r#"{"images":[],"annotations":[{"image_id":9,"caption":"x"}]}"#;
        let msg = load(&write(d.path(), "captions_val.json", bad))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("image_id 9"), "{msg}");
    }

    #[test]
    fn flickr_csv_and_token_formats() {
        let d = images_in("Images", &["1000_a.jpg", "2000_b.jpg"]);
        let csv = "image,caption\n1000_a.jpg,A child in pink .\n1000_a.jpg,\"A girl, smiling .\"\n2000_b.jpg,Dogs run, fast .\n";
        let set = load(&write(d.path(), "captions.txt", csv)).expect("load");
        assert_eq!(
            captions(&set),
            vec![
                ("1000_a.jpg".into(), "A child in pink .".into()),
                ("1000_a.jpg".into(), "A girl, smiling .".into()),
                ("2000_b.jpg".into(), "Dogs run, fast .".into())
            ]
        );
        let token = "1000_a.jpg#0\tA child .\n1000_a.jpg#1\tA girl .\n2000_b.jpg#0\tDogs .\n";
        let set = load(&write(d.path(), "Flickr8k.token.txt", token)).expect("load");
        assert_eq!(captions(&set)[2], ("2000_b.jpg".into(), "Dogs .".into()));
        let (line, msg) =
            line_of(load(&write(d.path(), "bad.token", "1000_a.jpg#0\tok\nno tab here\n")).expect_err("err"));
        assert_eq!(line, 2, "{msg}");
    }

    #[test]
    fn csv_tsv_header_detection_and_quotes() {
        let d = images_in(".", &["a.jpg", "b.png"]);
        let csv = "a.jpg,\"say \"\"hi\"\", then go\"\nb.png,plain\n";
        let set = load(&write(d.path(), "c.csv", csv)).expect("load");
        assert_eq!(
            captions(&set),
            vec![
                ("a.jpg".into(), "say \"hi\", then go".into()),
                ("b.png".into(), "plain".into())
            ]
        );
        let tsv = "caption\tid\tfilename\nA red car\t1\tb.png\n";
        let set = load(&write(d.path(), "c.tsv", tsv)).expect("load");
        assert_eq!(captions(&set), vec![("b.png".into(), "A red car".into())]);
        let (line, msg) =
            line_of(load(&write(d.path(), "bad.csv", "image,caption\na.jpg,ok\na.jpg,\"open\n")).expect_err("err"));
        assert_eq!(line, 3);
        assert!(msg.contains("unterminated") && msg.contains("bad.csv"), "{msg}");
        let (line, _) = line_of(load(&write(d.path(), "short.csv", "a.jpg,x\nb.png\n")).expect_err("err"));
        assert_eq!(line, 2);
    }

    #[test]
    fn sidecar_folder() {
        let d = images_in("sub", &["p1.jpg", "p2.JPG", "p3.png"]);
        write(
            &d.path().join("sub"),
            "p1.txt",
            "A harbour at dawn.\n\n  Boats in fog  \n",
        );
        write(&d.path().join("sub"), "p2.caption", "Old bridge");
        write(&d.path().join("sub"), "orphan.txt", "no photo");
        let set = load(d.path()).expect("load");
        assert_eq!(
            captions(&set),
            vec![
                ("p1.jpg".into(), "A harbour at dawn.".into()),
                ("p1.jpg".into(), "Boats in fog".into()),
                ("p2.JPG".into(), "Old bridge".into())
            ]
        );
        assert_eq!(set.missing.len(), 1);
        assert!(set.missing[0].0.ends_with("orphan.txt"));
    }

    #[test]
    fn unknown_format_and_split_file() {
        let d = images_in(".", &[]);
        let msg = load(&write(d.path(), "c.xml", "<x/>"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("unknown caption file format"), "{msg}");
        let s = read_split(&write(
            d.path(),
            "split.json",
            r#"{"train":["a.jpg"],"test":["b.jpg"]}"#,
        ))
        .expect("split");
        assert_eq!(s["test"], vec!["b.jpg".to_owned()]);
    }
}
