//! Readers for the public caption formats: Karpathy splits, COCO, Flickr8k, CSV/TSV, sidecar folders.
//!
//! Each reader turns its format into a [`CaptionSet`] and nothing else. Where images live differs per data
//! set and per download, so readers try the usual layouts ([`pick_base`]: the candidate folder holding the
//! most of the first named images wins) unless the caller passes the folder. Errors name the file and the
//! line (JSON errors carry serde's line; text formats count lines from 1).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, IoContext, Result};
use crate::train::caption_set::CaptionSet;

/// File extensions treated as photos by the sidecar reader.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"];

fn cap_err(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Captions {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

fn read_text(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).at("cannot read caption file", path)?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text))
}

/// Of `candidates`, the folder that holds the most of the first 20 `names`; the first candidate on a tie.
pub(crate) fn pick_base(candidates: &[PathBuf], names: &[&str]) -> PathBuf {
    let mut best = (0usize, 0usize);
    for (k, c) in candidates.iter().enumerate() {
        let hits = names.iter().take(20).filter(|n| c.join(n).is_file()).count();
        if hits > best.0 {
            best = (hits, k);
        }
    }
    candidates.get(best.1).cloned().unwrap_or_else(|| PathBuf::from("."))
}

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Karpathy `dataset_*.json`: `{"images": [{"filename", "filepath"?, "sentences": [{"raw"}]}]}`. Images
/// are looked for in the JSON's folder and an `images/` sibling (or `images` when given).
pub fn read_karpathy(path: &Path, images: Option<&Path>) -> Result<CaptionSet> {
    #[derive(Deserialize)]
    struct Sentence {
        raw: String,
    }
    #[derive(Deserialize)]
    struct Image {
        filename: String,
        #[serde(default)]
        filepath: Option<String>,
        sentences: Vec<Sentence>,
    }
    #[derive(Deserialize)]
    struct File {
        images: Vec<Image>,
    }
    let text = read_text(path)?;
    let file: File =
        serde_json::from_str(&text).map_err(|e| cap_err(path, e.line(), format!("bad Karpathy dataset JSON: {e}")))?;
    let rel = |i: &Image| match &i.filepath {
        Some(fp) if !fp.is_empty() => Path::new(fp).join(&i.filename),
        _ => PathBuf::from(&i.filename),
    };
    let base = match images {
        Some(b) => b.to_path_buf(),
        None => {
            let names: Vec<PathBuf> = file.images.iter().take(20).map(rel).collect();
            let names: Vec<&str> = names.iter().filter_map(|p| p.to_str()).collect();
            let dir = parent(path);
            pick_base(
                &[dir.clone(), dir.join("images"), dir.join("..").join("images")],
                &names,
            )
        }
    };
    let mut set = CaptionSet {
        source: path.to_path_buf(),
        ..Default::default()
    };
    for img in &file.images {
        for s in &img.sentences {
            set.push(base.join(rel(img)), s.raw.trim().to_owned());
        }
    }
    Ok(set)
}

/// COCO `captions_*.json`: `images[{id, file_name}]`, `annotations[{image_id, caption}]`. Images are looked
/// for in a folder named like the split (`captions_train2014.json` → `train2014/`) next to the file or
/// next to its `annotations/` folder, then next to the file, unless `images` is given.
pub fn read_coco(path: &Path, images: Option<&Path>) -> Result<CaptionSet> {
    #[derive(Deserialize)]
    struct Image {
        id: u64,
        file_name: String,
    }
    #[derive(Deserialize)]
    struct Ann {
        image_id: u64,
        caption: String,
    }
    #[derive(Deserialize)]
    struct File {
        images: Vec<Image>,
        annotations: Vec<Ann>,
    }
    let text = read_text(path)?;
    let file: File =
        serde_json::from_str(&text).map_err(|e| cap_err(path, e.line(), format!("bad COCO captions JSON: {e}")))?;
    let by_id: HashMap<u64, &str> = file.images.iter().map(|i| (i.id, i.file_name.as_str())).collect();
    let base = match images {
        Some(b) => b.to_path_buf(),
        None => {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let split = stem.strip_prefix("captions_").unwrap_or(stem);
            let dir = parent(path);
            let up = dir.join("..");
            let names: Vec<&str> = file.images.iter().take(20).map(|i| i.file_name.as_str()).collect();
            pick_base(
                &[
                    dir.join(split),
                    up.join(split),
                    dir.clone(),
                    dir.join("images"),
                    up.join("images"),
                ],
                &names,
            )
        }
    };
    let mut set = CaptionSet {
        source: path.to_path_buf(),
        ..Default::default()
    };
    for (k, a) in file.annotations.iter().enumerate() {
        let name = by_id.get(&a.image_id).ok_or_else(|| {
            cap_err(
                path,
                0,
                format!("annotation {k} names image_id {} which is not in images", a.image_id),
            )
        })?;
        set.push(base.join(name), a.caption.trim().to_owned());
    }
    Ok(set)
}

