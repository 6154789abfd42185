//! Vignette core.
pub mod error;
pub mod model { pub mod pack; }
pub mod train;
pub use error::{Error, Result};
