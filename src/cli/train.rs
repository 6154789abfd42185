//! `vignette train`: fine-tune a head on captioned photos, report before and after on a test part, save it.
//!
//! The protocol is the workspace's, the same the training window runs ([`vignette::workspace::train`]):
//! with `--split`, training uses the `train` subset and the before/after table is measured on the `test`
//! subset; without one a seeded 20% of the photos is held out as the test part. Either way the trainer's
//! own validation part (early stopping, blend) comes from the training photos only, so the table reports
//! photos that steered nothing. The captioned photos are indexed like any others (a second run costs
//! nothing, and the image encoder never runs during training).

use std::cell::RefCell;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use vignette::config::Config;
use vignette::train::{LossKind, TrainOptions};
use vignette::workspace::train::{Plan, TEST_FRACTION, TrainEvent, save_head, train_and_test};

/// Fine-tune the matching on your own captioned photos and save the result into the model pack
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub set: super::eval::CaptionArgs,
    /// Name of the trained head (saved as heads/NAME.safetensors in the pack)
    #[arg(long, default_value = "custom")]
    pub name: String,
    /// Most epochs to run (early stopping on validation R-sum usually ends sooner)
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Epochs without improvement before stopping
    #[arg(long, default_value_t = 3)]
    pub patience: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 0.2)]
    pub margin: f32,
    /// Use the hardest negative (VSE++) instead of the sum of violations
    #[arg(long)]
    pub hardest_negative: bool,
    /// Measure only; do not save the head into the pack
    #[arg(long)]
    pub no_save: bool,
    /// Apply the head only to photos under this folder (repeat for more); photos elsewhere keep the
    /// zero-shot ranking
    #[arg(long, value_name = "FOLDER")]
    pub apply_to: Vec<std::path::PathBuf>,
}

pub fn run(config: Config, args: &TrainArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let (set, split) = args.set.load_with_split(&config)?;
    let engine = super::engine(config.clone())?;
    let plan = Plan {
        set: Arc::new(set),
        split,
        opts: TrainOptions {
            max_epochs: args.epochs,
            patience: args.patience,
            seed: args.seed,
            lr: args.lr,
            margin: args.margin,
            loss: if args.hardest_negative {
                LossKind::HardestNegative
            } else {
                LossKind::SumViolations
            },
            ..TrainOptions::default()
        },
        apply_to: args.apply_to.clone(),
    };
    // Lines written from inside the run; the first write error (a closed pipe) stops it.
    let write_error = RefCell::new(None);
    let trained = super::progress::with_progress(quiet, |emit, cancel| {
        let report = |r: std::io::Result<()>| {
            if let Err(e) = r {
                write_error.borrow_mut().get_or_insert(e);
                cancel.cancel();
            }
        };
        let on_event = |e: TrainEvent| match e {
            TrainEvent::Indexing(j) => emit(j),
            TrainEvent::Embedding => {}
            TrainEvent::Parts {
                train_photos,
                train_captions,
                test_photos,
                test_captions,
            } => {
                report(outln!("training on {train_photos} photos, {train_captions} captions"));
                let held_out = match plan.split {
                    Some(_) => "the split's test subset".to_owned(),
                    None => format!("{:.0}% held out, no --split given", TEST_FRACTION * 100.0),
                };
                report(outln!(
                    "testing on {test_photos} photos, {test_captions} captions ({held_out})"
                ));
            }
            TrainEvent::Epoch(e) => {
                let v = e.validation.text_to_image;
                report(outln!(
                    "epoch {:>3}  loss {:.4}  validation text→image R@1 {:.1} R@5 {:.1} R@10 {:.1}  ({:.1} s)",
                    e.epoch,
                    e.train_loss,
                    v.r1,
                    v.r5,
                    v.r10,
                    e.elapsed.as_secs_f64()
                ));
            }
        };
        train_and_test(&engine, &plan, &on_event, cancel)
    });
    if let Some(e) = write_error.into_inner() {
        return Err(e.into());
    }
    let trained = trained?;
    for (path, why) in &trained.left_out {
        log::warn!("left out {}: {why}", path.display());
    }
    let outcome = &trained.outcome;
    outln!(
        "best epoch {}, blend weight {:.2} (chosen on validation), {:.1} s",
        outcome.best_epoch,
        outcome.blend,
        outcome.elapsed.as_secs_f64()
    )?;
    outln!("test part:")?;
    let t = &trained.test;
    super::eval::print_table(&[("zero-shot", &t.zero_shot), ("head", &t.head), ("blend", &t.blend)])?;
    print_effect(trained.effect.as_ref(), outcome.blend)?;
    if !args.no_save {
        let saved = save_head(&engine, &outcome.head, &args.name, &args.apply_to)?;
        outln!(
            "saved head {:?} into {}; search uses it now",
            saved.name,
            saved.file.display()
        )?;
        if let Some(pack) = saved.switch_to.filter(|p| *p != config.pack) {
            outln!("(select that pack with --pack {pack})")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How much the head moves the ranking of photos the user did not caption, with a warning when it is a lot.
fn print_effect(effect: Option<&vignette::train::effect::LibraryEffect>, blend: f32) -> anyhow::Result<()> {
    match effect {
        Some(e) => {
            outln!(
                "photos you did not caption ({} sampled, {} of your captions as queries): {:.0}% of the top 10 \
                 stay, the head weighs {:.0}% on them",
                e.photos,
                e.queries,
                100.0 * e.top10_kept,
                100.0 * e.mean_gate * blend
            )?;
            if let Some(w) = e.warning() {
                log::warn!("{w} (--apply-to FOLDER)");
            }
        }
        None => outln!("no other photos indexed: the effect on the rest of the library is not measured")?,
    }
    Ok(())
}