/// A `.json` without a telling name: COCO if it has `annotations`, else Karpathy.
pub fn read_json_sniffed(path: &Path, images: Option<&Path>) -> Result<CaptionSet> {
    let text = read_text(path)?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| cap_err(path, e.line(), format!("bad JSON: {e}")))?;
    if v.get("annotations").is_some() {
        read_coco(path, images)
    } else if v
        .get("images")
        .and_then(|i| i.get(0))
        .and_then(|i| i.get("sentences"))
        .is_some()
    {
        read_karpathy(path, images)
    } else {
        Err(cap_err(
            path,
            1,
            "JSON is neither COCO captions (annotations) nor a Karpathy dataset (images[].sentences)",
        ))
    }
}

/// Flickr8k captions: the Kaggle `captions.txt` (`image,caption` CSV with a header) or the original
/// `Flickr8k.token.txt` (`name.jpg#0<TAB>caption`). Images: the file's folder, `Images/`, `images/` or
/// `Flicker8k_Dataset/` next to it, unless `images` is given.
pub fn read_flickr(path: &Path, images: Option<&Path>) -> Result<CaptionSet> {
    let text = read_text(path)?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if !first.contains('\t') {
        return read_delimited_text(path, &text, b',', images);
    }
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (key, caption) = line
            .split_once('\t')
            .ok_or_else(|| cap_err(path, i + 1, "expected `name.jpg#N<TAB>caption`"))?;
        let name = key.rsplit_once('#').map_or(key, |(n, _)| n).trim();
        if name.is_empty() {
            return Err(cap_err(path, i + 1, "empty image name"));
        }
        rows.push((name.to_owned(), caption.trim().to_owned()));
    }
    Ok(finish(path, rows, images))
}

fn finish(path: &Path, rows: Vec<(String, String)>, images: Option<&Path>) -> CaptionSet {
    let base = match images {
        Some(b) => b.to_path_buf(),
        None => {
            let dir = parent(path);
            let names: Vec<&str> = rows.iter().take(20).map(|r| r.0.as_str()).collect();
            let subs = ["Images", "images", "Flicker8k_Dataset", "Flickr8k_Dataset"];
            let cands: Vec<PathBuf> = std::iter::once(dir.clone())
                .chain(subs.iter().map(|s| dir.join(s)))
                .collect();
            pick_base(&cands, &names)
        }
    };
    let mut set = CaptionSet {
        source: path.to_path_buf(),
        ..Default::default()
    };
    for (name, caption) in rows {
        set.push(base.join(name), caption);
    }
    set
}

/// CSV (`b','`) or TSV (`b'\t'`): an image column and a caption column. A header is recognised when its
/// first field is not an image file name; its columns are then found by name (`image`, `filename`, `file`,
/// `path`, `image_name` / `caption`, `text`, `comment`, `description`, `sentence`), else columns 1 and 2.
pub fn read_delimited(path: &Path, delimiter: u8, images: Option<&Path>) -> Result<CaptionSet> {
    let text = read_text(path)?;
    read_delimited_text(path, &text, delimiter, images)
}

