//! `vignette search` filters, order and near-duplicate collapse, end to end with the default pack:
//! each option cuts the results as documented, `--json` carries the facts, bad input is a clear error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

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

/// A textured photo (so photos differ in dHash) of `w` x `h` with pattern `seed`, file time `day`
/// (days since 1970).
pub fn textured(path: &Path, w: u32, h: u32, seed: u32, day: u64) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let s = seed as f32;
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let v = ((fx * (3.0 + s) + s).sin() * (fy * (2.0 + s * 0.7) + s * 2.0).cos() * 110.0 + 128.0) as u8;
        image::Rgb([v, 255 - v, (v / 2).wrapping_add((seed * 40) as u8)])
    })
    .save(path)
    .expect("save");
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(day * 86_400 + 12 * 3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(t))
        .expect("set mtime");
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn names(hits: &[serde_json::Value]) -> Vec<String> {
    let mut n: Vec<String> = hits
        .iter()
        .map(|h| {
            let p = PathBuf::from(h["path"].as_str().expect("path"));
            p.file_name().expect("name").to_string_lossy().into_owned()
        })
        .collect();
    n.sort();
    n
}

// 2020-01-10 = day 18271, 2021-05-05 = day 18752, 2022-08-01 = day 19205.
fn library() -> TestEnv {
    let env = TestEnv::new();
    let p = env.photos();
    textured(&p.join("wide.png"), 90, 60, 1, 18_271);
    textured(&p.join("wide_copy.jpg"), 180, 120, 1, 19_205);
    textured(&p.join("tall.png"), 60, 90, 2, 18_752);
    textured(&p.join("square.png"), 64, 62, 3, 19_205);
    textured(&p.join("sub/big.png"), 2400, 800, 4, 18_271);
    let o = vignette(&env, &["index", p.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    env
}

#[test]
fn search_filters_cut_before_ranking_and_json_carries_facts() {
    let env = library();
    let all = json_lines(&vignette(&env, &["search", "a photo", "--json"]));
    assert_eq!(all.len(), 5);
    let tall = all
        .iter()
        .find(|h| h["path"].as_str().is_some_and(|p| p.ends_with("tall.png")));
    let tall = tall.expect("tall.png");
    assert_eq!((tall["width"].as_u64(), tall["height"].as_u64()), (Some(60), Some(90)));
    assert_eq!(tall["orientation"], "portrait");
    assert_eq!(
        tall["date"], "2021-05-05T12:00:00",
        "file time when there is no EXIF date"
    );
    assert_eq!(tall["group"], 1);

    let q = |extra: &[&str]| {
        let mut args = vec!["search", "a photo", "--json"];
        args.extend(extra);
        names(&json_lines(&vignette(&env, &args)))
    };
    assert_eq!(q(&["--orientation", "portrait"]), ["tall.png"]);
    assert_eq!(q(&["--orientation", "square"]), ["square.png"]);
    assert_eq!(
        q(&["--orientation", "landscape", "-k", "1", "--min-px", "1000"]),
        ["big.png"]
    );
    let sub = env.photos().join("sub");
    assert_eq!(q(&["--folder", sub.to_str().expect("utf8")]), ["big.png"]);
    assert_eq!(q(&["--from", "2021-01-01", "--to", "2021-12-31"]), ["tall.png"]);
    assert_eq!(
        q(&["--to", "2020-01-10"]),
        ["big.png", "wide.png"],
        "--to includes its day"
    );

    let by_date = json_lines(&vignette(&env, &["search", "a photo", "--json", "--sort", "date"]));
    let dates: Vec<&str> = by_date.iter().map(|h| h["date"].as_str().expect("date")).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    let oldest = json_lines(&vignette(
        &env,
        &["search", "a photo", "--json", "--sort", "oldest", "-k", "2"],
    ));
    assert_eq!(names(&oldest), ["big.png", "wide.png"]);
}

#[test]
fn collapse_groups_a_resized_copy_under_one_result() {
    let env = library();
    let hits = json_lines(&vignette(&env, &["search", "a photo", "--json", "--collapse"]));
    assert_eq!(hits.len(), 4, "{hits:?}");
    let group: Vec<_> = hits.iter().filter(|h| h["group"] == 2).collect();
    assert_eq!(group.len(), 1, "{hits:?}");
    let mut members = vec![group[0]["path"].as_str().expect("path").to_owned()];
    members.push(group[0]["duplicates"][0].as_str().expect("member").to_owned());
    members.sort();
    assert!(
        members[0].ends_with("wide.png") && members[1].ends_with("wide_copy.jpg"),
        "{members:?}"
    );
    // Filters apply to members too: with only landscape photos from 2022, the copy stands alone.
    let alone = json_lines(&vignette(
        &env,
        &[
            "search",
            "a photo",
            "--json",
            "--collapse",
            "--from",
            "2022-01-01",
            "--orientation",
            "landscape",
        ],
    ));
    assert_eq!(names(&alone), ["wide_copy.jpg"]);
    assert_eq!(alone[0]["group"], 1);
    let text = vignette(&env, &["search", "a photo", "--collapse"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("(+1 near-duplicates)"));
}

#[test]
fn bad_filter_values_are_clear_errors() {
    let env = TestEnv::new();
    let o = vignette(&env, &["search", "a dog", "--from", "2021-02-30"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a calendar date"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = vignette(&env, &["search", "a dog", "--to", "May 5"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("YYYY-MM-DD"));
    let o = vignette(&env, &["search", "a dog", "--from", "2022-01-01", "--to", "2021-01-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from is after --to"));
    let o = vignette(&env, &["search", "a dog", "--folder", "/definitely/not/here"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/definitely/not/here"));
    let o = vignette(&env, &["search", "a dog", "--orientation", "round"]);
    assert_eq!(o.status.code(), Some(2));
}
