//! Image and text encoders: one ONNX session each, outputs L2-normalised once so ranking is a dot product.
//!
//! An [`ImageEncoder`] returns two things per photo: `features` (the raw encoder output, kept in the index
//! as the input of a trained head) and `search` (the vector in the shared text-image space: the normalised
//! embedding for `aligned` packs, the zero-shot label bridge for `labels` packs). Sessions are not shared
//! between threads: each worker builds its own (`Session::run` takes `&mut self`).

use std::path::PathBuf;
use std::sync::Arc;

use ort::session::{RunOptions, Session};
use ort::value::Tensor;

use crate::error::{Error, Result};
use crate::model::pack::{Bridge, Pack, Pooling};
use crate::model::runtime::{self, LoadedSession, SessionOptions};
use crate::model::tokenize::TextTokenizer;

/// L2-normalise each `d`-sized row in place (zero rows stay zero).
pub fn normalise_rows(v: &mut [f32], d: usize) {
    for row in v.chunks_exact_mut(d) {
        let n = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0.0 {
            row.iter_mut().for_each(|x| *x /= n);
        }
    }
}

/// Output of the image encoder for a batch.
#[derive(Debug, Clone, Default)]
pub struct ImageVectors {
    /// `n x embedding_dim`, raw encoder output.
    pub features: Vec<f32>,
    /// `n x search_dim`, L2-normalised.
    pub search: Vec<f32>,
}

/// Class-name embeddings for the `labels` bridge.
#[derive(Debug, Clone)]
pub struct LabelBridge {
    /// `n_classes x d`, L2-normalised sentence embeddings of the class names.
    pub embeddings: Vec<f32>,
    pub dim: usize,
    pub top_k: usize,
    /// Softmax temperature (see [`crate::model::pack::LabelsSpec::temperature`]).
    pub temperature: f32,
}

impl LabelBridge {
    /// Map one row of logits to the bridge vector (softmax at the temperature, top-k, probability-weighted
    /// sum, normalise).
    pub fn project(&self, logits: &[f32], out: &mut [f32]) {
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = logits.iter().map(|l| ((l - max) / self.temperature).exp()).collect();
        let total: f32 = exp.iter().sum();
        let mut order: Vec<usize> = (0..exp.len()).collect();
        let k = self.top_k.min(order.len());
        // Stable: equal probabilities keep class order.
        order.sort_by(|&a, &b| exp[b].total_cmp(&exp[a]).then(a.cmp(&b)));
        out.iter_mut().for_each(|x| *x = 0.0);
        for &c in &order[..k] {
            let p = exp[c] / total;
            let e = &self.embeddings[c * self.dim..(c + 1) * self.dim];
            out.iter_mut().zip(e).for_each(|(o, v)| *o += p * v);
        }
        normalise_rows(out, self.dim);
    }
}

/// The image side of a pack.
pub struct ImageEncoder {
    loaded: LoadedSession,
    pack: Arc<Pack>,
    bridge: Option<Arc<LabelBridge>>,
    run_options: Arc<RunOptions>,
}

impl ImageEncoder {
    /// Build the session. `bridge` is required for `labels` packs (see [`TextEncoder::label_bridge`]).
    pub fn new(pack: Arc<Pack>, bridge: Option<Arc<LabelBridge>>, opts: SessionOptions) -> Result<Self> {
        if pack.manifest.bridge == Bridge::Labels && bridge.is_none() {
            return Err(Error::pack(&pack.dir, "a labels pack needs its class-name embeddings"));
        }
        let loaded = runtime::session(&pack.image_model, opts)?;
        let run_options = Arc::new(RunOptions::new().map_err(|e| Error::onnx("creating run options", e))?);
        Ok(ImageEncoder {
            loaded,
            pack,
            bridge,
            run_options,
        })
    }

    /// The execution provider in use and, if it is not the one asked for, why.
    pub fn provider(&self) -> (&'static str, Option<&str>) {
        (self.loaded.provider, self.loaded.fallback_reason.as_deref())
    }

    /// A handle that aborts a run in flight when `terminate()` is called on it (cancellation).
    pub fn run_options(&self) -> Arc<RunOptions> {
        Arc::clone(&self.run_options)
    }

