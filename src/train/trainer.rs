//! The seed training recipe: fit a two-branch head on cached embeddings with a triplet ranking loss.
//!
//! Recipe (Wang et al. 2018; VSE++): standardise inputs with training-set statistics; per branch Linear →
//! ReLU → dropout → Linear → optional BatchNorm → L2-normalise; bidirectional triplet loss ([`LossKind`]);
//! AdamW; a validation split carved from the training *images* (seeded, so no photo is on both sides);
//! early stopping on validation **text-to-image** R-sum (R@1+R@5+R@10: search is text to image, so that
//! is the direction that matters); the best epoch's weights are kept; the zero-shot blend is then chosen on
//! the same validation split (see [`crate::train::eval`]).
//!
//! Library choice: candle-nn 0.11 autograd and its AdamW. It is already a dependency (so no compile cost
//! of its own), its CPU matmul is the `gemm` crate (fast enough on 2 cores), and autograd keeps the
//! recipe easy to change (loss, residual mode) without hand-derived gradients to keep in sync. Its
//! randomness is not seedable on the CPU, so weight init, shuffling and dropout masks come from
//! [`Rng`] and enter candle as plain tensors; BatchNorm is written out (batch statistics in training,
//! running statistics kept outside the graph) for the same control. Same seed → same numbers.
//!
//! Threads: every step runs inside a rayon pool of [`TrainOptions::threads`] threads (default 1, following
//! this workplace's measurement that candle-nn trains these heads fastest with a 1-thread pool; it also
//! leaves a core to the UI). The callbacks run on the caller's thread, outside the pool, so they need not
//! be `Send`. Performance note: binaries should set `mimalloc::MiMalloc` as `#[global_allocator]`; candle
//! allocates per op and glibc malloc was measured to spend about half the training time in the kernel.
//! A library cannot set it. Measured here (flickr8k-1k, 720 fit images, glibc malloc, debug build with
//! dependencies at opt-level 2): about 3.5 s per epoch on an idle 2-core VM.

use std::time::{Duration, Instant};

use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::train::data::{Rng, TrainData, carve_validation};
use crate::train::domain::DomainGate;
use crate::train::eval::{Evaluation, choose_blend, evaluate_on};
use crate::train::head::{Head, HeadConfig, HeadKind};
use crate::train::metrics::RetrievalReport;
use crate::train::model::{Model, cerr, dropout_mask, gather, standardise};

pub use crate::train::options::TrainOptions;

/// What the trainer reports after each epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// Mean loss per batch (see [`crate::train::loss`]).
    pub train_loss: f64,
    /// Head alone on the validation split, both directions.
    pub validation: RetrievalReport,
    /// Time since training started.
    pub elapsed: Duration,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The head at the best epoch, with the chosen blend stored in it.
    pub head: Head,
    pub history: Vec<EpochReport>,
    /// 1-based epoch whose weights were kept.
    pub best_epoch: usize,
    /// Weight of the head's score; the zero-shot bridge gets `1 - blend`.
    pub blend: f32,
    /// Zero-shot, head and blend on the validation split.
    pub validation: Evaluation,
    /// Image indices (into the input data) used for fitting and for validation.
    pub fit_images: Vec<usize>,
    pub validation_images: Vec<usize>,
    pub elapsed: Duration,
}

