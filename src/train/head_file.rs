//! The head's file: one safetensors file with weights, standardisation statistics and config.
//!
//! Why safetensors: it is already the pack format for weights, loads without code execution, and carries
//! string metadata for the config. Layout: all tensors `f32`, names `{image,text}.{mean,std,w1,b1,w2,b2}`
//! and, with BatchNorm, `{branch}.bn.{gamma,beta,running_mean,running_var}`; `w1` is `in x hidden`, `w2`
//! is `hidden x out`. Metadata: `format` = `vignette-head/1`, `vignette.head` = [`HeadConfig`] as JSON,
//! `vignette.blend` = the blend chosen on validation. A head with a domain gate ([`crate::train::domain`])
//! adds the tensor `domain.reference` (`m x image_dim`) and the metadata `vignette.domain` (`{"k", "full",
//! "none"}` as JSON); files without them load as heads that apply everywhere. Every load error names the file and the tensor or
//! field at fault, with the expected shape and where it comes from. Writes go to a hidden temp file in the
//! same folder, are synced, then renamed over the target, so a crash never leaves half a head.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, IoContext, Result};
use crate::train::domain::DomainGate;
use crate::train::head::{BatchNormWeights, BranchWeights, Head, HeadConfig, branch_tensors};

/// The `vignette.domain` metadata.
#[derive(serde::Deserialize)]
struct GateMeta {
    k: usize,
    full: f32,
    none: f32,
}

/// Format tag in the safetensors metadata.
const FORMAT: &str = "vignette-head/1";

