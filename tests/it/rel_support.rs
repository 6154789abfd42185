//! Helpers of the reliability tests: the CLI on the tiny pack, permission probing, and a consistency check
//! of an index file read with plain SQL (what a crash or a second writer could have broken).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{TestEnv, tiny_pack};

/// `vignette --data-dir DATA --pack tiny-aligned ARGS...`.
pub fn cli(env: &TestEnv) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vignette"));
    c.arg("--quiet")
        .arg("--threads")
        .arg("2")
        .arg("--data-dir")
        .arg(env.data())
        .arg("--pack")
        .arg(tiny_pack("tiny-aligned"));
    c
}

/// Run the CLI to the end.
pub fn run(env: &TestEnv, args: &[&str]) -> Output {
    cli(env).args(args).output().expect("run vignette")
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether file permissions stop this process (false when running as root, which reads anything); tests
/// of unreadable files skip their permission part then, saying so.
pub fn permissions_enforced() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("probe");
        std::fs::write(&f, b"x").expect("write");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        let enforced = std::fs::read(&f).is_err();
        if !enforced {
            eprintln!("skipping the permission part: this process reads files it has no permission for (root)");
        }
        enforced
    }
    #[cfg(not(unix))]
    false
}

/// Set Unix permission bits.
#[cfg(unix)]
pub fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Check an index file with plain SQL: integrity, whole rows, and every photo under a remembered folder.
/// Returns the number of photos.
pub fn check_consistent(db: &Path, dim: usize) -> usize {
    let conn = rusqlite::Connection::open(db).expect("the index opens");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(ok, "ok", "integrity_check of {}", db.display());
    let has_schema: bool = conn
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE name='photos')",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    if !has_schema {
        return 0; // killed before the schema's one transaction committed: an empty, valid file
    }
    let bad: i64 = conn
        .query_row(
            // q8 vectors: a 9-byte header plus one code per value, padded so the length is never a
            // multiple of 4 (src/index/codec.rs); every photo has its features and thumbnail.
            "SELECT COUNT(*) FROM photos p LEFT JOIN features f ON f.photo = p.id
             LEFT JOIN thumbs t ON t.photo = p.id
             WHERE length(p.embedding) NOT IN (?1, ?2) OR f.vec IS NULL OR length(f.vec) < 10
             OR length(f.vec) % 4 = 0 OR t.data IS NULL OR length(t.data) = 0 OR length(p.hash) != 32
             OR p.width <= 0",
            [(dim + 9) as i64, (dim + 10) as i64],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(bad, 0, "half-written rows in {}", db.display());
    let orphans: i64 = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM features WHERE photo NOT IN (SELECT id FROM photos))
                  + (SELECT COUNT(*) FROM thumbs WHERE photo NOT IN (SELECT id FROM photos))",
            [],
            |r| r.get(0),
        )
        .expect("orphans");
    assert_eq!(orphans, 0, "features or thumbnails without their photo");
    let dup: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (SELECT path FROM photos GROUP BY path HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(dup, 0, "duplicate rows");
    let paths = |sql: &str| -> Vec<PathBuf> {
        let mut st = conn.prepare(sql).expect("prepare");
        st.query_map([], |r| r.get::<_, Vec<u8>>(0))
            .expect("query")
            .map(|b| bytes_path(&b.expect("row")))
            .collect()
    };
    let folders = paths("SELECT path FROM folders");
    let photos = paths("SELECT path FROM photos");
    for p in &photos {
        assert!(
            folders.iter().any(|f| p.starts_with(f)),
            "{} lies under no remembered folder {folders:?}",
            p.display()
        );
    }
    photos.len()
}

#[cfg(unix)]
fn bytes_path(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt as _;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

#[cfg(not(unix))]
fn bytes_path(b: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(b).into_owned())
}