    /// Encode `n` preprocessed CHW tensors laid end to end in `pixels`.
    pub fn encode(&mut self, pixels: Vec<f32>, n: usize) -> Result<ImageVectors> {
        let spec = &self.pack.manifest.image;
        let s = spec.size as usize;
        if pixels.len() != n * 3 * s * s {
            return Err(Error::Internal("an image batch does not match the pack's input size"));
        }
        let what = || format!("image encoder {}", self.pack.image_model.display());
        let input = Tensor::from_array(([n, 3, s, s], pixels)).map_err(|e| Error::onnx(what(), e))?;
        let outputs = self
            .loaded
            .session
            .run_with_options(ort::inputs![spec.input.as_str() => input], &self.run_options)
            .map_err(|e| Error::onnx(what(), e))?;
        let features = extract(&outputs, &spec.output, n, spec.embedding_dim, &what)?;
        let search = match (&self.pack.manifest.bridge, &self.bridge) {
            (Bridge::Labels, Some(bridge)) => {
                let name = spec.logits_output.as_deref().unwrap_or("logits");
                let (_, logits) = outputs
                    .get(name)
                    .ok_or_else(|| Error::onnx(what(), format!("no output named {name:?}")))?
                    .try_extract_tensor::<f32>()
                    .map_err(|e| Error::onnx(what(), e))?;
                let classes = logits.len() / n.max(1);
                if classes * bridge.dim != bridge.embeddings.len() {
                    return Err(Error::pack(
                        &self.pack.dir,
                        format!(
                            "{classes} logits but {} class names",
                            bridge.embeddings.len() / bridge.dim
                        ),
                    ));
                }
                let mut out = vec![0.0; n * bridge.dim];
                for (row, o) in logits.chunks_exact(classes).zip(out.chunks_exact_mut(bridge.dim)) {
                    bridge.project(row, o);
                }
                out
            }
            _ => {
                let mut v = features.clone();
                normalise_rows(&mut v, spec.embedding_dim);
                v
            }
        };
        Ok(ImageVectors { features, search })
    }
}

fn extract(
    outputs: &ort::session::SessionOutputs<'_>,
    name: &str,
    n: usize,
    dim: usize,
    what: &dyn Fn() -> String,
) -> Result<Vec<f32>> {
    let value = outputs
        .get(name)
        .ok_or_else(|| Error::onnx(what(), format!("no output named {name:?}")))?;
    let (shape, data) = value.try_extract_tensor::<f32>().map_err(|e| Error::onnx(what(), e))?;
    if data.len() != n * dim {
        return Err(Error::onnx(
            what(),
            format!("output {name:?} has shape {shape:?}, expected [{n}, {dim}]"),
        ));
    }
    Ok(data.to_vec())
}

/// The text side of a pack.
pub struct TextEncoder {
    session: Session,
    tokenizer: TextTokenizer,
    pack: Arc<Pack>,
}

impl TextEncoder {
    pub fn new(pack: Arc<Pack>, opts: SessionOptions) -> Result<Self> {
        let tokenizer = TextTokenizer::load(&pack.tokenizer, &pack.manifest.text)?;
        let session = runtime::session(&pack.text_model, opts)?.session;
        Ok(TextEncoder {
            session,
            tokenizer,
            pack,
        })
    }

    /// Whether `text` is encoded whole (within the pack's token limit) rather than truncated.
    pub fn fits(&self, text: &str) -> Result<bool> {
        self.tokenizer.fits(text)
    }

    /// Embed sentences (in batches of the pack's text batch size); rows are L2-normalised.
    pub fn encode(&mut self, texts: &[&str]) -> Result<Vec<f32>> {
        let bs = self.pack.manifest.text.batch;
        let mut out = Vec::with_capacity(texts.len() * self.pack.manifest.text.embedding_dim);
        for chunk in texts.chunks(bs) {
            out.extend(self.encode_batch(chunk)?);
        }
        Ok(out)
    }

    fn encode_batch(&mut self, texts: &[&str]) -> Result<Vec<f32>> {
        let spec = &self.pack.manifest.text;
        let b = self.tokenizer.encode(texts)?;
        let what = || format!("text encoder {}", self.pack.text_model.display());
        let shape = [b.n, b.len];
        let mut inputs = ort::inputs![spec.input_ids.as_str() => Tensor::from_array((shape, b.ids)).map_err(|e| Error::onnx(what(), e))?];
        if let Some(name) = &spec.attention_mask {
            inputs.push((
                name.as_str().into(),
                Tensor::from_array((shape, b.mask.clone()))
                    .map_err(|e| Error::onnx(what(), e))?
                    .into(),
            ));
        }
        if let Some(name) = &spec.token_type_ids {
            inputs.push((
                name.as_str().into(),
                Tensor::from_array((shape, b.type_ids))
                    .map_err(|e| Error::onnx(what(), e))?
                    .into(),
            ));
        }
        let outputs = self.session.run(inputs).map_err(|e| Error::onnx(what(), e))?;
        let d = spec.embedding_dim;
        let mut v = match spec.pooling {
            Pooling::None => extract(&outputs, &spec.output, b.n, d, &what)?,
            Pooling::Mean => {
                let tokens = extract(&outputs, &spec.output, b.n, b.len * d, &what)?;
                let mut pooled = vec![0.0; b.n * d];
                for r in 0..b.n {
                    let count = b.mask[r * b.len..(r + 1) * b.len].iter().sum::<i64>().max(1) as f32;
                    for t in 0..b.len {
                        if b.mask[r * b.len + t] != 0 {
                            let tok = &tokens[(r * b.len + t) * d..(r * b.len + t + 1) * d];
                            pooled[r * d..(r + 1) * d]
                                .iter_mut()
                                .zip(tok)
                                .for_each(|(p, x)| *p += x / count);
                        }
                    }
                }
                pooled
            }
        };
        normalise_rows(&mut v, d);
        Ok(v)
    }

