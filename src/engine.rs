//! The engine: one loaded model pack, its index, and factories for encoders, shared by every front end.
//!
//! `Engine` is cheap to share (`Arc<Engine>`) and owns no sessions or connections: each worker thread
//! asks for its own encoder and its own index connection, because ONNX sessions run with `&mut self` and
//! SQLite connections are not `Sync`. The `labels` bridge's class-name embeddings are computed once per
//! pack fingerprint and cached on disk.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::config::{Config, model_search_path};
use crate::error::Result;
use crate::index::Index;
use crate::model::encoders::{ImageEncoder, LabelBridge, TextEncoder};
use crate::model::pack::Pack;
use crate::model::runtime::SessionOptions;

/// A model pack bound to its index.
pub struct Engine {
    pub config: Config,
    pub pack: Arc<Pack>,
    fingerprint: String,
    bridge: Mutex<Option<Arc<LabelBridge>>>,
}

impl Engine {
    /// Load the configured pack (the index file is created on first use).
    pub fn open(config: Config) -> Result<Engine> {
        let dir = config.pack_dir()?;
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let pack = Pack::load_with_search_path(&dir, &model_search_path(&config, &name))?;
        let fingerprint = pack.fingerprint();
        Ok(Engine {
            config,
            pack: Arc::new(pack),
            fingerprint,
            bridge: Mutex::new(None),
        })
    }

    /// The pack fingerprint the index is tied to.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The index file of this pack.
    pub fn index_path(&self) -> PathBuf {
        self.config
            .indexes_dir()
            .join(format!("{}-{}.sqlite", self.pack.manifest.name, self.fingerprint))
    }

    /// A new connection to the index.
    pub fn index(&self) -> Result<Index> {
        Index::open(&self.index_path(), &self.fingerprint, self.pack.search_dim())
    }

    fn session_options(&self, threads: usize, spin: bool) -> SessionOptions {
        SessionOptions {
            provider: self.config.provider,
            threads,
            spin,
        }
    }

    /// A text encoder (its own session).
    pub fn text_encoder(&self) -> Result<TextEncoder> {
        TextEncoder::new(
            Arc::clone(&self.pack),
            self.session_options(self.config.threads().min(2), true),
        )
    }

    /// An image encoder (its own session), with the label bridge when the pack needs it.
    pub fn image_encoder(&self) -> Result<ImageEncoder> {
        let bridge = self.label_bridge()?;
        ImageEncoder::new(
            Arc::clone(&self.pack),
            bridge,
            self.session_options(self.config.threads(), false),
        )
    }

    /// The class-name embeddings of a `labels` pack (computed once, then read from the cache).
    pub fn label_bridge(&self) -> Result<Option<Arc<LabelBridge>>> {
        if self.pack.manifest.labels.is_none() {
            return Ok(None);
        }
        let mut slot = self
            .bridge
            .lock()
            .map_err(|_| crate::Error::Poisoned("the label cache"))?;
        if let Some(b) = slot.as_ref() {
            return Ok(Some(Arc::clone(b)));
        }
        let cache = self.config.cache_dir().join(format!("labels-{}.f32", self.fingerprint));
        let bridge = self.text_encoder()?.label_bridge(Some(cache))?.map(Arc::new);
        slot.clone_from(&bridge);
        Ok(bridge)
    }
}
