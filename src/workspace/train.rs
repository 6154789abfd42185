//! The one train-and-test protocol, used by the training window and `vignette train` alike, and saving
//! a trained head (switching packs when it went into a user copy).
//!
//! The test part: with a split, its `train` subset is trained on and its `test` subset reported on;
//! without one a seeded [`TEST_FRACTION`] of the photos is held out. Both split by *photo*, so no photo has
//! captions on both sides. The trainer carves its own validation part (early stopping, blend) from the
//! training part only, so the reported test numbers never steered training. (Before this module the CLI
//! reported the validation part when no split was given, numbers that had already chosen the epoch and
//! the blend; the GUI held out 20%. Now both hold out the same 20%.)
//!
//! The head kind is not a user choice: packs whose image and text vectors already share a space
//! (`aligned`) get the residual adapter, the others the two-branch head ([`head_kind`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cancel::CancelToken;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::jobs::JobEvent;
use crate::model::pack::{Bridge, Pack};
use crate::train::captions::CaptionSet;
use crate::train::data::carve_validation;
use crate::train::effect::{LibraryEffect, library_effect};
use crate::train::prepare::prepare;
use crate::train::{EpochReport, Evaluation, Head, HeadKind, TrainOptions, TrainOutcome, apply, evaluate_on, train};

/// Share of the photos held out as the test part when no split is given.
pub const TEST_FRACTION: f64 = 0.2;

/// Image file names to train on and to test on, from a split file.
pub type SplitNames = (Vec<String>, Vec<String>);

/// What a training run needs.
#[derive(Clone)]
pub struct Plan {
    pub set: Arc<CaptionSet>,
    /// Image file names to train on and to test on, from a split file.
    pub split: Option<SplitNames>,
    /// Options; `kind` is set from the pack by [`train_and_test`].
    pub opts: TrainOptions,
    /// Folders the head will apply to (empty: the whole library); the effect report measures these.
    pub apply_to: Vec<PathBuf>,
}

/// What a training run reports, in order: `Indexing`*, `Embedding`, `Parts`, `Epoch`*, then the result.
#[derive(Debug, Clone)]
pub enum TrainEvent {
    /// Progress of indexing the captioned photos.
    Indexing(JobEvent),
    /// Indexing is done; the captions are being embedded.
    Embedding,
    /// The photos were split into the training and the test part.
    Parts {
        train_photos: usize,
        train_captions: usize,
        test_photos: usize,
        test_captions: usize,
    },
    Epoch(EpochReport),
}

/// A finished run and its numbers on the test part.
pub struct Trained {
    pub outcome: TrainOutcome,
    pub test: Evaluation,
    pub train_photos: usize,
    pub test_photos: usize,
    pub test_captions: usize,
    /// Photos named by the caption set that could not be used, with the reason.
    pub left_out: Vec<(PathBuf, String)>,
    /// The engine the head was trained on (and is saved into).
    pub engine: Arc<Engine>,
    /// The head's effect on a sample of the photos that were not captioned (none when there are too few).
    pub effect: Option<LibraryEffect>,
    /// Folders holding the captioned photos (for "apply to these folders only").
    pub folders: Vec<PathBuf>,
}

/// Where a head was saved.
#[derive(Debug, Clone)]
pub struct Saved {
    pub name: String,
    pub file: PathBuf,
    /// The pack to switch to when the head went into a user copy that is not the open pack.
    pub switch_to: Option<String>,
}

/// The head that fits `pack`: residual for aligned encoders, two-branch otherwise.
pub fn head_kind(pack: &Pack) -> HeadKind {
    if pack.manifest.bridge == Bridge::Aligned {
        HeadKind::Residual
    } else {
        HeadKind::TwoBranch
    }
}

/// Index and embed the set, split it into train and test parts, train, and evaluate on the test part.
pub fn train_and_test(
    engine: &Arc<Engine>,
    plan: &Plan,
    emit: &dyn Fn(TrainEvent),
    cancel: &CancelToken,
) -> Result<Trained> {
    let mut set = (*plan.set).clone();
    if let Some((train_names, test_names)) = &plan.split {
        set.retain_names(&[train_names.as_slice(), test_names.as_slice()].concat());
    }
    let prepared = prepare(engine, &set, &|e| emit(TrainEvent::Indexing(e)), cancel)?;
    emit(TrainEvent::Embedding);
    let (train_rows, test_rows) = match &plan.split {
        Some((_, test_names)) => {
            let is_test = |p: &Path| file_name(p).is_some_and(|n| test_names.iter().any(|t| t == n));
            (0..prepared.images.len()).partition(|&i| !is_test(&prepared.images[i]))
        }
        None => carve_validation(prepared.images.len(), TEST_FRACTION, plan.opts.seed),
    };
    if test_rows.is_empty() {
        return Err(Error::Train(
            "the test part is empty: no photo of the split's test subset is in the caption set".into(),
        ));
    }
    if train_rows.is_empty() {
        return Err(Error::Train(
            "the training part is empty: every usable photo is in the test part".into(),
        ));
    }
    let (fit, test) = (prepared.data.subset(&train_rows), prepared.data.subset(&test_rows));
    emit(TrainEvent::Parts {
        train_photos: train_rows.len(),
        train_captions: fit.n_captions(),
        test_photos: test_rows.len(),
        test_captions: test.n_captions(),
    });
    let opts = TrainOptions {
        kind: head_kind(&engine.pack),
        ..plan.opts.clone()
    };
    let outcome = train(&fit, &opts, &|| cancel.is_cancelled(), &mut |r| {
        emit(TrainEvent::Epoch(r))
    })?;
    let evaluation = evaluate_on(&outcome.head, &test, outcome.blend)?;
    let effect = library_effect(
        engine,
        &outcome.head,
        outcome.blend,
        &prepared.images,
        &fit,
        &plan.apply_to,
        plan.opts.seed,
    )?;
    let mut folders: Vec<PathBuf> = prepared
        .images
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    folders.sort();
    folders.dedup();
    Ok(Trained {
        effect,
        folders,
        outcome,
        test: evaluation,
        train_photos: train_rows.len(),
        test_photos: test_rows.len(),
        test_captions: test.n_captions(),
        left_out: prepared.left_out,
        engine: Arc::clone(engine),
    })
}

/// Save the head into the pack of `engine` and work out whether the front end must switch packs to use
/// it (the head went into a user copy of a pack that is not the configured one). With `folders`, the head
/// applies to photos under them only; the others keep their zero-shot score.
pub fn save_head(engine: &Engine, head: &Head, name: &str, folders: &[PathBuf]) -> Result<Saved> {
    let dir = apply::save_into_pack_for(&engine.config, &engine.pack, head, name, folders)?;
    let open = engine.config.pack_dir().ok();
    let switch_to = if open.as_deref() == Some(dir.as_path()) {
        None
    } else {
        file_name(&dir).map(str::to_owned)
    };
    Ok(Saved {
        name: name.to_owned(),
        file: dir.join("heads").join(format!("{name}.safetensors")),
        switch_to,
    })
}

fn file_name(p: &Path) -> Option<&str> {
    p.file_name().and_then(|n| n.to_str())
}
