//! Exporting a shortlist: the photos copied (or resized) into a folder, plus a CSV for credits and captions.
//!
//! Nothing is ever overwritten: every file is created with `create_new`, and a name that is taken gets a
//! number (`door-1.jpg`), so exporting twice into one folder keeps both. A photo that cannot be exported
//! (moved, unreadable) is skipped with its reason and the rest go on; the CSV lists exactly the files
//! written. Resizing decodes upright (EXIF orientation applied), scales with Lanczos (never up) and writes
//! JPEG at quality 92. The date is when the photo was taken (EXIF `DateTimeOriginal`, as the date filter
//! reads it, wall-clock time as the camera wrote it), else the file's modification time (UTC); both are
//! ISO 8601, and `date_source` says which one a row used ("exif" or "file time"). An original this build cannot
//! decode (a HEIC without libheif) is still copied; only its pixel size is left empty.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::notes::Pick;
use crate::error::{Error, IoContext as _, Result};
use crate::library::decode;

/// How the photos are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportOptions {
    /// Resize so the longer side is at most this many pixels (JPEG out); `None`: copy the original.
    pub long_side: Option<u32>,
}

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportReport {
    /// Files written, in shortlist order.
    pub files: Vec<PathBuf>,
    /// The CSV file.
    pub csv: PathBuf,
    /// Photos left out, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// The CSV header, one column per [`Row`] field.
pub const CSV_HEADER: &str = "file,path,prompt,score,date,date_source,width,height";

struct Row {
    file: String,
    path: String,
    prompt: String,
    score: String,
    date: String,
    /// "exif" or "file time".
    date_source: &'static str,
    /// Pixel size (upright); `None` when the copied original could not be decoded here (a HEIC without
    /// libheif): the file is still exported and the CSV leaves the size empty.
    size: Option<(u32, u32)>,
}

/// Export `picks` into `dir` (created when missing); see the module docs.
pub fn export_shortlist(picks: &[Pick], dir: &Path, opts: ExportOptions) -> Result<ExportReport> {
    if opts.long_side == Some(0) {
        return Err(Error::Setting("the long side must be at least 1 pixel".into()));
    }
    std::fs::create_dir_all(dir).at("cannot create the export folder", dir)?;
    let mut report = ExportReport::default();
    let mut rows = Vec::new();
    for pick in picks {
        match export_one(pick, dir, opts) {
            Ok((file, row)) => {
                report.files.push(file);
                rows.push(row);
            }
            Err(e) => report.skipped.push((pick.path.clone(), e.to_string())),
        }
    }
    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    for r in &rows {
        let fields = [&r.file, &r.path, &r.prompt, &r.score, &r.date, r.date_source];
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        let (w, h) = r
            .size
            .map_or((String::new(), String::new()), |(w, h)| (w.to_string(), h.to_string()));
        csv.push_str(&format!("{},{w},{h}\n", quoted.join(",")));
    }
    let (csv_path, mut f) = create_unique(dir, "picks", "csv")?;
    f.write_all(csv.as_bytes()).at("cannot write the CSV", &csv_path)?;
    report.csv = csv_path;
    Ok(report)
}

fn export_one(pick: &Pick, dir: &Path, opts: ExportOptions) -> Result<(PathBuf, Row)> {
    let src = &pick.path;
    let stem = src
        .file_stem()
        .map_or_else(|| "photo".into(), |s| s.to_string_lossy().into_owned());
    let modified = std::fs::metadata(src)
        .and_then(|m| m.modified())
        .at("cannot read the photo", src)?;
    let bytes = decode::limits::read_photo(src)?;
    let (target, size) = match opts.long_side {
        None => {
            // Decoding at the smallest size is enough to learn the upright pixel size.
            let dims = decode::decode(src, &bytes, 1).ok().map(|d| d.original);
            let ext = src.extension().map(|e| e.to_string_lossy().into_owned());
            let (target, mut f) = create_unique(dir, &stem, ext.as_deref().unwrap_or(""))?;
            write_or_remove(&target, &mut f, &bytes)?;
            (target, dims)
        }
        Some(side) => {
            let img = decode::decode(src, &bytes, side)?.image;
            let (jpeg, dims) = resized_jpeg(&img, side)?;
            let dims = Some(dims);
            let (target, mut f) = create_unique(dir, &stem, "jpg")?;
            write_or_remove(&target, &mut f, &jpeg)?;
            (target, dims)
        }
    };
    // EXIF dates are the camera's wall clock, with no zone: no "Z" for them.
    let (date, date_source) = match crate::library::facts::exif_taken_at(&bytes) {
        Some(t) => (iso_date(t).trim_end_matches('Z').to_owned(), "exif"),
        None => {
            let secs = modified
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            (iso_date(secs), "file time")
        }
    };
    let row = Row {
        file: target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: src.display().to_string(),
        prompt: pick.prompt.clone(),
        score: pick.score.map(|s| format!("{s:.4}")).unwrap_or_default(),
        date,
        date_source,
        size,
    };
    Ok((target, row))
}

/// JPEG quality of resized exports (meant for print and layout, so higher than the grid's thumbnails).
const EXPORT_QUALITY: u8 = 92;

/// `img` scaled (Lanczos, never up) so its longer side is at most `side`, as JPEG, with its pixel size.
fn resized_jpeg(img: &image::RgbImage, side: u32) -> Result<(Vec<u8>, (u32, u32))> {
    let small = crate::model::preprocess::fit_within(img, side, crate::model::pack::Filter::Lanczos3)?;
    let (tw, th) = small.dimensions();
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, EXPORT_QUALITY);
    small
        .write_with_encoder(enc)
        .map_err(|e| Error::Resize(format!("cannot encode the exported JPEG: {e}")))?;
    Ok((out, (tw, th)))
}

