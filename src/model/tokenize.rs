//! Tokenisation through Hugging Face `tokenizers`, driven by the pack's [`TextSpec`].
//!
//! The tokenizer file's own padding is switched off: we pad each batch ourselves, to the longest sentence
//! (masked encoders such as MiniLM give the same embedding, about 4.5x faster than the file's fixed 128) or to
//! `max_length` for exports with a fixed context. Truncation is always `max_length`.

use std::path::Path;

use tokenizers::{Tokenizer, TruncationParams};

use crate::error::{Error, Result};
use crate::model::pack::{Padding, TextSpec};

/// A padded batch of token ids, row-major `n x len`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub ids: Vec<i64>,
    pub mask: Vec<i64>,
    pub type_ids: Vec<i64>,
    pub n: usize,
    pub len: usize,
}

/// A configured tokenizer.
pub struct TextTokenizer {
    inner: Tokenizer,
    max_length: usize,
    padding: Padding,
    pad_id: i64,
}

impl TextTokenizer {
    /// Load `tokenizer.json` and configure it from `spec`.
    pub fn load(path: &Path, spec: &TextSpec) -> Result<Self> {
        let mut inner = Tokenizer::from_file(path).map_err(|e| Error::pack(path, format!("bad tokenizer: {e}")))?;
        let pad_id = spec
            .pad_id
            .or_else(|| inner.get_padding().map(|p| p.pad_id))
            .or_else(|| {
                ["[PAD]", "<pad>", "<|endoftext|>"]
                    .iter()
                    .find_map(|t| inner.token_to_id(t))
            })
            .unwrap_or(0);
        inner.with_padding(None);
        inner
            .with_truncation(Some(TruncationParams {
                max_length: spec.max_length,
                ..Default::default()
            }))
            .map_err(|e| Error::pack(path, format!("bad tokenizer truncation: {e}")))?;
        Ok(TextTokenizer {
            inner,
            max_length: spec.max_length,
            padding: spec.padding,
            pad_id: i64::from(pad_id),
        })
    }

    /// Whether `text` fits the encoder's context without truncation (special tokens included).
    pub fn fits(&self, text: &str) -> Result<bool> {
        let e = self
            .inner
            .encode(text, true)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        Ok(e.get_overflowing().is_empty() && e.get_ids().len() <= self.max_length)
    }

    /// Tokenise and pad a batch of sentences.
    pub fn encode(&self, texts: &[&str]) -> Result<Batch> {
        let encs = self
            .inner
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let longest = encs.iter().map(|e| e.get_ids().len()).max().unwrap_or(0).max(1);
        let len = match self.padding {
            Padding::Longest => longest,
            Padding::MaxLength => self.max_length,
        };
        let n = encs.len();
        let mut b = Batch {
            ids: vec![self.pad_id; n * len],
            mask: vec![0; n * len],
            type_ids: vec![0; n * len],
            n,
            len,
        };
        for (r, e) in encs.iter().enumerate() {
            for (c, ((&id, &m), &t)) in e
                .get_ids()
                .iter()
                .zip(e.get_attention_mask())
                .zip(e.get_type_ids())
                .take(len)
                .enumerate()
            {
                b.ids[r * len + c] = i64::from(id);
                b.mask[r * len + c] = i64::from(m);
                b.type_ids[r * len + c] = i64::from(t);
            }
        }
        Ok(b)
    }
}
