//! Training: caption sets in, a two-branch head out, measured by retrieval metrics.
//!
//! Flow: [`captions::load`] reads what the writer captioned; the index supplies cached embeddings as a
//! [`data::TrainData`]; [`trainer::train`] fits a [`head::Head`] and picks its blend with the zero-shot
//! bridge ([`eval`]); search calls [`head::Head::encode_images`] / [`head::Head::encode_texts`].
pub mod apply;
pub mod caption_formats;
pub mod caption_set;
pub mod captions;
pub mod data;
pub mod domain;
pub mod effect;
pub mod eval;
pub mod head;
pub mod head_file;
pub mod loss;
pub mod metrics;
mod model;
pub mod options;
pub mod prepare;
pub mod trainer;

pub use data::TrainData;
pub use eval::{Evaluation, evaluate_on};
pub use head::{Head, HeadConfig, HeadKind};
pub use loss::LossKind;
pub use trainer::{EpochReport, TrainOptions, TrainOutcome, train};
