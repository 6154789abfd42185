//! Model packs: a folder with a `pack.toml` manifest that says everything the code needs to run it.
//!
//! Nothing about a model is hard-coded elsewhere: file names, tensor names, preprocessing, tokenizer,
//! embedding sizes and how text meets image (the [`Bridge`]) all come from here, so a new encoder family is
//! a new manifest, not new code. Validation happens once at load: every error names the manifest or file.
//!
//! Large ONNX files may live outside the pack folder (the embedded default pack ships its manifest, licences
//! and vocabulary in the repository, while its encoders are found on the model search path, see
//! [`Pack::load_with_search_path`]). The pack's [`Pack::fingerprint`] is derived from the manifest (file
//! hashes included), so two packs with different weights or preprocessing never share an index.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, IoContext, Result};

/// Name of the embedded default pack (defined here, re-exported by `config`, so `model` never imports
/// `config`).
pub const DEFAULT_PACK: &str = "seed-effnet-minilm";

/// The manifest file name inside a pack folder.
pub const MANIFEST: &str = "pack.toml";

/// How text and image embeddings meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bridge {
    /// CLIP-style: both encoders output vectors in one space.
    Aligned,
    /// Zero-shot bridge through class names: the image's class probabilities weight the class names'
    /// sentence embeddings.
    Labels,
}

/// How the image is brought to the model's input size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResizeMode {
    /// Scale so the shorter side equals `size` (aspect kept), then crop.
    ShorterSide,
    /// Scale both sides to `size` (aspect not kept).
    Stretch,
}

/// Resampling filter for the resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    Nearest,
    Bilinear,
    Bicubic,
    Lanczos3,
}

/// Crop after resizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CropMode {
    /// Centre crop to `size` x `size`.
    Center,
    /// No crop (only valid with [`ResizeMode::Stretch`]).
    None,
}

/// Image encoder and its preprocessing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    /// ONNX file, relative to the pack folder.
    pub file: String,
    /// Expected SHA-256 of the file (hex), checked by `vignette models verify` and on install.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Input tensor name (`[N,3,size,size]` float32, RGB).
    pub input: String,
    /// Output with the image embedding or features (`[N,embedding_dim]`).
    pub output: String,
    /// Output with class logits, required by the `labels` bridge.
    #[serde(default)]
    pub logits_output: Option<String>,
    /// Embedding size of `output`.
    pub embedding_dim: usize,
    /// Model input side in pixels.
    pub size: u32,
    pub resize: ResizeMode,
    pub crop: CropMode,
    pub filter: Filter,
    /// Per-channel mean after scaling pixels to 0..1.
    pub mean: [f32; 3],
    /// Per-channel std after scaling pixels to 0..1.
    pub std: [f32; 3],
    /// Images per encoder run.
    #[serde(default = "default_batch")]
    pub batch: usize,
}

/// How a text encoder's output becomes one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// The output is already one vector per sentence.
    #[default]
    None,
    /// Masked mean over tokens of a `[N,L,D]` output.
    Mean,
}

/// How a batch of token ids is padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Pad to the longest sentence of the batch (fast; fine for masked encoders).
    #[default]
    Longest,
    /// Pad to `max_length` (models exported with a fixed context, e.g. some CLIP exports).
    MaxLength,
}

/// Text encoder and tokenizer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    pub file: String,
    #[serde(default)]
    pub sha256: Option<String>,
    /// Hugging Face `tokenizer.json`, relative to the pack folder.
    pub tokenizer: String,
    pub max_length: usize,
    #[serde(default)]
    pub padding: Padding,
    /// Token id used for padding; read from the tokenizer when absent.
    #[serde(default)]
    pub pad_id: Option<u32>,
    pub input_ids: String,
    #[serde(default)]
    pub attention_mask: Option<String>,
    #[serde(default)]
    pub token_type_ids: Option<String>,
    pub output: String,
    #[serde(default)]
    pub pooling: Pooling,
    pub embedding_dim: usize,
    #[serde(default = "default_batch")]
    pub batch: usize,
}

/// Class names for the `labels` bridge.
///
/// Each class is embedded as `template` with `{}` replaced by its name and `{description}` by its line of
/// `descriptions` (e.g. a WordNet gloss: "golden retriever: an English breed having a long silky golden
/// coat"); an image's bridge vector weights the top `top_k` class embeddings by `softmax(logits /
/// temperature)`. Every field changes the stored vectors, so all of them enter [`Pack::fingerprint`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelsSpec {
    /// One class name a line, in logit order.
    pub file: String,
    /// Optional file with one description a line, in the same order as `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptions: Option<String>,
    /// Keep this many most probable classes per image.
    pub top_k: usize,
    /// Softmax temperature over the logits (above 1 spreads the weight over more classes).
    #[serde(default = "default_temperature")]
    pub temperature: f32,
    /// Sentence template, `{}` stands for the class name, `{description}` for its description.
    #[serde(default = "default_template")]
    pub template: String,
}

/// A trained two-branch head (see `train`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadSpec {
    /// Name shown to the user.
    pub name: String,
    /// safetensors file, relative to the pack folder.
    pub file: String,
    /// Weight of the head's score; the zero-shot bridge gets `1 - blend`.
    pub blend: f32,
    /// Apply the head only to photos under these folders (absolute paths); empty means everywhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<PathBuf>,
}

/// The manifest, as written in `pack.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub title: String,
    pub version: String,
    pub licence: String,
    #[serde(default)]
    pub provenance: String,
    pub bridge: Bridge,
    pub image: ImageSpec,
    pub text: TextSpec,
    #[serde(default)]
    pub labels: Option<LabelsSpec>,
    #[serde(default)]
    pub head: Option<HeadSpec>,
}

