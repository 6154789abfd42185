//! The indexing pipeline: scan, diff, then decode in parallel and encode in batches, committing each batch.
//!
//! ```text
//! scan + plan ──► work queue ──► N decode threads ──► bounded results ──► job thread: batch, encode, commit
//! ```
//! Each decode thread reads a file once, hashes it (BLAKE3) and, unless the content is already indexed
//! (a moved, renamed or copied photo), decodes it once into both the model input and the thumbnail. The
//! job thread owns the only ONNX session and the only write connection; every batch is one transaction,
//! so a crash loses at most the batch in flight. Bounded channels keep memory flat whatever the library
//! size. A bad file becomes a `Skipped` event and the job goes on; a file that cannot be decoded is also
//! remembered (not retried until it changes), while a file that could not be read (permission, I/O,
//! locked by another program) is retried on the next run. The run holds the index's [`WriteLock`], so a
//! second indexer says "busy" instead of racing this one. Roots that are offline keep their photos (see
//! [`crate::library::scan`]) and are marked so in the index for `vignette info` and the GUI.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, bounded};
use serde::Serialize;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::index::{Index, NewPhoto, WriteLock, storable};
use crate::jobs::{CancelToken, JobEvent};
use crate::library::{Plan, ScannedFile, decode, facts, plan, scan};
use crate::model::preprocess;

/// How long a batch waits for more decoded photos before it is encoded as it is.
const BATCH_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Longer side of cached thumbnails, in pixels.
pub const THUMB_SIDE: u32 = 256;

/// What to index.
#[derive(Debug, Clone, Default)]
pub struct IndexRequest {
    /// Folders or single photos.
    pub roots: Vec<PathBuf>,
    /// Remember folders among `roots` so later runs (and the GUI) re-scan them.
    pub remember_folders: bool,
    /// Remove indexed photos under `roots` that are gone from disk.
    pub prune: bool,
}

/// The closing summary of an indexing run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexSummary {
    /// Photos decoded and encoded.
    pub indexed: usize,
    /// Photos whose content was already indexed (moved, renamed, copied): vectors reused.
    pub reused: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Files skipped in this run, with the reason.
    #[serde(serialize_with = "lossy_paths")]
    pub skipped: Vec<(PathBuf, String)>,
    /// Files skipped in earlier runs and unchanged since.
    pub previously_skipped: usize,
    pub seconds: f64,
    /// Seconds spent inside the image encoder.
    pub encoder_seconds: f64,
    pub provider: String,
    /// The run was cancelled; what it committed stays.
    pub cancelled: bool,
    /// Roots that could not be listed completely, with the reason: their photos were kept.
    #[serde(serialize_with = "lossy_paths")]
    pub offline: Vec<(PathBuf, String)>,
}

/// JSON has no byte strings: a path that is not UTF-8 is written lossily rather than failing the summary.
fn lossy_paths<S: serde::Serializer>(v: &[(PathBuf, String)], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|(p, r)| (p.to_string_lossy(), r)))
}

enum Item {
    Ready {
        file: ScannedFile,
        hash: [u8; 32],
        tensor: Vec<f32>,
        thumb: Vec<u8>,
        size: (u32, u32),
        taken_at: i64,
        dhash: u64,
    },
    Known {
        file: ScannedFile,
        hash: [u8; 32],
    },
    Failed {
        file: ScannedFile,
        reason: String,
        /// Remember the failure (a decode error) rather than retry next run (a read error).
        remember: bool,
    },
}

