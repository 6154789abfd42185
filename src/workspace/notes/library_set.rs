//! The library's own captions as a caption set, and exporting them as JSON Lines or sidecar files.
//!
//! Training on the library needs no file: [`library_caption_set`] turns the captions typed in place (and,
//! when the writer opts in, the prompts they picked photos for) into the same [`CaptionSet`] the file
//! readers produce, so the one train-and-test protocol ([`crate::workspace::train`]) runs unchanged.
//! Photos that moved or vanished are listed as missing, as with a file. Exports never overwrite: the
//! JSONL file must not exist yet, and a sidecar that exists with other text is left alone and reported.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::Notes;
use crate::error::{Error, IoContext as _, Result};
use crate::train::captions::CaptionSet;

/// Name shown as the set's source (it has no file of its own).
pub const SOURCE: &str = "the library's captions";

/// The library's captions, plus the picked (photo, prompt) pairs when `picked`.
pub fn library_caption_set(notes: &Notes, picked: bool) -> Result<CaptionSet> {
    let mut set = CaptionSet {
        source: PathBuf::from(SOURCE),
        ..CaptionSet::default()
    };
    for c in notes.captions()? {
        set.push(c.path, c.text);
    }
    if picked {
        for (path, prompt) in notes.picked_pairs()? {
            set.push(path, prompt);
        }
    }
    Ok(set)
}

/// Write every caption to `file` as JSON Lines (`{"image": absolute path, "caption": ...}`), the format
/// `vignette train` reads. Refuses to replace an existing file. Returns how many lines were written.
pub fn export_jsonl(notes: &Notes, file: &Path) -> Result<usize> {
    let mut out = String::new();
    let mut n = 0;
    for c in notes.captions()? {
        let Some(image) = c.path.to_str() else {
            return Err(Error::NotUtf8(c.path));
        };
        let line = serde_json::json!({ "image": image, "caption": c.text });
        out.push_str(&line.to_string());
        out.push('\n');
        n += 1;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .at("cannot create the caption file (it must not exist yet)", file)?;
    f.write_all(out.as_bytes()).at("cannot write the caption file", file)?;
    Ok(n)
}

/// What writing sidecars did.
#[derive(Debug, Default)]
pub struct Sidecars {
    /// Sidecar files written (new, or holding exactly these captions already).
    pub written: Vec<PathBuf>,
    /// Sidecars left alone because they exist with other text, or could not be written.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Write `photo.txt` beside each captioned photo, one caption a line (the sidecar layout the caption-folder
/// reader takes). An existing sidecar with other text is never replaced.
pub fn export_sidecars(notes: &Notes) -> Result<Sidecars> {
    let mut by_photo: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for c in notes.captions()? {
        match by_photo.last_mut() {
            Some((p, texts)) if *p == c.path => texts.push(c.text),
            _ => by_photo.push((c.path, vec![c.text])),
        }
    }
    let mut report = Sidecars::default();
    for (photo, texts) in by_photo {
        let side = photo.with_extension("txt");
        let text = texts
            .iter()
            .map(|t| format!("{}\n", t.replace(['\n', '\r'], " ")))
            .collect::<String>();
        match std::fs::read_to_string(&side) {
            Ok(have) if have == text => report.written.push(side),
            Ok(_) => report
                .skipped
                .push((side, "a different sidecar exists; it was left as it is".into())),
            Err(_) => {
                let written = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&side)
                    .and_then(|mut f| f.write_all(text.as_bytes()));
                match written {
                    Ok(()) => report.written.push(side),
                    Err(e) => report.skipped.push((side, e.to_string())),
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::super::Pick;
    use super::*;

    #[test]
    fn captions_and_opted_in_prompts_make_a_set_and_export() {
        let dir = tempfile::tempdir().expect("tmp");
        let photos = dir.path().join("photos");
        std::fs::create_dir_all(&photos).expect("mkdir");
        let (red, blue) = (photos.join("red.png"), photos.join("blue.png"));
        for p in [&red, &blue] {
            image::RgbImage::new(4, 4).save(p).expect("write");
        }
        let mut n = Notes::open(dir.path()).expect("open");
        n.add_caption(&red, "a red wall").expect("add");
        n.add_caption(&red, "crimson").expect("add");
        n.add_caption(&photos.join("gone.png"), "lost").expect("add");
        n.add_pick("Picks", &Pick::new(blue.clone(), "deep blue", None))
            .expect("pick");
        let set = library_caption_set(&n, false).expect("set");
        assert_eq!(set.pairs.len(), 2);
        assert_eq!(set.missing.len(), 1, "the vanished photo is listed");
        let set = library_caption_set(&n, true).expect("set");
        assert!(set.pairs.iter().any(|p| p.caption == "deep blue"), "opted-in prompt");

        let file = dir.path().join("captions.jsonl");
        assert_eq!(export_jsonl(&n, &file).expect("jsonl"), 3);
        assert!(export_jsonl(&n, &file).is_err(), "never replaces a file");
        let back = crate::train::captions::read_jsonl(&file).expect("reads back");
        assert_eq!(back.pairs.len(), 2);

        std::fs::write(photos.join("gone.txt"), "someone else's notes\n").expect("write");
        let sc = export_sidecars(&n).expect("sidecars");
        assert_eq!(sc.written, [photos.join("red.txt")]);
        assert_eq!(sc.skipped.len(), 1);
        assert_eq!(
            std::fs::read_to_string(photos.join("red.txt")).expect("read"),
            "a red wall\ncrimson\n"
        );
        assert_eq!(
            std::fs::read_to_string(photos.join("gone.txt")).expect("read"),
            "someone else's notes\n"
        );
        assert_eq!(
            export_sidecars(&n).expect("again").written.len(),
            1,
            "same text counts as written"
        );
    }
}