    /// Class-name embeddings for a `labels` pack, cached under `cache` (they cost seconds to compute).
    pub fn label_bridge(&mut self, cache: Option<PathBuf>) -> Result<Option<LabelBridge>> {
        let (Some(spec), Some(file)) = (self.pack.manifest.labels.clone(), self.pack.labels.clone()) else {
            return Ok(None);
        };
        let d = self.pack.manifest.text.embedding_dim;
        let names = read_lines(&file, "cannot read class names")?;
        let descriptions = match &self.pack.descriptions {
            Some(f) => read_lines(f, "cannot read class descriptions")?,
            None => Vec::new(),
        };
        if self.pack.descriptions.is_some() && descriptions.len() != names.len() {
            return Err(Error::pack(
                &file,
                format!(
                    "{} class names but {} descriptions: the files must have one line per class",
                    names.len(),
                    descriptions.len()
                ),
            ));
        }
        let texts: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let desc = descriptions.get(i).map_or("", String::as_str);
                spec.template.replace("{description}", desc).replace("{}", n)
            })
            .collect();
        let bridge = |embeddings| LabelBridge {
            embeddings,
            dim: d,
            top_k: spec.top_k,
            temperature: spec.temperature,
        };
        if let Some(embeddings) = cache.as_deref().and_then(|c| read_cache(c, texts.len() * d)) {
            return Ok(Some(bridge(embeddings)));
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let embeddings = self.encode(&refs)?;
        if let Some(c) = cache {
            write_cache(&c, &embeddings);
        }
        Ok(Some(bridge(embeddings)))
    }
}

/// The non-empty trimmed lines of a text file.
fn read_lines(file: &std::path::Path, what: &'static str) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(what, file, e))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn read_cache(path: &std::path::Path, len: usize) -> Option<Vec<f32>> {
    let bytes = std::fs::read(path).ok()?;
    (bytes.len() == len * 4).then(|| crate::bytes::f32_from_le(&bytes))
}

fn write_cache(path: &std::path::Path, v: &[f32]) {
    let bytes = crate::bytes::f32_to_le(v);
    if let Some(dir) = path.parent() {
        let _ = crate::files::create_private_dir(dir);
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    // A cache: failing to write it only costs time on the next start.
    if std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .is_err()
    {
        log::warn!("cannot write label cache {}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bridge(top_k: usize, temperature: f32) -> LabelBridge {
        // Three classes along the axes of a 3-d space.
        LabelBridge {
            embeddings: vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            dim: 3,
            top_k,
            temperature,
        }
    }

    #[test]
    fn temperature_spreads_the_weight_and_top_k_cuts_it() {
        let logits = [4.0, 2.0, 0.0];
        let mut cold = [0.0; 3];
        let mut warm = [0.0; 3];
        bridge(3, 1.0).project(&logits, &mut cold);
        bridge(3, 4.0).project(&logits, &mut warm);
        // Softmax weights at T=1: e^4 : e^2 : 1; at T=4: e^1 : e^0.5 : 1 (then normalised).
        let norm = |v: [f32; 3]| {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.map(|x| x / n)
        };
        let e = std::f32::consts::E;
        for (got, want) in [
            (cold, norm([e.powi(4), e.powi(2), 1.0])),
            (warm, norm([e, e.sqrt(), 1.0])),
        ] {
            assert!(
                got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-5),
                "{got:?} vs {want:?}"
            );
        }
        assert!(warm[2] > cold[2]);
        let mut top1 = [0.0; 3];
        bridge(1, 4.0).project(&logits, &mut top1);
        assert_eq!(top1, [1.0, 0.0, 0.0]);
    }
}
