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
//! a [`WriteLock`] so two writers never interleave; readers never take it.
//!
//! Layout (schema 3): `photos` holds one narrow row per file with its search vector (`embedding`,
//! L2-normalised), which is all a search start-up reads; `features` (raw encoder output, input of trained
//! heads), `thumbs` (WebP, JPEG in older indexes) and `head_vectors` (a trained head's vectors and domain
//! gate per photo, computed once per head) live in side tables keyed by photo id. Vectors are q8 coded
//! ([`codec`]): about 2 kB per photo plus a 5-6 kB thumbnail.

pub mod codec;
mod folders;
mod head_rows;
pub mod paths;
mod queries;
mod schema;
mod store;

pub use crate::files::WriteLock;
pub use crate::library::FileState;
pub use codec::Q8Matrix;
pub use folders::FolderStatus;
pub use head_rows::HeadRows;
pub use paths::storable;
pub use store::{Index, NewPhoto, PhotoMeta, SkippedFile, Stats, StoredVectors, Vectors};

/// Bumped whenever the schema changes; [`Index::open`] migrates older indexes in place.
pub const SCHEMA_VERSION: i64 = 3;
