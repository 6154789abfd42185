//! The on-disk index: one SQLite database per model pack, keyed by the pack's fingerprint.
//!
//! Why SQLite (bundled): crash safety comes for free from its journal. Every batch of photos is written in
//! one transaction, so killing the process mid-index leaves a database that opens and holds every committed
//! batch and nothing half-written. WAL mode with `synchronous=NORMAL` survives a process crash (our
//! requirement) and lets the GUI read while the indexer writes; `FULL` would only add power-loss safety at
//! the cost of an fsync per batch. A hand-rolled file format would need its own journal to get the same.
//!
//! Versioning: `meta.schema` must equal [`SCHEMA_VERSION`] and `meta.fingerprint` the pack's
//! fingerprint; the file name carries the fingerprint too, so switching packs opens a different index and
//! never mixes vectors. Paths are stored as the file system's bytes ([`paths`]). A run that writes holds
//! a [`WriteLock`] so two writers never interleave; readers never take it. Vectors are little-endian f32 blobs: `embedding` (the search space, L2-normalised)
//! and `features` (raw encoder output, input of trained heads). Thumbnails (JPEG) live beside them so one
//! decode serves both.

mod facts;
mod folders;
pub mod paths;
mod queries;
mod schema;
mod store;

pub use crate::files::WriteLock;
pub use crate::library::FileState;
pub use facts::Facts;
pub use folders::FolderStatus;
pub use paths::storable;
pub use store::{Index, NewPhoto, PhotoMeta, SkippedFile, Stats, StoredVectors, Vectors};

/// Bumped whenever the schema changes; [`Index::open`] migrates older indexes in place.
pub const SCHEMA_VERSION: i64 = 3;

/// Encode f32s as little-endian bytes.
pub fn to_blob(v: &[f32]) -> Vec<u8> {
    crate::bytes::f32_to_le(v)
}

/// Decode little-endian bytes into f32s, appending to `out`.
pub fn from_blob_into(b: &[u8], out: &mut Vec<f32>) {
    crate::bytes::f32_from_le_into(b, out);
}
