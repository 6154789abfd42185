//! The photo folders: finding photos on disk, deciding what changed since the index last saw them, and
//! decoding them. Pure functions over paths and bytes: no model, no database.
//!
//! [`FileState`] lives here, not in `index`: it is what the scanner compares against, and the index only
//! stores it, so the dependency points from the index to the library and never back.

pub mod dates;
pub mod decode;
pub mod facts;
pub mod scan;

pub use scan::{Plan, ScannedFile, is_photo, plan, scan};

use std::path::PathBuf;

/// What the index remembers of a file to decide whether it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    pub id: i64,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub hash: [u8; 32],
}
