//! The photo folders: finding photos on disk, deciding what changed since the index last saw them, and
//! decoding them. Pure functions over paths and bytes: no model, no database.

pub mod decode;
pub mod scan;

pub use scan::{Plan, ScannedFile, is_photo, plan, scan};
