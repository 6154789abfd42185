//! The training panel's background work: pickers, loading caption and split files, the training run
//! (prepare, then train, then the test evaluation) and saving the head.
//!
//! Every piece runs on its own named thread and reports through one channel of [`Msg`] that the panel
//! drains with `try_iter` in `App::logic`; the waker is called after each send, never under a lock. A
//! training run owns an `Arc<Engine>`, so re-opening the app's engine meanwhile does not disturb it, and
//! the head is saved into the pack it was trained on.
//!
//! The test part: with a split file, the `train` subset is trained on and the `test` subset reported on;
//! without one a seeded [`TEST_FRACTION`] of the photos is held out. Both are split by *photo*, so no photo
//! has captions on both sides. The trainer carves its own validation split (early stopping, blend) from the
//! training part only, so the test numbers never steered training.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::Sender;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::jobs::{CancelToken, JobEvent, Waker};
use crate::train::captions::{self, CaptionSet};
use crate::train::data::carve_validation;
use crate::train::effect::{LibraryEffect, library_effect};
use crate::train::prepare::prepare;
use crate::train::{EpochReport, Evaluation, Head, TrainOptions, TrainOutcome, apply, evaluate_on, train};

/// Share of the photos held out as the test part when no split file is given.
pub const TEST_FRACTION: f64 = 0.2;

/// Which picker was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    CaptionFile,
    CaptionFolder,
    Split,
}

/// What the panel's threads report.
pub enum Msg {
    Picked(Pick, PathBuf),
    Loaded {
        path: PathBuf,
        result: std::result::Result<Arc<CaptionSet>, String>,
    },
    SplitLoaded {
        path: PathBuf,
        result: std::result::Result<BTreeMap<String, Vec<String>>, String>,
    },
    /// Progress of indexing the captioned photos.
    Indexing(JobEvent),
    /// Indexing is done; the captions are being embedded.
    Embedding,
    Epoch(EpochReport),
    Trained(Box<Trained>),
    Cancelled,
    Failed(String),
    Saved(std::result::Result<Saved, String>),
}

/// What a training run needs.
#[derive(Clone)]
pub struct Plan {
    pub set: Arc<CaptionSet>,
    /// Image file names to train on and to test on, from a split file.
    pub split: Option<(Vec<String>, Vec<String>)>,
    pub opts: TrainOptions,
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
pub struct Saved {
    pub name: String,
    pub file: PathBuf,
    /// The pack to switch to when the head went into a user copy that is not the open pack.
    pub switch_to: Option<String>,
}

/// Spawns the panel's threads and owns the sending side of its channel.
#[derive(Clone)]
pub struct Spawner {
    pub tx: Sender<Msg>,
    pub waker: Waker,
}

impl Spawner {
    /// Run `f` on a thread named `vignette-{name}`; it sends through the function it is given.
    pub fn spawn(&self, name: &str, f: impl FnOnce(&dyn Fn(Msg)) + Send + 'static) {
        let (tx, waker) = (self.tx.clone(), Arc::clone(&self.waker));
        let send = move |m: Msg| {
            let _ = tx.send(m);
            waker();
        };
        let failed = send.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("vignette-{name}"))
            .spawn(move || f(&send));
        if let Err(e) = spawned {
            failed(Msg::Failed(format!("cannot start a background thread: {e}")));
        }
    }

    /// Open a native file or folder dialog on a thread; a cancelled dialog sends nothing.
    pub fn pick(&self, what: Pick) {
        self.spawn("pick-captions", move |send| {
            let dialog = rfd::FileDialog::new();
            let picked = match what {
                Pick::CaptionFile => dialog
                    .set_title("Choose a caption file")
                    .add_filter("Caption files", &["jsonl", "json", "txt", "token", "csv", "tsv"])
                    .pick_file(),
                Pick::CaptionFolder => dialog
                    .set_title("Choose a folder of photos with caption files")
                    .pick_folder(),
                Pick::Split => dialog
                    .set_title("Choose a split file")
                    .add_filter("Split files", &["json"])
                    .pick_file(),
            };
            if let Some(p) = picked {
                send(Msg::Picked(what, p));
            }
        });
    }

    pub fn load_captions(&self, path: PathBuf) {
        self.spawn("load-captions", move |send| {
            let result = captions::load(&path).map(Arc::new).map_err(|e| e.to_string());
            send(Msg::Loaded { path, result });
        });
    }

    pub fn load_split(&self, path: PathBuf) {
        self.spawn("load-split", move |send| {
            let result = captions::read_split(&path).map_err(|e| e.to_string());
            send(Msg::SplitLoaded { path, result });
        });
    }

    /// Prepare and train on a thread, reporting progress; cancelled through `cancel`.
    pub fn train(&self, engine: Arc<Engine>, plan: Plan, cancel: CancelToken) {
        self.spawn("train", move |send| match run(&engine, &plan, send, &cancel) {
            Ok(t) => send(Msg::Trained(Box::new(t))),
            Err(Error::Cancelled) => send(Msg::Cancelled),
            Err(e) => send(Msg::Failed(e.to_string())),
        });
    }

    /// Save `head` into the pack of `engine` under `name`.
    pub fn save(&self, engine: Arc<Engine>, head: Head, name: String, folders: Vec<PathBuf>) {
        self.spawn("save-head", move |send| {
            send(Msg::Saved(
                save(&engine, &head, &name, &folders).map_err(|e| e.to_string()),
            ));
        });
    }
}

/// Index and embed the set, split it into train and test parts, train, and evaluate on the test part.
fn run(engine: &Arc<Engine>, plan: &Plan, send: &dyn Fn(Msg), cancel: &CancelToken) -> Result<Trained> {
    let mut set = (*plan.set).clone();
    if let Some((train_names, test_names)) = &plan.split {
        set.retain_names(&[train_names.as_slice(), test_names.as_slice()].concat());
    }
    let prepared = prepare(engine, &set, &|e| send(Msg::Indexing(e)), cancel)?;
    send(Msg::Embedding);
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
    let (fit, test) = (prepared.data.subset(&train_rows), prepared.data.subset(&test_rows));
    let outcome = train(&fit, &plan.opts, &|| cancel.is_cancelled(), &mut |r| {
        send(Msg::Epoch(r))
    })?;
    let evaluation = evaluate_on(&outcome.head, &test, outcome.blend)?;
    let effect = library_effect(
        engine,
        &outcome.head,
        outcome.blend,
        &prepared.images,
        &fit,
        &[],
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

/// Save the head and work out whether the app must switch packs to use it.
fn save(engine: &Engine, head: &Head, name: &str, folders: &[PathBuf]) -> Result<Saved> {
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
