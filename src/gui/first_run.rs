//! First run: the guide shown while the library has no folders, and the one-time pack suggestion.
//!
//! The guide says the three things a new user needs (add photos, what to type, where the index lives)
//! where the grid would be empty anyway. The suggestion comes from the core's rule
//! ([`crate::workspace::suggest`]), worked out on a GUI task once per opened pack; it is shown once: the
//! persisted [`Settings::pack_hint_shown`] is set the first time it is drawn, and the banner stays for
//! that session until installed or dismissed. Installing goes through the Models window, which shows the
//! progress; until then the default pack keeps working offline.

use egui::Ui;

use super::command::Command;
use super::state::Settings;
use super::tasks::{Bg, Tasks};
use crate::bytes::human_size;
use crate::config::Config;
use crate::engine::Engine;
use crate::error::Result;
use crate::workspace::suggest::{PackHint, pack_hint};

/// The suggestion's state.
#[derive(Default)]
pub struct FirstRun {
    /// Fingerprint of the pack the suggestion was worked out for.
    asked_for: Option<String>,
    /// The suggestion on screen this session.
    hint: Option<PackHint>,
}

impl FirstRun {
    /// Work out the suggestion for `engine` off the UI thread (once per pack, never after it was shown).
    pub fn want_hint(
        &mut self,
        settings: &Settings,
        engine: &Engine,
        source: Option<std::path::PathBuf>,
        tasks: &Tasks,
    ) -> Result<()> {
        if settings.pack_hint_shown || self.asked_for.as_deref() == Some(engine.fingerprint()) {
            return Ok(());
        }
        self.asked_for = Some(engine.fingerprint().to_owned());
        let (config, manifest) = (engine.config.clone(), engine.pack.manifest.clone());
        tasks.spawn("pack-hint", move || {
            // A catalogue that cannot be read only means no suggestion; the Models window reports it.
            Bg::PackHint(pack_hint(&config, source.as_deref(), &manifest).ok().flatten())
        })
    }

    /// The suggestion was worked out.
    pub fn hint_loaded(&mut self, hint: Option<PackHint>, settings: &Settings) {
        if !settings.pack_hint_shown {
            self.hint = hint;
        }
    }

    /// The suggestion banner, when there is one; marks it shown.
    pub fn hint_ui(&mut self, ui: &mut Ui, settings: &mut Settings) -> Command {
        let mut cmd = Command::None;
        let Some(h) = &self.hint else {
            return cmd;
        };
        settings.pack_hint_shown = true;
        let mut close = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!(
                    "A larger model pack would search your photos better: {} ({} download; licence: {}{}). \
                     The built-in pack keeps working offline.",
                    h.title,
                    human_size(h.bytes),
                    h.licence,
                    if h.non_commercial {
                        "; not for commercial use"
                    } else {
                        ""
                    }
                ));
                if ui.button(format!("Install {}", h.name)).clicked() {
                    cmd = Command::InstallPack(h.name.clone());
                    close = true;
                }
                if ui.button("Not now").clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.hint = None;
        }
        cmd
    }
}

/// The guide shown while no folder has been added.
pub fn guide(ui: &mut Ui, config: &Config) -> Command {
    let mut cmd = Command::None;
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.15);
        ui.heading("Start here");
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            ui.label("1. Add a photo folder: drop it onto this window, or");
            if ui.button("Choose a folder…").clicked() {
                cmd = Command::PickFolder;
            }
        });
        ui.add_space(6.0);
        ui.label("2. Describe the picture you need in the search field (Ctrl+L), for example");
        ui.strong("a red door in the rain");
        ui.strong("children on a beach - people");
        ui.weak("A minus excludes what follows it; every keystroke re-ranks, no Enter needed");
        ui.add_space(6.0);
        ui.label("3. Pin the candidates with Space and export them with Ctrl+E (F1 lists every shortcut)");
        ui.add_space(12.0);
        ui.weak(format!(
            "The index lives in {} and never leaves this computer; your picks and captions are in {}",
            config.indexes_dir().display(),
            config.data_dir.join(crate::workspace::notes::FILE).display()
        ));
    });
    cmd
}