impl Head {
    /// Write the head to `path` atomically (temp file in the same folder, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, b, is_image) in [("image", self.weights().0, true), ("text", self.weights().1, false)] {
            for (field, shape, data) in branch_tensors(self.config(), b, is_image) {
                tensors.push((format!("{name}.{field}"), shape, crate::bytes::f32_to_le(data)));
            }
        }
        if let Some(d) = self.domain() {
            tensors.push((
                "domain.reference".into(),
                vec![d.reference.len() / d.dim, d.dim],
                d.reference.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ));
        }
        let views = tensors
            .iter()
            .map(|(n, s, d)| {
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), d).map(|v| (n.clone(), v))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Train(format!("cannot lay out head tensors: {e}")))?;
        let config = serde_json::to_string(self.config()).map_err(|e| Error::Train(e.to_string()))?;
        let mut meta = HashMap::from([
            ("format".to_owned(), FORMAT.to_owned()),
            ("vignette.head".to_owned(), config),
            ("vignette.blend".to_owned(), self.blend().to_string()),
        ]);
        if let Some(d) = self.domain() {
            let json = serde_json::json!({"k": d.k, "full": d.full, "none": d.none});
            meta.insert("vignette.domain".to_owned(), json.to_string());
        }
        let bytes = safetensors::serialize(views, Some(meta))
            .map_err(|e| Error::Train(format!("cannot serialise head: {e}")))?;
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("head.safetensors");
        let tmp = path.with_file_name(format!(".{file_name}.tmp"));
        let mut f = std::fs::File::create(&tmp).at("cannot create head file", &tmp)?;
        f.write_all(&bytes).at("cannot write head file", &tmp)?;
        f.sync_all().at("cannot write head file", &tmp)?;
        drop(f);
        std::fs::rename(&tmp, path).at("cannot move head file into place", path)
    }

    /// Read a head written by [`Head::save`]; errors name the file and the tensor or field that is wrong.
    pub fn load(path: &Path) -> Result<Head> {
        let bytes = std::fs::read(path).at("cannot read head file", path)?;
        let broken = |m: String| Error::pack(path, format!("head file: {m}"));
        let st = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| broken(format!("not a safetensors file ({e})")))?;
        let (_, meta) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| broken(format!("unreadable header ({e})")))?;
        let meta = meta.metadata().clone().unwrap_or_default();
        let config_json = meta
            .get("vignette.head")
            .ok_or_else(|| broken("no vignette.head metadata".into()))?;
        let config: HeadConfig =
            serde_json::from_str(config_json).map_err(|e| broken(format!("bad vignette.head metadata: {e}")))?;
        config.validate().map_err(|e| broken(e.to_string()))?;
        let blend = match meta.get("vignette.blend") {
            Some(b) => b
                .parse::<f32>()
                .map_err(|e| broken(format!("bad vignette.blend {b:?}: {e}")))?,
            None => 1.0,
        };
        let read = |name: &str, shape: Vec<usize>, what: String| -> Result<Vec<f32>> {
            let t = st.tensor(name).map_err(|_| broken(format!("missing tensor {name}")))?;
            if t.dtype() != safetensors::Dtype::F32 {
                return Err(broken(format!("tensor {name} is {:?}, expected F32", t.dtype())));
            }
            if t.shape() != shape.as_slice() {
                return Err(broken(format!(
                    "tensor {name} has shape {:?}, expected {shape:?} ({what}) from the config",
                    t.shape()
                )));
            }
            Ok(crate::bytes::f32_from_le(t.data()))
        };
        let mut branches = Vec::new();
        for (name, is_image) in [("image", true), ("text", false)] {
            let (i, h, o) = config.branch_dims(is_image);
            let get = |field: &str, shape: Vec<usize>, what: String| read(&format!("{name}.{field}"), shape, what);
            let mean = get("mean", vec![i], format!("input width {i}"))?;
            let std = get("std", vec![i], format!("input width {i}"))?;
            let w1 = get("w1", vec![i, h], format!("input {i} x hidden {h}"))?;
            let b1 = get("b1", vec![h], format!("hidden {h}"))?;
            let w2 = get("w2", vec![h, o], format!("hidden {h} x embed {o}"))?;
            let b2 = get("b2", vec![o], format!("embed {o}"))?;
            let bn = if config.batchnorm {
                Some(BatchNormWeights {
                    gamma: get("bn.gamma", vec![o], format!("embed {o}"))?,
                    beta: get("bn.beta", vec![o], format!("embed {o}"))?,
                    running_mean: get("bn.running_mean", vec![o], format!("embed {o}"))?,
                    running_var: get("bn.running_var", vec![o], format!("embed {o}"))?,
                })
            } else {
                None
            };
            branches.push(BranchWeights {
                mean,
                std,
                w1,
                b1,
                w2,
                b2,
                bn,
            });
        }
        let text = branches.pop().ok_or_else(|| broken("no text branch".into()))?;
        let image = branches.pop().ok_or_else(|| broken("no image branch".into()))?;
        let domain = match meta.get("vignette.domain") {
            Some(json) => {
                let g: GateMeta =
                    serde_json::from_str(json).map_err(|e| broken(format!("bad vignette.domain metadata: {e}")))?;
                let d = config.image_dim;
                let m = st
                    .tensor("domain.reference")
                    .map_err(|_| broken("missing tensor domain.reference".into()))?
                    .shape()
                    .first()
                    .copied()
                    .unwrap_or(0);
                if m == 0 || g.k == 0 || g.none > g.full {
                    return Err(broken(format!(
                        "bad domain gate: {m} reference photos, k {}, thresholds {} to {}",
                        g.k, g.none, g.full
                    )));
                }
                let reference = read("domain.reference", vec![m, d], format!("photos x image width {d}"))?;
                Some(DomainGate {
                    reference,
                    dim: d,
                    k: g.k,
                    full: g.full,
                    none: g.none,
                })
            }
            None => None,
        };
        Ok(Head::new(config, image, text, blend)
            .map_err(|e| broken(e.to_string()))?
            .with_domain(domain))
    }

    /// [`Head::load`], then check the head fits encoders with these widths.
    pub fn load_expecting(path: &Path, image_dim: usize, text_dim: usize) -> Result<Head> {
        let head = Head::load(path)?;
        let c = head.config();
        if c.image_dim != image_dim || c.text_dim != text_dim {
            return Err(Error::pack(
                path,
                format!(
                    "head file expects image features of width {} and text of width {}, but the encoders give {} and {}",
                    c.image_dim, c.text_dim, image_dim, text_dim
                ),
            ));
        }
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::head::HeadKind;
    use crate::train::head::tests::random_head;

    #[test]
    fn save_load_round_trip_is_exact() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (kind, bn) in [(HeadKind::TwoBranch, true), (HeadKind::Residual, false)] {
            let head = random_head(kind, bn, 2);
            let p = dir.path().join("h.safetensors");
            head.save(&p).expect("save");
            let back = Head::load(&p).expect("load");
            assert_eq!(back.config(), head.config());
            assert_eq!(back.weights(), head.weights());
            assert_eq!(back.blend(), 0.4);
            assert!(back.domain().is_none());
            assert!(!dir.path().join(".h.safetensors.tmp").exists());
        }
    }

    #[test]
    fn domain_gate_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let head = random_head(HeadKind::TwoBranch, true, 2);
        let dim = head.config().image_dim;
        let fit: Vec<f32> = (0..8 * dim).map(|i| (i % 7) as f32).collect();
        let gate = DomainGate::fit(&fit, &fit[..3 * dim], dim, 0).expect("gate");
        let head = head.with_domain(Some(gate.clone()));
        let p = dir.path().join("g.safetensors");
        head.save(&p).expect("save");
        let back = Head::load(&p).expect("load");
        assert_eq!(back.domain(), Some(&gate));
        assert_eq!(back.weights(), head.weights());
    }

    #[test]
    fn broken_and_mismatched_files_say_what_and_where() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("bad.safetensors");
        std::fs::write(&p, b"not a head").expect("write");
        let e = Head::load(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            e.contains("not a safetensors file") && e.contains("bad.safetensors"),
            "{e}"
        );

        let head = random_head(HeadKind::TwoBranch, false, 3);
        let p = dir.path().join("h.safetensors");
        head.save(&p).expect("save");
        let e = Head::load_expecting(&p, 1280, 384)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("width 5") && e.contains("1280") && e.contains("h.safetensors"),
            "{e}"
        );

        // A config that disagrees with the stored tensors.
        let mut bytes = std::fs::read(&p).expect("read");
        let from = br#"image_dim\":5"#; // JSON inside the JSON header
        let pos = bytes
            .windows(from.len())
            .position(|w| w == from)
            .expect("config in header");
        bytes[pos + from.len() - 1] = b'6';
        std::fs::write(&p, &bytes).expect("write");
        let e = Head::load(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("image.mean has shape [5], expected [6]"), "{e}");
    }
}
