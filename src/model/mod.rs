//! ONNX models: the pack manifest, the runtime, preprocessing, tokenisation and the encoders.
//!
//! Only `runtime` touches ONNX Runtime's loading and session building; everything model-specific comes
//! from the pack manifest. Only `manager` (installing packs the user asked for) and
//! `runtime` (fetching ONNX Runtime once, through pip) touch the network.

pub mod builtin;
pub mod encoders;
pub mod manager;
pub mod pack;
pub mod preprocess;
pub mod runtime;
pub mod tokenize;
