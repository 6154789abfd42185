//! Paths as stored in the index: the file system's own bytes, so every name round-trips.
//!
//! Why bytes: a photo from an old archive can have a name that is not valid UTF-8 (`b\xe9.jpg` from a
//! Latin-1 system). Storing `to_str()` would fail the whole run on it; `to_string_lossy()` would store a
//! different name that can never be found again. On Unix a path is a byte string, so the index stores
//! exactly those bytes as a BLOB. Elsewhere (Windows) a name that is not valid Unicode cannot be stored
//! without unsafe code, so [`storable`] says why and the indexer skips that one file with the reason.
//! Indexes written before schema 2 hold TEXT paths; reading accepts both, and opening migrates them.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;

/// The bytes stored for `p`, or why its name cannot be stored on this system.
#[cfg(unix)]
pub fn path_bytes(p: &Path) -> Result<&[u8], String> {
    use std::os::unix::ffi::OsStrExt as _;
    Ok(p.as_os_str().as_bytes())
}

/// The bytes stored for `p`, or why its name cannot be stored on this system.
#[cfg(not(unix))]
pub fn path_bytes(p: &Path) -> Result<&[u8], String> {
    p.to_str()
        .map(str::as_bytes)
        .ok_or_else(|| "the file name is not valid Unicode, so the index cannot store it".to_owned())
}

/// The path stored as `b`.
#[cfg(unix)]
pub fn path_from_bytes(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt as _;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

/// The path stored as `b`.
#[cfg(not(unix))]
pub fn path_from_bytes(b: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(b).into_owned())
}

/// Whether `p` can be stored; `Err` gives the reason to show for the skipped file.
pub fn storable(p: &Path) -> Result<(), String> {
    path_bytes(p).map(|_| ())
}

/// Read a path column (BLOB, or TEXT from an index written before schema 2).
pub(super) fn path_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<PathBuf> {
    match r.get_ref(i)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => Ok(path_from_bytes(b)),
        other => Err(rusqlite::Error::InvalidColumnType(i, "path".into(), other.data_type())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_round_trip() {
        use std::os::unix::ffi::OsStrExt as _;
        let p = PathBuf::from(std::ffi::OsStr::from_bytes(b"/photos/b\xe9.jpg"));
        let bytes = path_bytes(&p).expect("storable on unix");
        assert_eq!(bytes, b"/photos/b\xe9.jpg");
        assert_eq!(path_from_bytes(bytes), p);
    }

    #[test]
    fn utf8_names_round_trip() {
        let p = PathBuf::from("/photos/été/ü.jpg");
        assert_eq!(path_from_bytes(path_bytes(&p).expect("storable")), p);
    }
}
