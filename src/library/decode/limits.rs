//! What one photo may cost, decided from its file size and header before any pixel is decoded, and a byte
//! budget shared by every decoding thread in the process.
//!
//! Why: decoders allocate whole frames from what the header declares, so a 3 KB PNG that declares
//! 1,000,000 x 1 pixels (the shorter-side resize then wants 150 GB) or 100,000 x 100,000 would make the
//! allocator abort the process, and the app re-scans at every start. Each check here reads only the file
//! length or the header, and each refusal is an [`Error::Decode`] that the indexer records as a skip.
//! The budget bounds the total: N threads decoding N huge PNGs at once wait their turn instead of adding up.

use std::path::Path;
use std::sync::{Condvar, Mutex};

use crate::error::{Error, Result};

/// Largest photo accepted, in pixels (about 16k x 16k).
pub const MAX_PIXELS: u64 = 268_000_000;

/// Largest accepted ratio of the longer to the shorter side. Panoramas reach about 10:1; past this a
/// "photo" is a strip whose model input would be one stretched line of pixels.
pub const MAX_ASPECT: u32 = 50;

/// Largest file read into memory, in bytes. Camera RAW files reach about 150 MB.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Bytes that all decoding threads together may hold in decoded pixel buffers at once.
pub const BUDGET_BYTES: u64 = 768 * 1024 * 1024;

const MB: u64 = 1024 * 1024;

pub(super) fn decode_err(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Decode {
        path: path.to_path_buf(),
        message: msg.to_string(),
    }
}

/// Reject sizes no photo has, from the header's width and height.
pub fn check_size(path: &Path, w: u32, h: u32) -> Result<()> {
    if w == 0 || h == 0 {
        return Err(decode_err(path, format!("image has no pixels ({w}x{h})")));
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(decode_err(
            path,
            format!("{w}x{h} exceeds the {MAX_PIXELS}-pixel limit"),
        ));
    }
    let (long, short) = (w.max(h), w.min(h));
    if long / short >= MAX_ASPECT {
        return Err(decode_err(
            path,
            format!("{w}x{h} is not a photo: sides differ more than {MAX_ASPECT} to 1"),
        ));
    }
    Ok(())
}

/// Read a photo file whole, refusing one larger than [`MAX_FILE_BYTES`] before reading it (and one that
/// grows past it while being read).
pub fn read_photo(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let len = file.metadata().map_err(|e| Error::io("cannot read", path, e))?.len();
    let too_big = || {
        decode_err(
            path,
            format!("file is larger than the {} MB limit for one photo", MAX_FILE_BYTES / MB),
        )
    };
    if len > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read", path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// A byte budget that blocks a taker until enough bytes are free.
pub struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes taken from a [`Budget`], given back on drop (also when a decoder panics).
pub struct Lease<'a> {
    budget: &'a Budget,
    bytes: u64,
}

/// The budget every decode in this process draws on.
pub static BUDGET: Budget = Budget::new(BUDGET_BYTES);

impl Budget {
    /// A budget of `total` bytes.
    pub const fn new(total: u64) -> Budget {
        Budget {
            total,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Take `bytes`, waiting while other decodes hold too much; a photo that needs more than the whole
    /// budget is refused at once.
    pub fn take(&self, path: &Path, bytes: u64) -> Result<Lease<'_>> {
        if bytes > self.total {
            return Err(decode_err(
                path,
                format!(
                    "decoding needs about {} MB, more than the {} MB memory budget",
                    bytes.div_ceil(MB),
                    self.total / MB
                ),
            ));
        }
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used + bytes > self.total {
            used = self.freed.wait(used).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used += bytes;
        Ok(Lease { budget: self, bytes })
    }

    /// Bytes currently taken.
    pub fn used(&self) -> u64 {
        *self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked_from_the_header() {
        let p = Path::new("x.png");
        assert!(check_size(p, 4000, 3000).is_ok());
        assert!(check_size(p, 8000, 200).is_ok());
        for (w, h) in [
            (0, 10),
            (1_000_000, 1),
            (65_535, 1),
            (100_000, 100_000),
            (20_000, 20_000),
        ] {
            let e = check_size(p, w, h).expect_err("refused");
            assert!(e.to_string().contains(&format!("{w}x{h}")), "{e}");
        }
    }

    #[test]
    fn budget_waits_and_refuses_what_never_fits() {
        let b = Budget::new(100);
        let p = Path::new("x");
        assert!(b.take(p, 101).is_err());
        let first = b.take(p, 60).expect("fits");
        std::thread::scope(|s| {
            let waiter = s.spawn(|| b.take(p, 60).map(|l| l.bytes));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert_eq!(b.used(), 60, "the second taker must wait");
            drop(first);
            assert_eq!(waiter.join().expect("join").expect("taken"), 60);
        });
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("big.jpg");
        let f = std::fs::File::create(&p).expect("create");
        f.set_len(MAX_FILE_BYTES + 1).expect("sparse file");
        let e = read_photo(&p).expect_err("refused");
        assert!(e.to_string().contains("MB limit"), "{e}");
        assert!(matches!(
            read_photo(&dir.path().join("none.jpg")),
            Err(Error::Io { .. })
        ));
    }
}
