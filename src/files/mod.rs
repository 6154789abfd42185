//! Leaf helpers for what Vignette writes to disk: private folders and the one-writer lock.
//!
//! Both are used by `model` (runtime cache, installs, the built-in pack), `index` and `config`; they live
//! here, depending on nothing but [`crate::error`], so those layers never have to import each other.

mod lock;

pub use lock::WriteLock;

use std::path::Path;

use crate::error::{Error, Result};

/// Create `dir` (and missing parents) readable by the owner only (0700 on Unix): the data folder holds
/// thumbnails of private photos and their paths. An existing folder keeps the permissions it has.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| Error::io("cannot create folder", dir, e))
}