/// Write `bytes` into the freshly created `target`; a failed write removes the partial file (which this
/// export made, so nothing of the user's is lost).
fn write_or_remove(target: &Path, f: &mut File, bytes: &[u8]) -> Result<()> {
    f.write_all(bytes).map_err(|e| {
        let _ = std::fs::remove_file(target);
        Error::io("cannot write the exported photo", target, e)
    })
}

/// Create `dir/stem.ext`, or `stem-1.ext`, `stem-2.ext`, ... when taken; never opens an existing file.
fn create_unique(dir: &Path, stem: &str, ext: &str) -> Result<(PathBuf, File)> {
    let dot = if ext.is_empty() {
        String::new()
    } else {
        format!(".{ext}")
    };
    for n in 0..10_000 {
        let name = if n == 0 {
            format!("{stem}{dot}")
        } else {
            format!("{stem}-{n}{dot}")
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io("cannot create the exported file", &path, e)),
        }
    }
    Err(Error::Other(format!(
        "too many files named {stem}-N{dot} in {}",
        dir.display()
    )))
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; quotes doubled.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_date(secs: i64) -> String {
    let (y, m, d, rem) = civil(secs);
    format!(
        "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Seconds since the Unix epoch as a UTC (year, month, day, seconds into the day).
pub fn civil(secs: i64) -> (i64, i64, i64, i64) {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::library::dates::civil_from_days(days);
    (y, i64::from(m), i64::from(d), rem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(iso_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_date(1_709_210_096), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn export_copies_resizes_and_never_overwrites() {
        let (src, out) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
        let red = src.path().join("red.png");
        image::RgbImage::from_pixel(40, 20, image::Rgb([200, 0, 0]))
            .save(&red)
            .expect("write");
        std::fs::write(out.path().join("red.png"), b"the user's own file").expect("write");
        let picks = [
            Pick::new(red.clone(), "a red wall, at dusk", Some(0.5)),
            Pick::new(src.path().join("gone.png"), "x", None),
        ];
        let r = export_shortlist(&picks, out.path(), ExportOptions::default()).expect("export");
        assert_eq!(r.files, [out.path().join("red-1.png")]);
        assert_eq!(r.skipped.len(), 1, "the missing photo is skipped");
        assert_eq!(
            std::fs::read(out.path().join("red.png")).expect("read"),
            b"the user's own file"
        );
        let csv = std::fs::read_to_string(&r.csv).expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert!(lines[1].starts_with("red-1.png,"), "{csv}");
        assert!(lines[1].contains(",\"a red wall, at dusk\",0.5000,"), "{csv}");
        assert!(lines[1].ends_with(",file time,40,20"), "{csv}");
        // A file this build cannot decode is still copied as it is; its size stays empty.
        let odd = src.path().join("odd.heic");
        std::fs::write(&odd, b"not decodable here").expect("write");
        let r = export_shortlist(&[Pick::new(odd, "", None)], out.path(), ExportOptions::default()).expect("copy");
        assert_eq!(r.files, [out.path().join("odd.heic")]);
        let csv = std::fs::read_to_string(&r.csv).expect("csv");
        assert!(csv.lines().nth(1).is_some_and(|l| l.ends_with(",file time,,")), "{csv}");
        let small = export_shortlist(&picks[..1], out.path(), ExportOptions { long_side: Some(10) }).expect("resize");
        assert_eq!(small.files, [out.path().join("red.jpg")]);
        assert_eq!(image::image_dimensions(&small.files[0]).expect("dims"), (10, 5));
        assert_ne!(small.csv, r.csv, "a second CSV gets its own name");
        // A photo with an EXIF capture date is dated by it, not by its file time.
        let dated = src.path().join("dated.jpg");
        std::fs::write(&dated, crate::library::facts::jpeg_taken(b"2021:07:14 09:30:05\0")).expect("write");
        let r = export_shortlist(&[Pick::new(dated, "", None)], out.path(), ExportOptions::default()).expect("exif");
        let csv = std::fs::read_to_string(&r.csv).expect("csv");
        let row = csv.lines().nth(1).unwrap_or_default();
        assert!(row.ends_with(",2021-07-14T09:30:05,exif,8,8"), "{csv}");
    }
}
