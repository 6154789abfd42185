//! Whether a pack from the catalogue would search better than the open one, said once on first run.
//!
//! The rule is read from the data, never from a list of names: a pack whose image and text encoders were
//! trained together (`bridge = "aligned"`, CLIP-style) ranks free-text prompts far better than the
//! default pack's class-name bridge (`labels`: the README measures text→image R@1 12.5 on flickr8k-1k for
//! the default; CLIP-style encoders are trained on exactly this task). So when the open pack uses the
//! labels bridge, the suggestion is the smallest installable (every file pinned) aligned catalogue pack
//! that is not installed yet. An aligned open pack gets no suggestion. Nothing is downloaded here: the
//! front end shows the pack's size and licence and installs it through the model manager only when asked;
//! the default pack stays the offline choice.

use std::path::Path;

use crate::config::Config;
use crate::error::Result;
use crate::model::manager::Catalogue;
use crate::model::pack::{Bridge, Manifest};

/// A catalogue pack worth suggesting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackHint {
    pub name: String,
    pub title: String,
    pub licence: String,
    pub non_commercial: bool,
    /// Total download size in bytes.
    pub bytes: u64,
}

/// The pack to suggest over `open` (see the module docs), skipping the `installed` ones.
pub fn better_pack(catalogue: &Catalogue, open: &Manifest, installed: &[String]) -> Option<PackHint> {
    if open.bridge == Bridge::Aligned {
        return None;
    }
    catalogue
        .packs
        .iter()
        .filter(|e| e.manifest.bridge == Bridge::Aligned)
        .filter(|e| e.unverified_reason().is_none())
        .filter(|e| !installed.contains(&e.name))
        .map(|e| PackHint {
            name: e.name.clone(),
            title: e.title.clone(),
            licence: e.licence.clone(),
            non_commercial: e.non_commercial,
            bytes: e.files.iter().filter_map(|f| f.size).sum(),
        })
        .min_by_key(|h| h.bytes)
}

/// Read the catalogue (`source`, else the built-in one) and the installed packs, and pick the suggestion.
pub fn pack_hint(config: &Config, source: Option<&Path>, open: &Manifest) -> Result<Option<PackHint>> {
    let catalogue = super::models::load_catalogue(source)?;
    Ok(better_pack(&catalogue, open, &super::installed_packs(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_suggests_an_aligned_pack_over_the_labels_bridge() {
        let catalogue = Catalogue::builtin().expect("catalogue");
        let labels = catalogue
            .packs
            .iter()
            .find(|e| e.manifest.bridge == Bridge::Aligned)
            .map(|e| Manifest {
                bridge: Bridge::Labels,
                ..e.manifest.clone()
            })
            .expect("an aligned entry");
        let hint = better_pack(&catalogue, &labels, &[]).expect("a suggestion");
        assert!(hint.bytes > 1_000_000, "{hint:?}");
        assert!(!hint.licence.is_empty());
        let other = better_pack(&catalogue, &labels, std::slice::from_ref(&hint.name));
        assert!(
            other.is_none_or(|o| o.name != hint.name),
            "an installed pack is not suggested"
        );
        let aligned = Manifest {
            bridge: Bridge::Aligned,
            ..labels
        };
        assert_eq!(
            better_pack(&catalogue, &aligned, &[]),
            None,
            "aligned packs get no suggestion"
        );
    }
}
