//! `vignette train`: fine-tune a two-branch head on captioned photos, report before and after, save it.
//!
//! The captioned photos are indexed like any others (so a second run costs nothing and the image encoder
//! never runs during training). With `--split`, training uses the `train` subset (validation carved from
//! it) and the before/after table is measured on the `test` subset; without one, on the validation part.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use vignette::config::Config;
use vignette::jobs::CancelToken;
use vignette::model::pack::Bridge;
use vignette::train::{HeadKind, LossKind, TrainOptions, apply, effect, evaluate_on, train};

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
    let (train_set, test_set) = match &args.set.split {
        Some(_) => (args.set.load("train")?, Some(args.set.load("test")?)),
        None => (args.set.load("")?, None),
    };
    let engine = super::engine(config.clone())?;
    let prepared = super::eval::prepare_with_progress(&engine, &train_set, quiet)?;
    let d = &prepared.data;
    println!("training on {} photos, {} captions", d.n_images(), d.n_captions());
    let opts = TrainOptions {
        kind: if engine.pack.manifest.bridge == Bridge::Aligned {
            HeadKind::Residual
        } else {
            HeadKind::TwoBranch
        },
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
    };
    let cancel = CancelToken::new();
    super::index::on_ctrl_c(&cancel);
    let outcome = train(d, &opts, &|| cancel.is_cancelled(), &mut |e| {
        let v = e.validation.text_to_image;
        println!(
            "epoch {:>3}  loss {:.4}  validation text→image R@1 {:.1} R@5 {:.1} R@10 {:.1}  ({:.1} s)",
            e.epoch,
            e.train_loss,
            v.r1,
            v.r5,
            v.r10,
            e.elapsed.as_secs_f64()
        );
    })?;
    println!(
        "best epoch {}, blend weight {:.2} (chosen on validation), {:.1} s",
        outcome.best_epoch,
        outcome.blend,
        outcome.elapsed.as_secs_f64()
    );
    let eval = match &test_set {
        Some(test) => {
            let t = super::eval::prepare_with_progress(&engine, test, quiet)?;
            println!("test: {} photos, {} captions", t.data.n_images(), t.data.n_captions());
            evaluate_on(&outcome.head, &t.data, outcome.blend)?
        }
        None => {
            println!("validation part (no --split given):");
            outcome.validation
        }
    };
    super::eval::print_table(&[
        ("zero-shot", &eval.zero_shot),
        ("head", &eval.head),
        ("blend", &eval.blend),
    ]);
    let folders: Vec<std::path::PathBuf> = args
        .apply_to
        .iter()
        .map(|f| std::fs::canonicalize(f).with_context(|| format!("cannot apply the head to {}", f.display())))
        .collect::<anyhow::Result<_>>()?;
    match effect::library_effect(
        &engine,
        &outcome.head,
        outcome.blend,
        &prepared.images,
        d,
        &folders,
        args.seed,
    )? {
        Some(e) => {
            println!(
                "photos you did not caption ({} sampled, {} of your captions as queries): {:.0}% of the top 10 stay, \
                 the head weighs {:.0}% on them",
                e.photos,
                e.queries,
                100.0 * e.top10_kept,
                100.0 * e.mean_gate * outcome.blend
            );
            if let Some(w) = e.warning() {
                log::warn!("{w} (--apply-to FOLDER)");
            }
        }
        None => println!("no other photos indexed: the effect on the rest of the library is not measured"),
    }
    if !args.no_save {
        let dir = apply::save_into_pack_for(&config, &engine.pack, &outcome.head, &args.name, &folders)?;
        println!("saved head {:?} into {}; search uses it now", args.name, dir.display());
        if config.pack != engine.pack.manifest.name {
            println!("(select that pack with --pack {})", engine.pack.manifest.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
