//! Writing one batch of the indexing run: encode what was decoded and commit it with the removals and
//! skips in one transaction. A child of `index_job`, in its own file to keep `index_job.rs` short.

use super::*;

pub(super) fn short_reason(e: &Error) -> String {
    match e {
        Error::Decode { message, .. } => message.clone(),
        Error::Io { action, source, .. } => format!("{action}: {source}"),
        other => other.to_string(),
    }
}

pub(super) fn commit_batch(
    index: &mut Index,
    encoder: Option<&mut crate::model::encoders::ImageEncoder>,
    items: Vec<Item>,
    vanished: &mut HashMap<[u8; 32], Vec<PathBuf>>,
    summary: &mut IndexSummary,
    emit: &dyn Fn(JobEvent),
) -> Result<()> {
    let mut photos = Vec::new();
    let mut removed = Vec::new();
    let mut skipped = Vec::new();
    let mut ready = Vec::new();
    for item in items {
        match item {
            Item::Failed { file, reason, remember } => {
                emit(JobEvent::Skipped {
                    path: file.path.clone(),
                    reason: reason.clone(),
                });
                summary.skipped.push((file.path.clone(), reason.clone()));
                if remember {
                    skipped.push((file.path, file.size, file.mtime_ns, reason));
                }
            }
            Item::Known { file, hash } => match index.by_hash(&hash)? {
                Some(mut p) => {
                    if let Some(from) = vanished.get_mut(&hash).and_then(Vec::pop) {
                        removed.push(from);
                    }
                    p.path = file.path;
                    p.size = file.size;
                    p.mtime_ns = file.mtime_ns;
                    photos.push(p);
                    summary.reused += 1;
                }
                None => {
                    // Transient: not remembered, so the next run indexes it.
                    let reason = "content vanished from the index during the scan; re-run indexing".to_owned();
                    emit(JobEvent::Skipped {
                        path: file.path.clone(),
                        reason: reason.clone(),
                    });
                    summary.skipped.push((file.path, reason));
                }
            },
            Item::Ready {
                file,
                hash,
                tensor,
                thumb,
                size,
                taken_at,
                dhash,
            } => ready.push((file, hash, tensor, thumb, size, (taken_at, dhash))),
        }
    }
    if !ready.is_empty() {
        let encoder = encoder.ok_or(Error::Internal("photos to encode without an image encoder"))?;
        let n = ready.len();
        let mut pixels = Vec::with_capacity(ready.iter().map(|r| r.2.len()).sum());
        for r in &mut ready {
            pixels.append(&mut r.2);
        }
        let t = Instant::now();
        let vectors = encoder.encode(pixels, n)?;
        summary.encoder_seconds += t.elapsed().as_secs_f64();
        let (fd, sd) = (vectors.features.len() / n, vectors.search.len() / n);
        for (i, (file, hash, _, thumb, (w, h), (taken_at, dhash))) in ready.into_iter().enumerate() {
            photos.push(NewPhoto {
                path: file.path,
                size: file.size,
                mtime_ns: file.mtime_ns,
                hash,
                width: w,
                height: h,
                taken_at,
                dhash,
                embedding: vectors.search[i * sd..(i + 1) * sd].to_vec(),
                features: vectors.features[i * fd..(i + 1) * fd].to_vec(),
                thumb,
            });
            summary.indexed += 1;
        }
    }
    index.commit(&photos, &removed, &skipped)
}
