//! Thumbnails: a loader thread reads cached JPEGs from the index and decodes them; the UI keeps an LRU of
//! textures for the tiles on screen.
//!
//! The grid asks only for visible rows. Requests go through a small bounded channel with `try_send`, so a
//! fast scroll never blocks the UI or builds a backlog: a request that does not fit is simply asked again
//! next frame. The loader drains its queue and serves the newest requests first (what is on screen now).
//! Decoded pixels come back on an unbounded channel (the loader only produces what was asked for); the
//! UI turns them into textures in `logic`. The LRU is counted in textures, evicting the least recently
//! drawn; a texture is freed when its `TextureHandle` drops.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, unbounded};

use crate::engine::Engine;
use crate::error::Result;
use crate::jobs::{Waker, spawn_thread};

/// Textures kept at most (about 65 MB of 256 px thumbnails on the GPU).
pub const LRU_CAPACITY: usize = 600;
const QUEUE: usize = 128;

/// A thumbnail's pixels, or `None` when it cannot be shown (the loader logs why).
type Decoded = (i64, Option<egui::ColorImage>);

/// The loader thread's handle plus the UI-side texture cache.
pub struct Thumbs {
    tx: Sender<i64>,
    rx: Receiver<Decoded>,
    pending: HashSet<i64>,
    cache: HashMap<i64, (egui::TextureHandle, u64)>,
    failed: HashSet<i64>,
    frame: u64,
}

impl Thumbs {
    /// Start a loader thread with its own index connection.
    pub fn spawn(engine: Arc<Engine>, waker: Waker) -> Result<Thumbs> {
        let (tx, req_rx) = bounded::<i64>(QUEUE);
        let (res_tx, rx) = unbounded::<Decoded>();
        spawn_thread("thumbs", move || loader(&engine, &req_rx, &res_tx, &waker))?;
        Ok(Thumbs {
            tx,
            rx,
            pending: HashSet::new(),
            cache: HashMap::new(),
            failed: HashSet::new(),
            frame: 0,
        })
    }

    /// Turn decoded thumbnails into textures (call from `logic`), then trim the cache.
    pub fn receive(&mut self, ctx: &egui::Context) {
        self.frame += 1;
        for (id, result) in self.rx.try_iter() {
            self.pending.remove(&id);
            match result {
                Some(img) => {
                    let tex = ctx.load_texture(format!("thumb-{id}"), img, egui::TextureOptions::LINEAR);
                    self.cache.insert(id, (tex, self.frame));
                }
                None => {
                    self.failed.insert(id);
                }
            }
        }
        if self.cache.len() > LRU_CAPACITY {
            let mut ages: Vec<(u64, i64)> = self.cache.iter().map(|(id, (_, used))| (*used, *id)).collect();
            ages.sort_unstable();
            for (_, id) in ages.into_iter().take(self.cache.len() - LRU_CAPACITY) {
                self.cache.remove(&id);
            }
        }
    }

    /// The texture of `id` if loaded (marking it used); otherwise ask the loader for it.
    pub fn get(&mut self, id: i64) -> Option<egui::TextureHandle> {
        if let Some((tex, used)) = self.cache.get_mut(&id) {
            *used = self.frame;
            return Some(tex.clone());
        }
        if !self.pending.contains(&id) && !self.failed.contains(&id) {
            match self.tx.try_send(id) {
                Ok(()) => {
                    self.pending.insert(id);
                }
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
            }
        }
        None
    }

    /// Ask again for thumbnails that failed (a run may have re-indexed them).
    pub fn retry_failed(&mut self) {
        self.failed.clear();
    }

    /// Textures held now.
    pub fn len(&self) -> usize {
        self.cache.len()
    }
}

fn loader(engine: &Engine, rx: &Receiver<i64>, tx: &Sender<Decoded>, waker: &Waker) {
    let index = match engine.index() {
        Ok(i) => i,
        Err(e) => {
            log::warn!("thumbnail loader cannot open the index: {e}");
            // Answer every request with the error so tiles stop asking.
            for id in rx {
                let _ = tx.send((id, None));
                waker();
            }
            return;
        }
    };
    while let Ok(first) = rx.recv() {
        let mut batch: Vec<i64> = std::iter::once(first).chain(rx.try_iter()).collect();
        batch.reverse();
        for id in batch {
            let result = match index.thumbnail(id) {
                Ok(Some(bytes)) => decode(&bytes)
                    .map_err(|e| log::debug!("thumbnail {id}: cannot decode: {e}"))
                    .ok(),
                Ok(None) => {
                    log::debug!("thumbnail {id}: not in the index");
                    None
                }
                Err(e) => {
                    log::debug!("thumbnail {id}: {e}");
                    None
                }
            };
            if tx.send((id, result)).is_err() {
                return;
            }
            waker();
        }
    }
}

/// Decode a stored thumbnail: WebP, or JPEG in indexes written before schema 3.
fn decode(bytes: &[u8]) -> image::ImageResult<egui::ColorImage> {
    let img = image::load_from_memory(bytes)?;
    let rgba = img.to_rgba8();
    Ok(egui::ColorImage::from_rgba_unmultiplied(
        [rgba.width() as usize, rgba.height() as usize],
        rgba.as_raw(),
    ))
}