fn default_batch() -> usize {
    16
}

fn default_temperature() -> f32 {
    1.0
}

fn default_template() -> String {
    "{}".to_owned()
}

/// A loaded, validated pack with every file resolved to a path that exists.
#[derive(Debug, Clone)]
pub struct Pack {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub image_model: PathBuf,
    pub text_model: PathBuf,
    pub tokenizer: PathBuf,
    pub labels: Option<PathBuf>,
    /// The class descriptions of a `labels` pack, when its manifest names them.
    pub descriptions: Option<PathBuf>,
    pub head: Option<PathBuf>,
}

impl Pack {
    /// Load the pack in `dir`; every file must be inside it.
    pub fn load(dir: &Path) -> Result<Pack> {
        Self::load_with_search_path(dir, &[])
    }

    /// Load the pack in `dir`, looking for files missing from it in each of `search` in turn.
    pub fn load_with_search_path(dir: &Path, search: &[PathBuf]) -> Result<Pack> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).at("cannot read pack manifest", &path)?;
        let manifest: Manifest =
            toml::from_str(&text).map_err(|e| Error::pack(&path, e.to_string().trim_end().replace('\n', " ")))?;
        manifest.validate(&path)?;
        let find = |rel: &str| find_file(dir, search, rel).ok_or_else(|| missing(&path, dir, search, rel));
        let labels = match &manifest.labels {
            Some(l) => Some(find(&l.file)?),
            None => None,
        };
        let descriptions = match manifest.labels.as_ref().and_then(|l| l.descriptions.as_ref()) {
            Some(d) => Some(find(d)?),
            None => None,
        };
        let head = match &manifest.head {
            Some(h) => Some(find(&h.file)?),
            None => None,
        };
        Ok(Pack {
            dir: dir.to_path_buf(),
            image_model: find(&manifest.image.file)?,
            text_model: find(&manifest.text.file)?,
            tokenizer: find(&manifest.text.tokenizer)?,
            labels,
            descriptions,
            head,
            manifest,
        })
    }

    /// A short stable id of everything that changes the stored image vectors: the image encoder's
    /// identity and preprocessing, the bridge, and (for `labels`) the text side that embeds class names.
    pub fn fingerprint(&self) -> String {
        let m = &self.manifest;
        let mut h = Sha256::new();
        // Where a file lives is not what it is: a user copy of a pack that points at the original encoders
        // must keep the same index, so file names are left out (hashes and sizes identify the weights).
        let image = ImageSpec {
            file: String::new(),
            ..m.image.clone()
        };
        h.update(toml::to_string(&image).unwrap_or_default().as_bytes());
        h.update(format!("{:?}", m.bridge).as_bytes());
        if m.bridge == Bridge::Labels {
            let text = TextSpec {
                file: String::new(),
                tokenizer: String::new(),
                ..m.text.clone()
            };
            h.update(toml::to_string(&text).unwrap_or_default().as_bytes());
            let labels = m.labels.clone().map(|l| LabelsSpec {
                file: String::new(),
                descriptions: l.descriptions.as_ref().map(|_| String::new()),
                ..l
            });
            h.update(toml::to_string(&labels).unwrap_or_default().as_bytes());
            for file in self.labels.iter().chain(&self.descriptions) {
                h.update(std::fs::read(file).unwrap_or_default());
            }
        }
        // Without pinned hashes, fall back on file sizes so different weights still differ.
        for (pinned, file) in [(&m.image.sha256, &self.image_model), (&m.text.sha256, &self.text_model)] {
            if pinned.is_none() {
                let len = std::fs::metadata(file).map(|md| md.len()).unwrap_or(0);
                h.update(len.to_le_bytes());
            }
        }
        let digest = h.finalize();
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// Dimension of the vectors stored in the index for search (the shared space).
    pub fn search_dim(&self) -> usize {
        match self.manifest.bridge {
            Bridge::Aligned => self.manifest.image.embedding_dim,
            Bridge::Labels => self.manifest.text.embedding_dim,
        }
    }

    /// Check every file's SHA-256 against the manifest; returns the files checked.
    pub fn verify(&self) -> Result<Vec<PathBuf>> {
        let mut checked = Vec::new();
        for (want, file) in [
            (&self.manifest.image.sha256, &self.image_model),
            (&self.manifest.text.sha256, &self.text_model),
        ] {
            if let Some(want) = want {
                let got = sha256_file(file)?;
                if !got.eq_ignore_ascii_case(want) {
                    return Err(Error::pack(
                        file,
                        format!("SHA-256 mismatch: expected {want}, found {got}"),
                    ));
                }
                checked.push(file.clone());
            }
        }
        Ok(checked)
    }
}

#[path = "pack_validate.rs"]
mod validate;
pub use validate::{check_name, check_rel_path};

fn find_file(dir: &Path, search: &[PathBuf], rel: &str) -> Option<PathBuf> {
    std::iter::once(dir.to_path_buf())
        .chain(search.iter().cloned())
        .map(|d| d.join(rel))
        .find(|p| p.is_file())
}

fn missing(manifest: &Path, dir: &Path, search: &[PathBuf], rel: &str) -> Error {
    let mut looked: Vec<String> = vec![dir.display().to_string()];
    looked.extend(search.iter().map(|p| p.display().to_string()));
    Error::pack(
        manifest,
        format!("file {rel:?} not found (looked in {})", looked.join(", ")),
    )
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).at("cannot open", path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).at("cannot read", path)?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