fn read_delimited_text(path: &Path, text: &str, delim: u8, images: Option<&Path>) -> Result<CaptionSet> {
    let mut rows = Vec::new();
    let (mut img_col, mut cap_col, mut n_cols) = (0usize, 1usize, 2usize);
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_fields(line, delim as char).map_err(|m| cap_err(path, i + 1, m))?;
        if first {
            first = false;
            if !looks_like_image(&fields[0]) {
                let find = |names: &[&str]| {
                    fields
                        .iter()
                        .position(|f| names.contains(&f.trim().to_lowercase().as_str()))
                };
                img_col = find(&["image", "filename", "file_name", "file", "path", "image_name", "img"]).unwrap_or(0);
                cap_col = find(&["caption", "text", "comment", "description", "sentence", "raw"]).unwrap_or(1);
                n_cols = fields.len().max(img_col.max(cap_col) + 1);
                continue;
            }
        }
        let need = img_col.max(cap_col) + 1;
        if fields.len() < need {
            return Err(cap_err(
                path,
                i + 1,
                format!("expected {need} fields, found {}", fields.len()),
            ));
        }
        // An unquoted caption with commas spills into extra fields: the caption is the rest of the line.
        let caption = if cap_col == n_cols - 1 {
            fields[cap_col..].join(&(delim as char).to_string())
        } else {
            fields[cap_col].clone()
        };
        rows.push((fields[img_col].trim().to_owned(), caption.trim().to_owned()));
    }
    Ok(finish(path, rows, images))
}

fn looks_like_image(field: &str) -> bool {
    let f = field.trim().to_ascii_lowercase();
    IMAGE_EXTENSIONS.iter().any(|e| f.ends_with(&format!(".{e}")))
}

/// Split one line into fields; `"..."` fields may hold the delimiter and `""` for a quote.
pub(crate) fn split_fields(line: &str, delim: char) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if at_start && c == '"' {
            at_start = false;
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        cur.push('"');
                    }
                    Some('"') => break,
                    Some(ch) => cur.push(ch),
                    None => return Err("unterminated quoted field".into()),
                }
            }
            match chars.peek() {
                None => {}
                Some(&d) if d == delim => {}
                Some(_) => return Err("text after a closing quote".into()),
            }
        } else if c == delim {
            fields.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            at_start = false;
            cur.push(c);
        }
    }
    fields.push(cur);
    Ok(fields)
}

/// A folder of photos with sidecar caption files: `photo.jpg` + `photo.txt` or `photo.caption`, one caption
/// per non-empty line. Searched recursively in name order. Photos without a sidecar are skipped; sidecars
/// without a photo are listed in `missing`. Links to folders are not followed.
pub fn read_sidecar_folder(dir: &Path) -> Result<CaptionSet> {
    let mut set = CaptionSet {
        source: dir.to_path_buf(),
        ..Default::default()
    };
    walk(dir, &mut set)?;
    Ok(set)
}

fn walk(dir: &Path, set: &mut CaptionSet) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .at("cannot list folder", dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let ext_of = |p: &Path| p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    for p in &entries {
        // Links to folders are not followed, so a link loop cannot make the walk endless.
        if p.is_dir() && !p.is_symlink() {
            walk(p, set)?;
        } else if p.is_dir() {
            continue;
        } else if ext_of(p).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str())) {
            for side in [p.with_extension("txt"), p.with_extension("caption")] {
                if side.is_file() {
                    let text = read_text(&side)?;
                    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                        set.push(p.clone(), line.to_owned());
                    }
                }
            }
        } else if ext_of(p).is_some_and(|e| e == "txt" || e == "caption") {
            let has_image = entries.iter().any(|q| {
                q != p
                    && q.with_extension("") == p.with_extension("")
                    && ext_of(q).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()))
            });
            if !has_image {
                set.missing
                    .push((p.clone(), "caption file without a photo of the same name".into()));
            }
        }
    }
    Ok(())
}