/// Index synchronously, reporting through `emit`; the terminal event is emitted here too.
pub fn run_index(
    engine: &Engine,
    req: &IndexRequest,
    emit: &dyn Fn(JobEvent),
    cancel: &CancelToken,
) -> Result<IndexSummary> {
    let t0 = Instant::now();
    let _lock = WriteLock::for_index(&engine.index_path(), "indexing")?;
    let mut index = engine.index()?;
    if req.remember_folders {
        for r in req.roots.iter().filter(|r| r.is_dir()) {
            index.add_folder(&std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()))?;
        }
    }
    // The index stores absolute paths, whatever the caller passed.
    let roots: Vec<PathBuf> = req
        .roots
        .iter()
        .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()))
        .collect();
    let mut summary = IndexSummary::default();
    let (p, known) = scan_and_plan(&index, &roots, req.prune, emit, cancel, &mut summary)?;
    let total = p.to_process.len();
    emit(JobEvent::Started { total });

    let mut vanished: HashMap<[u8; 32], Vec<PathBuf>> = HashMap::new();
    for s in &p.vanished {
        vanished.entry(s.hash).or_default().push(s.path.clone());
    }
    let mut encoder = if total > 0 { Some(engine.image_encoder()?) } else { None };
    if let Some(enc) = &encoder {
        let (name, why) = enc.provider();
        summary.provider = name.to_owned();
        emit(JobEvent::Note(match why {
            Some(w) => format!("encoding on {name}: {w}"),
            None => format!("encoding on {name}"),
        }));
        let ro = enc.run_options();
        cancel.on_cancel(move || {
            let _ = ro.terminate();
        });
    }

    let batch_size = engine.pack.manifest.image.batch;
    let (item_rx, threads) = spawn_pipeline(engine, p.to_process, known, cancel)?;

    let mut done = 0usize;
    let mut result = Ok(());
    while !cancel.is_cancelled() {
        let Ok(first) = item_rx.recv() else { break };
        let mut items = vec![first];
        // Wait a little for a full batch: it is the encoder's fastest shape, and one steady shape spares
        // a GPU provider a new plan per batch size (with whatever was ready, an H200 encoded 86 photos/s
        // against 5,780/s for ONNX Runtime alone at batch 16: tests/benches/gpu.sh).
        let deadline = Instant::now() + BATCH_WAIT;
        while items.len() < batch_size {
            match item_rx.recv_deadline(deadline) {
                Ok(i) => items.push(i),
                Err(_) => break,
            }
        }
        done += items.len();
        let step = commit_batch(&mut index, encoder.as_mut(), items, &mut vanished, &mut summary, emit);
        if let Err(e) = step {
            result = Err(e);
            break;
        }
        let secs = t0.elapsed().as_secs_f64().max(1e-9);
        emit(JobEvent::Progress {
            done,
            total,
            per_second: (summary.indexed + summary.reused) as f64 / secs,
        });
    }
    drop(item_rx);
    threads.into_iter().for_each(|t| {
        let _ = t.join();
    });
    summary.seconds = t0.elapsed().as_secs_f64();
    // A cancelled run may also have failed (an aborted ONNX run): cancelling is what the user sees.
    if cancel.is_cancelled() {
        summary.cancelled = true;
        emit(JobEvent::Cancelled(summary.clone()));
        return Ok(summary);
    }
    result?;
    let gone: Vec<PathBuf> = vanished.into_values().flatten().collect();
    index.remove_paths(&gone)?;
    summary.removed += gone.len();
    summary.seconds = t0.elapsed().as_secs_f64();
    emit(JobEvent::Finished(summary.clone()));
    Ok(summary)
}

/// Walk the roots, report what could not be read and which roots are offline (marking remembered folders),
/// and plan the work; returns the plan and the content hashes already indexed.
fn scan_and_plan(
    index: &Index,
    roots: &[PathBuf],
    prune: bool,
    emit: &dyn Fn(JobEvent),
    cancel: &CancelToken,
    summary: &mut IndexSummary,
) -> Result<(Plan, HashSet<[u8; 32]>)> {
    let mut found = scan(roots, &|| cancel.is_cancelled());
    let mut problems = std::mem::take(&mut found.problems);
    found.found.retain(|f| match storable(&f.path) {
        Ok(()) => true,
        Err(why) => {
            problems.push((f.path.clone(), why));
            false
        }
    });
    let states = index.states()?;
    let known: HashSet<[u8; 32]> = states.iter().map(|s| s.hash).collect();
    let p = plan(found, states, &index.skipped_states()?, prune);
    summary.unchanged = p.unchanged;
    summary.previously_skipped = p.known_bad;
    for (path, reason) in problems {
        emit(JobEvent::Skipped {
            path: path.clone(),
            reason: reason.clone(),
        });
        summary.skipped.push((path, reason));
    }
    for (root, offline) in &p.roots {
        index.set_folder_offline(root, offline.as_deref())?;
        if let Some(why) = offline {
            emit(JobEvent::Note(format!(
                "{} is offline ({why}); its photos stay in the index",
                root.display()
            )));
            summary.offline.push((root.clone(), why.clone()));
        }
    }
    Ok((p, known))
}

