//! The preview side panel: the focused photo large, its details and the hand-off actions.
//!
//! The full image is decoded (EXIF-upright, at most [`PREVIEW_SIDE`] px) and its details read from the
//! index by a background task when the focus changes; until it lands the panel shows the details it
//! already has (name, path, score) and a spinner. A result for a photo no longer focused is dropped.

use std::sync::Arc;

use egui::Ui;

use super::command::Command;
use super::grid::{Item, hand_off_menu};
use super::tasks::{Bg, Tasks};
use crate::bytes::human_size;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::index::PhotoMeta;

/// Longer side of the preview texture.
pub const PREVIEW_SIDE: u32 = 1600;

/// The preview's loaded state.
#[derive(Default)]
pub struct Preview {
    requested: Option<i64>,
    texture: Option<(i64, egui::TextureHandle)>,
    meta: Option<PhotoMeta>,
    error: Option<(i64, Arc<Error>)>,
}

impl Preview {
    /// Make sure `item` is loading or loaded (an error when the loader thread cannot start).
    pub fn want(&mut self, item: &Item, engine: &Arc<Engine>, tasks: &Tasks) -> Result<()> {
        if self.requested == Some(item.id) {
            return Ok(());
        }
        self.requested = Some(item.id);
        let (id, path, engine) = (item.id, item.path.clone(), Arc::clone(engine));
        tasks.spawn("preview", move || {
            let meta = engine.index().and_then(|i| i.meta(id)).ok().flatten();
            Bg::Preview {
                id,
                meta,
                image: super::tasks::load_preview(&path, PREVIEW_SIDE).map_err(Arc::new),
            }
        })
    }

    /// A background load finished.
    pub fn loaded(
        &mut self,
        ctx: &egui::Context,
        id: i64,
        meta: Option<PhotoMeta>,
        image: std::result::Result<egui::ColorImage, Arc<Error>>,
    ) {
        if self.requested != Some(id) {
            return;
        }
        self.meta = meta;
        match image {
            Ok(img) => {
                self.texture = Some((
                    id,
                    ctx.load_texture(format!("preview-{id}"), img, egui::TextureOptions::LINEAR),
                ))
            }
            Err(e) => self.error = Some((id, e)),
        }
    }

    /// Draw the panel for the focused item; `notes` draws the pin button and captions under its actions.
    pub fn ui(
        &self,
        ui: &mut Ui,
        item: Option<&Item>,
        selected: usize,
        notes: impl FnOnce(&mut Ui, &Item) -> Command,
    ) -> Command {
        let mut cmd = Command::None;
        ui.add_space(4.0);
        let Some(item) = item else {
            ui.heading("Preview");
            ui.weak("Click a photo to see it here");
            return cmd;
        };
        ui.heading(item.name());
        egui::ScrollArea::vertical()
            .id_salt("preview")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                match (&self.texture, &self.error) {
                    (Some((id, tex)), _) if *id == item.id => {
                        let w = ui.available_width();
                        let size = tex.size_vec2() * (w / tex.size_vec2().x).min(1.0);
                        ui.add(egui::Image::new((tex.id(), size)).alt_text(item.name()));
                    }
                    (_, Some((id, e))) if *id == item.id => {
                        ui.colored_label(super::theme::error(ui.visuals()), e.to_string());
                    }
                    _ => {
                        ui.add(egui::Spinner::new());
                    }
                }
                ui.add(egui::Label::new(item.path.display().to_string()).wrap());
                if let Some(m) = self.meta.as_ref().filter(|m| m.id == item.id) {
                    ui.label(format!("{} × {} px", m.width, m.height));
                    ui.label(human_size(m.size));
                    ui.label(format!("Modified {}", date(m.mtime_ns)));
                }
                if let Some(s) = item.score {
                    ui.label(format!("Score {s:.3}"));
                }
                ui.separator();
                ui.horizontal_wrapped(|ui| {
                    if let Some(c) = hand_off_menu(ui, &item.path) {
                        cmd = c;
                    }
                });
                let c = notes(ui, item);
                if c != Command::None {
                    cmd = c;
                }
                ui.separator();
                let export = ui.add_enabled(selected > 0, egui::Button::new(format!("Export {selected} selected…")));
                if export.clicked() {
                    cmd = Command::ExportSelection;
                }
                ui.weak("Dragging a photo out of the window is not supported; use Copy image or Export");
            });
        cmd
    }
}

/// A file time (ns since the Unix epoch) as a UTC date and time.
pub fn date(mtime_ns: i64) -> String {
    let (y, m, d, rem) = crate::workspace::shortlist_export::civil(mtime_ns.div_euclid(1_000_000_000));
    format!("{y}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, rem / 60 % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01 00:00 UTC");
        assert_eq!(date(1_709_210_096 * 1_000_000_000), "2024-02-29 12:34 UTC");
    }
}
