//! The one evaluation protocol: index a caption set, then measure retrieval both ways with the zero-shot
//! bridge and, when the pack has a trained head, the head alone and the blend the pack uses.
//!
//! Protocol (see the flickr8k-1k README): each caption ranks all evaluated images and a hit is its own
//! image; an image's rank is the best among its captions. Which photos are evaluated is the caller's
//! choice (a split's subset); indexing and embedding go through [`crate::train::prepare`], the same path
//! training takes, so a photo is encoded once for both.

use serde::Serialize;

use crate::cancel::CancelToken;
use crate::engine::Engine;
use crate::error::Result;
use crate::jobs::JobEvent;
use crate::train::captions::CaptionSet;
use crate::train::head::Head;
use crate::train::metrics::RetrievalReport;
use crate::train::prepare::{Prepared, prepare};

/// Retrieval quality of the open pack on a caption set.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub images: usize,
    pub captions: usize,
    pub pack: String,
    pub zero_shot: RetrievalReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<HeadReport>,
    /// Photos of the set that could not be used, with the reason.
    #[serde(skip)]
    pub left_out: Vec<(std::path::PathBuf, String)>,
}

/// The pack's trained head on the same set.
#[derive(Debug, Clone, Serialize)]
pub struct HeadReport {
    pub name: String,
    pub blend_weight: f32,
    /// Mean domain gate of the evaluated photos (1: the head applies fully to all).
    pub mean_gate: f32,
    pub head: RetrievalReport,
    pub blend: RetrievalReport,
}

/// Index and embed `set` (reporting through `emit`), then evaluate the pack on it.
pub fn evaluate_set(
    engine: &Engine,
    set: &CaptionSet,
    emit: &dyn Fn(JobEvent),
    cancel: &CancelToken,
) -> Result<EvalReport> {
    let p: Prepared = prepare(engine, set, emit, cancel)?;
    let d = &p.data;
    let mut report = EvalReport {
        images: d.n_images(),
        captions: d.n_captions(),
        pack: engine.pack.manifest.name.clone(),
        // Blockwise: memory stays O(captions + images) however large the set (see `train::metrics`).
        zero_shot: crate::train::eval::evaluate_zero_shot(d)?,
        head: None,
        left_out: p.left_out.clone(),
    };
    if let (Some(spec), Some(path)) = (&engine.pack.manifest.head, &engine.pack.head) {
        let head = Head::load_expecting(path, d.image_dim, d.text_dim)?;
        let e = crate::train::evaluate_on(&head, d, spec.blend)?;
        report.head = Some(HeadReport {
            name: spec.name.clone(),
            blend_weight: spec.blend,
            mean_gate: e.mean_gate,
            head: e.head,
            blend: e.blend,
        });
    }
    Ok(report)
}
