//! The catalogue of downloadable packs (`models/catalogue.toml`, embedded at build time).
//!
//! An entry pins every file to a URL at a repository commit, with its size and SHA-256, and carries the
//! pack manifest to write once the files are verified. Entries that cannot be pinned (no trustworthy
//! hash was found) stay listed so users see they exist, but [`Entry::unverified_reason`] makes install
//! refuse them: we never download a model we cannot check.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, IoContext, Result};
use crate::model::pack::{Manifest, check_name, check_rel_path};

/// The catalogue shipped with this build.
pub const BUILTIN: &str = include_str!("../../../models/catalogue.toml");

/// A list of downloadable packs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(rename = "pack", default)]
    pub packs: Vec<Entry>,
}

/// One downloadable pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Installed folder name; equals `manifest.name`.
    pub name: String,
    pub title: String,
    /// Licence of the weights, written for people.
    pub licence: String,
    /// Weights that forbid commercial use are marked so front ends can warn before install.
    #[serde(default)]
    pub non_commercial: bool,
    /// Where the files come from (a repository page).
    pub repository: String,
    /// The repository commit every URL is pinned to; empty when unknown.
    #[serde(default)]
    pub revision: String,
    /// `false` marks an entry whose pins are known to be missing.
    #[serde(default = "yes")]
    pub verified: bool,
    /// Where the sizes and hashes came from.
    #[serde(default)]
    pub hashes_from: String,
    #[serde(default)]
    pub notes: String,
    pub files: Vec<RemoteFile>,
    /// The `pack.toml` written into the installed folder.
    pub manifest: Manifest,
}

/// One file of a pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteFile {
    /// Path inside the pack folder (forward slashes).
    pub path: String,
    pub url: String,
    /// Size in bytes; absent means unpinned.
    #[serde(default)]
    pub size: Option<u64>,
    /// SHA-256 (hex); absent means unpinned.
    #[serde(default)]
    pub sha256: Option<String>,
}

fn yes() -> bool {
    true
}

impl Catalogue {
    /// The catalogue compiled into this build.
    pub fn builtin() -> Result<Catalogue> {
        Self::parse(BUILTIN, Path::new("models/catalogue.toml (built in)"))
    }

    /// Read a catalogue file (tests, mirrors, or a newer list than the built-in one).
    pub fn load(path: &Path) -> Result<Catalogue> {
        let text = std::fs::read_to_string(path).at("cannot read model catalogue", path)?;
        Self::parse(&text, path)
    }

    /// Parse and check a catalogue; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Catalogue> {
        let bad = |m: String| Error::pack(origin, m);
        let cat: Catalogue = toml::from_str(text).map_err(|e| bad(e.to_string().trim_end().replace('\n', " ")))?;
        for e in &cat.packs {
            check_name(&e.name).map_err(|m| bad(format!("catalogue entry {:?}: {m}", e.name)))?;
            if e.manifest.name != e.name {
                return Err(bad(format!(
                    "catalogue entry {:?} writes a manifest named {:?}",
                    e.name, e.manifest.name
                )));
            }
            for f in &e.files {
                check_rel_path(&f.path).map_err(|m| bad(format!("catalogue entry {:?}: {m}", e.name)))?;
            }
        }
        Ok(cat)
    }

    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.packs.iter().find(|e| e.name == name)
    }
}

impl Entry {
    /// Why this entry cannot be installed safely, if it cannot.
    pub fn unverified_reason(&self) -> Option<String> {
        if !self.verified {
            return Some(format!("its files are not pinned ({})", self.hashes_from));
        }
        if self.revision.is_empty() {
            return Some("it names no repository revision".into());
        }
        let unpinned: Vec<&str> = self
            .files
            .iter()
            .filter(|f| f.size.is_none() || !is_sha256(f.sha256.as_deref().unwrap_or("")))
            .map(|f| f.path.as_str())
            .collect();
        if !unpinned.is_empty() {
            return Some(format!("no size or SHA-256 for {}", unpinned.join(", ")));
        }
        None
    }

    /// Total download size in bytes (pinned files only).
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().filter_map(|f| f.size).sum()
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_parses_and_pins_clip() {
        let cat = Catalogue::builtin().expect("builtin");
        let clip = cat.get("clip-vit-b32").expect("clip entry");
        assert_eq!(clip.unverified_reason(), None);
        assert_eq!(clip.revision.len(), 40);
        assert!(clip.files.iter().all(|f| f.url.contains(&clip.revision)));
        let multi = cat.get("xlm-roberta-large-vit-b16plus").expect("multilingual entry");
        assert!(multi.unverified_reason().is_some());
    }

    #[test]
    fn names_and_paths_are_checked() {
        assert!(check_name("clip-vit-b32").is_ok());
        for bad in ["", ".staging-x", "a/b", "..", "a b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_rel_path("onnx/model.onnx").is_ok());
        for bad in ["/etc/passwd", "../x", "a//b", "a/./b", "a\\b"] {
            assert!(check_rel_path(bad).is_err(), "{bad:?}");
        }
    }
}