/// Start the feeder and decode threads; returns the receiver of decoded items and the threads to join.
fn spawn_pipeline(
    engine: &Engine,
    files: Vec<ScannedFile>,
    known: HashSet<[u8; 32]>,
    cancel: &CancelToken,
) -> Result<(Receiver<Item>, Vec<std::thread::JoinHandle<()>>)> {
    let spec = engine.pack.manifest.image.clone();
    let (work_tx, work_rx) = bounded::<ScannedFile>(spec.batch * 4);
    let (item_tx, item_rx) = bounded::<Item>(spec.batch * 2);
    let known = Arc::new(known);
    let spawn_err = |source: std::io::Error| Error::Thread {
        name: "indexing".into(),
        source,
    };
    let mut threads = Vec::new();
    for i in 0..engine.config.threads().max(1) {
        let (rx, tx, known, spec) = (work_rx.clone(), item_tx.clone(), Arc::clone(&known), spec.clone());
        let t = std::thread::Builder::new()
            .name(format!("vignette-decode-{i}"))
            .spawn(move || decode_worker(&rx, &tx, &known, &spec))
            .map_err(spawn_err)?;
        threads.push(t);
    }
    let cancel = cancel.clone();
    let feeder = std::thread::Builder::new()
        .name("vignette-feed".into())
        .spawn(move || {
            for f in files {
                if cancel.is_cancelled() || work_tx.send(f).is_err() {
                    break;
                }
            }
        })
        .map_err(spawn_err)?;
    threads.push(feeder);
    Ok((item_rx, threads))
}

fn decode_worker(
    rx: &Receiver<ScannedFile>,
    tx: &Sender<Item>,
    known: &HashSet<[u8; 32]>,
    spec: &crate::model::pack::ImageSpec,
) {
    for file in rx {
        // Capped read: a file over the size limit is refused before its bytes are read.
        let item = match decode::read_photo(&file.path) {
            Err(Error::Io { source, .. }) => Item::Failed {
                reason: format!("cannot read (will retry next time): {source}"),
                file,
                remember: false,
            },
            // Over the size limit: a lasting skip, like a decode failure.
            Err(e) => Item::Failed {
                reason: short_reason(&e),
                file,
                remember: true,
            },
            Ok(bytes) => {
                let hash: [u8; 32] = blake3::hash(&bytes).into();
                if known.contains(&hash) {
                    Item::Known { file, hash }
                } else {
                    let prepared = decode::decode(&file.path, &bytes, spec.size.max(THUMB_SIDE)).and_then(|d| {
                        let tensor = preprocess::tensor(&d.image, spec)?;
                        let thumb = decode::thumbnail(&d.image, THUMB_SIDE)?;
                        Ok((tensor, thumb, d.original))
                    });
                    match prepared {
                        Ok((tensor, thumb, size)) => Item::Ready {
                            taken_at: facts::taken_at(&bytes, file.mtime_ns),
                            dhash: facts::thumb_dhash(&thumb).unwrap_or(0),
                            file,
                            hash,
                            tensor,
                            thumb,
                            size,
                        },
                        Err(e) => Item::Failed {
                            remember: !matches!(e, Error::Io { .. }),
                            reason: short_reason(&e),
                            file,
                        },
                    }
                }
            }
        };
        if tx.send(item).is_err() {
            break;
        }
    }
}

#[path = "index_commit.rs"]
mod commit;
use commit::{commit_batch, short_reason};
