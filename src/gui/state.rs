//! Settings that survive a restart, kept apart from runtime handles (threads, channels, textures).
//!
//! Stored through eframe's storage under [`eframe::APP_KEY`]. The photo folders are *not* here: they live
//! in the index, which is the single source of truth shared with the CLI. Engine choices (`pack`,
//! `provider`, `threads`, `data_dir`) are `None` until the user changes them in the settings panel, so a
//! command-line flag or environment variable keeps working until then.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::runtime::Provider;

/// Persisted settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Tile edge in points.
    pub thumb_size: f32,
    /// Show the similarity score on each tile.
    pub show_scores: bool,
    /// Hide results scoring below this (only while a query is active).
    pub min_score: f32,
    /// Right-hand preview panel open.
    pub show_preview: bool,
    /// Settings window open.
    pub show_settings: bool,
    /// Skipped-files window open.
    pub show_skipped: bool,
    /// Models window open.
    pub show_models: bool,
    /// Model pack chosen in the GUI.
    pub pack: Option<String>,
    /// Execution provider chosen in the GUI.
    pub provider: Option<Provider>,
    /// Thread count chosen in the GUI (0 = all cores).
    pub threads: Option<usize>,
    /// Data folder chosen in the GUI.
    pub data_dir: Option<PathBuf>,
    /// The shortlist pins go to.
    pub current_list: String,
    /// Folder the shortlist is exported into (as typed).
    pub export_dir: String,
    /// Long side of exported photos in pixels; 0 exports the original files.
    pub export_long_side: u32,
    /// The suggestion of a better-searching pack was shown once already.
    pub pack_hint_shown: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            thumb_size: 140.0,
            show_scores: false,
            min_score: -1.0,
            show_preview: true,
            show_settings: false,
            show_skipped: false,
            show_models: false,
            pack: None,
            provider: None,
            threads: None,
            data_dir: None,
            current_list: "Picks".to_owned(),
            export_dir: String::new(),
            export_long_side: 0,
            pack_hint_shown: false,
        }
    }
}

impl Settings {
    /// Smallest and largest tile edge the slider offers.
    pub const THUMB_RANGE: std::ops::RangeInclusive<f32> = 64.0..=256.0;

    /// Read settings from eframe storage, falling back to defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Settings {
        storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default()
    }

    /// Apply the GUI's engine choices on top of the resolved configuration.
    pub fn apply_to(&self, config: &mut Config) {
        if let Some(p) = &self.pack {
            config.pack.clone_from(p);
        }
        if let Some(p) = self.provider {
            config.provider = p;
        }
        if let Some(t) = self.threads {
            config.threads = t;
        }
        if let Some(d) = &self.data_dir {
            config.data_dir.clone_from(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gui_choices_override_config_only_when_set() {
        let mut c = Config {
            data_dir: "/d".into(),
            pack: "p".into(),
            provider: Provider::Auto,
            threads: 0,
        };
        Settings::default().apply_to(&mut c);
        assert_eq!((c.pack.as_str(), c.threads), ("p", 0));
        let s = Settings {
            pack: Some("q".into()),
            threads: Some(3),
            provider: Some(Provider::Cpu),
            ..Settings::default()
        };
        s.apply_to(&mut c);
        assert_eq!((c.pack.as_str(), c.threads, c.provider), ("q", 3, Provider::Cpu));
    }

    #[test]
    fn settings_round_trip_through_ron_like_json() {
        let s = Settings {
            thumb_size: 200.0,
            show_scores: true,
            ..Settings::default()
        };
        let back: Settings = serde_json::from_str(&serde_json::to_string(&s).expect("ser")).expect("de");
        assert_eq!(back, s);
    }
}
