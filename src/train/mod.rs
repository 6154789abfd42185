//! Training: caption sets in, a two-branch head out, measured by retrieval metrics.
pub mod captions;
pub mod metrics;
