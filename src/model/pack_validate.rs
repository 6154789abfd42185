//! Checks a manifest once at load, so every later use can trust it; each error names the manifest and
//! the field. (A child of `pack`, in its own file to keep `pack.rs` short.)

use super::*;

impl Manifest {
    pub(super) fn validate(&self, path: &Path) -> Result<()> {
        let bad = |msg: String| Err(Error::pack(path, msg));
        // The same rules as an installed pack, wherever the manifest comes from (`--pack DIR` included):
        // the name becomes a folder and file names are joined to the pack folder, so neither may escape it.
        // The encoders alone may also be absolute: a user copy of a pack (made when a head is saved) points
        // at the original encoders rather than copying hundreds of MB; they are only ever read.
        check_name(&self.name).or_else(bad)?;
        let mut inside = vec![&self.text.tokenizer];
        inside.extend(self.labels.as_ref().map(|l| &l.file));
        inside.extend(self.head.as_ref().map(|h| &h.file));
        for f in inside {
            check_rel_path(f).or_else(bad)?;
        }
        for f in [&self.image.file, &self.text.file] {
            if !Path::new(f).is_absolute() {
                check_rel_path(f).or_else(bad)?;
            } else if Path::new(f).components().any(|c| c == std::path::Component::ParentDir) {
                return bad(format!("file path {f:?} must not contain '..'"));
            }
        }
        let img = &self.image;
        if img.size == 0 || img.embedding_dim == 0 || self.text.embedding_dim == 0 {
            return bad("image.size, image.embedding_dim and text.embedding_dim must be positive".into());
        }
        if img.std.iter().any(|s| *s <= 0.0) {
            return bad("image.std values must be positive".into());
        }
        if img.crop == CropMode::None && img.resize == ResizeMode::ShorterSide {
            return bad("image.crop = \"none\" needs image.resize = \"stretch\" to give a square input".into());
        }
        if img.batch == 0 || self.text.batch == 0 || self.text.max_length == 0 {
            return bad("batch sizes and text.max_length must be positive".into());
        }
        match self.bridge {
            Bridge::Aligned if img.embedding_dim != self.text.embedding_dim => bad(format!(
                "bridge \"aligned\" needs equal embedding sizes, found image {} and text {}",
                img.embedding_dim, self.text.embedding_dim
            )),
            Bridge::Labels if self.labels.is_none() || img.logits_output.is_none() => {
                bad("bridge \"labels\" needs a [labels] table and image.logits_output".into())
            }
            _ => Ok(()),
        }?;
        if let Some(l) = &self.labels
            && (l.top_k == 0 || !l.template.contains("{}"))
        {
            return bad("labels.top_k must be positive and labels.template must contain {}".into());
        }
        if let Some(l) = &self.labels
            && !(l.temperature.is_finite() && l.temperature > 0.0)
        {
            return bad(format!("labels.temperature must be positive, found {}", l.temperature));
        }
        if let Some(l) = &self.labels
            && l.template.contains("{description}")
            && l.descriptions.is_none()
        {
            return bad("labels.template uses {description} but labels.descriptions names no file".into());
        }
        if let Some(h) = &self.head
            && !(0.0..=1.0).contains(&h.blend)
        {
            return bad(format!("head.blend must be within 0..1, found {}", h.blend));
        }
        Ok(())
    }
}

/// A pack name must be one plain path component (it becomes a folder under the packs folder).
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "pack name {name:?} must be letters, digits, '-', '_' or '.', not starting with '.'"
        ))
    }
}

/// A file path inside a pack: relative, no `..`, no empty parts.
pub fn check_rel_path(p: &str) -> std::result::Result<(), String> {
    let ok = !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
    if ok {
        Ok(())
    } else {
        Err(format!("file path {p:?} must be relative, without '..'"))
    }
}