/// Train a head on `data`. `should_stop` is polled between steps (returns [`Error::Cancelled`]);
/// `on_epoch` hears about every finished epoch.
pub fn train(
    data: &TrainData,
    opts: &TrainOptions,
    should_stop: &dyn Fn() -> bool,
    on_epoch: &mut dyn FnMut(EpochReport),
) -> Result<TrainOutcome> {
    data.validate()?;
    let config = check_options(data, opts)?;
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Train(format!("cannot start training threads: {e}")))?;
    let (fit_images, validation_images) = carve_validation(data.n_images(), opts.validation_fraction, opts.seed);
    let fit = data.subset(&fit_images);
    let val = data.subset(&validation_images);
    let mut model = Model::new(&config, &fit, opts.seed).map_err(cerr)?;
    let mut opt = AdamW::new(
        model.vars(),
        ParamsAdamW {
            lr: opts.lr,
            weight_decay: opts.weight_decay,
            ..Default::default()
        },
    )
    .map_err(cerr)?;
    let img_in = standardise(&fit.image_features, &model.image.mean, &model.image.std);
    let txt_in = standardise(&fit.text_features, &model.text.mean, &model.text.std);
    let mut order: Vec<usize> = (0..fit.n_captions()).collect();
    let mut shuffle_rng = Rng::new(opts.seed, 2);
    let mut dropout_rng = Rng::new(opts.seed, 3);
    let (mut history, mut best) = (Vec::new(), None::<(f64, usize, Head)>);
    for epoch in 1..=opts.max_epochs {
        shuffle_rng.shuffle(&mut order);
        let (mut loss_sum, mut steps) = (0.0, 0usize);
        for batch in order.chunks(opts.batch_size).filter(|b| b.len() >= 2) {
            if should_stop() {
                return Err(Error::Cancelled);
            }
            let images: Vec<usize> = batch.iter().map(|&c| fit.caption_image[c]).collect();
            let xi = gather(&img_in, fit.image_dim, &images);
            let xt = gather(&txt_in, fit.text_dim, batch);
            let mi = dropout_mask(&mut dropout_rng, batch.len(), config.hidden, opts.dropout);
            let mt = dropout_mask(&mut dropout_rng, batch.len(), config.hidden, opts.dropout);
            let step = pool
                .install(|| model.step(&mut opt, xi, xt, mi, mt, &images, opts))
                .map_err(cerr)?;
            loss_sum += f64::from(step);
            steps += 1;
        }
        let head = model.head(&config)?;
        let report = evaluate_on(&head, &val, 1.0)?.head;
        let rep = EpochReport {
            epoch,
            train_loss: loss_sum / steps.max(1) as f64,
            validation: report,
            elapsed: start.elapsed(),
        };
        history.push(rep);
        on_epoch(rep);
        let score = report.text_to_image.rsum();
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, epoch, head));
        } else if best.as_ref().is_some_and(|(_, e, _)| epoch - e >= opts.patience) {
            break;
        }
    }
    let (_, best_epoch, head) = best.ok_or_else(|| Error::Train("no epoch finished".into()))?;
    let domain = if opts.domain_gate {
        Some(DomainGate::fit(
            &fit.image_features,
            &val.image_features,
            data.image_dim,
            opts.seed,
        )?)
    } else {
        None
    };
    let head = head.with_domain(domain);
    let blend = choose_blend(&head, &val)?;
    let head = Head::new(
        head.config().clone(),
        head.weights().0.clone(),
        head.weights().1.clone(),
        blend,
    )?
    .with_domain(head.domain().cloned());
    let validation = evaluate_on(&head, &val, blend)?;
    Ok(TrainOutcome {
        head,
        history,
        best_epoch,
        blend,
        validation,
        fit_images,
        validation_images,
        elapsed: start.elapsed(),
    })
}

fn check_options(data: &TrainData, o: &TrainOptions) -> Result<HeadConfig> {
    let bad = |m: String| Err(Error::Train(m));
    if data.n_images() < 4 {
        return bad(format!(
            "need at least 4 captioned images to train, got {}",
            data.n_images()
        ));
    }
    if o.batch_size < 2 || o.max_epochs == 0 || o.patience == 0 {
        return bad(format!(
            "batch_size >= 2, max_epochs >= 1 and patience >= 1 are required: {o:?}"
        ));
    }
    if !(0.0..1.0).contains(&o.dropout) || !(0.0..1.0).contains(&o.validation_fraction) || o.validation_fraction == 0.0
    {
        return bad(format!(
            "dropout must be in [0, 1) and validation_fraction in (0, 1): {o:?}"
        ));
    }
    let residual = o.kind == HeadKind::Residual;
    let config = HeadConfig {
        kind: o.kind,
        image_dim: data.image_dim,
        text_dim: data.text_dim,
        hidden: o.hidden,
        embed: if residual { data.text_dim } else { o.embed },
        batchnorm: o.batchnorm && !residual,
        bn_eps: 1e-5,
    };
    config.validate()?;
    Ok(config)
}

#[cfg(test)]
#[path = "trainer_tests.rs"]
pub(crate) mod tests;
