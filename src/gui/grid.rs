//! The photo grid: virtualised with `ScrollArea::show_rows`, so a frame costs the same at 100 photos or
//! 100,000: only the rows on screen are laid out, and only their thumbnails are asked for.
//!
//! Selection lives here too, by photo id (stable when the ranking changes) with the focused position
//! cached as an index into the items shown: click selects one, shift-click a range from the anchor,
//! ctrl-click toggles, arrow keys move the focus (when no text field has the keyboard).

use std::collections::HashSet;
use std::path::PathBuf;

use egui::{Key, Ui};

use super::command::Command;
pub use super::command::SelectMode;
use super::state::Settings;
use super::thumbs::Thumbs;
use super::tile::Tile;

/// One tile's data.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub path: PathBuf,
    /// Similarity to the query; `None` in index order (no query).
    pub score: Option<f32>,
    /// Near-duplicates hidden under this tile (shown as "+N"; clicking it expands the group).
    pub more: usize,
}

impl Item {
    /// The file name shown on the tile.
    pub fn name(&self) -> String {
        super::tasks::file_name(&self.path)
    }
}

/// Selected photos and the focused tile.
#[derive(Debug, Default)]
pub struct Selection {
    ids: HashSet<i64>,
    /// Index of the focused tile among the items shown.
    pub focus: Option<usize>,
    focus_id: Option<i64>,
    anchor: Option<usize>,
    /// The focus moved by keyboard: scroll it into view.
    scroll_to_focus: bool,
}

impl Selection {
    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Apply a click on tile `index`.
    pub fn click(&mut self, index: usize, mode: SelectMode, items: &[Item]) {
        let Some(item) = items.get(index) else { return };
        match mode {
            SelectMode::Only => {
                self.ids.clear();
                self.ids.insert(item.id);
                self.anchor = Some(index);
            }
            SelectMode::Toggle => {
                if !self.ids.remove(&item.id) {
                    self.ids.insert(item.id);
                }
                self.anchor = Some(index);
            }
            SelectMode::Range => {
                let a = self.anchor.unwrap_or(index).min(items.len() - 1);
                let (lo, hi) = (a.min(index), a.max(index));
                self.ids = items[lo..=hi].iter().map(|i| i.id).collect();
            }
        }
        self.focus = Some(index);
        self.focus_id = Some(item.id);
    }

    /// Move the focus by `delta` tiles and select only it.
    pub fn move_focus(&mut self, delta: isize, n: usize, items: &[Item]) {
        if n == 0 {
            return;
        }
        let next = match self.focus {
            Some(f) => f.saturating_add_signed(delta).min(n - 1),
            None => 0,
        };
        self.click(next, SelectMode::Only, items);
        self.scroll_to_focus = true;
    }

    /// Keep the selection to photos still listed and find the focused one again after re-ranking.
    pub fn retain_existing(&mut self, items: &[Item]) {
        let present: HashSet<i64> = items.iter().map(|i| i.id).collect();
        self.ids.retain(|id| present.contains(id));
        self.focus = self.focus_id.and_then(|id| items.iter().position(|i| i.id == id));
        if self.focus.is_none() {
            self.focus_id = None;
        }
        self.anchor = self.focus;
    }

    /// Paths of the selected photos, in the order shown.
    pub fn paths(&self, items: &[Item]) -> Vec<PathBuf> {
        items
            .iter()
            .filter(|i| self.ids.contains(&i.id))
            .map(|i| i.path.clone())
            .collect()
    }
}

/// How many items to show: everything without a query, the head scoring at least `min_score` with one
/// (hits are sorted best first, so this is a binary search, not a filter). Items with no score (the
/// filtered library with no prompt) always show.
pub fn shown_len(items: &[Item], query_active: bool, min_score: f32) -> usize {
    if query_active {
        items.partition_point(|i| i.score.is_none_or(|s| s >= min_score))
    } else {
        items.len()
    }
}

/// What the grid shows.
pub struct View<'a> {
    pub items: &'a [Item],
    pub library_empty: bool,
    pub query_active: bool,
}

/// Draw the grid; returns the click, key or menu command, if any.
pub fn ui(
    ui: &mut Ui,
    view: &View<'_>,
    sel: &mut Selection,
    mut thumbs: Option<&mut Thumbs>,
    settings: &Settings,
) -> Command {
    if view.items.is_empty() {
        ui.centered_and_justified(|ui| {
            ui.weak(if view.library_empty {
                "Add a photo folder (or drop one here) to start"
            } else if view.query_active {
                "No photos score above the minimum; lower it in the side panel"
            } else {
                "Loading photos…"
            })
        });
        return Command::None;
    }
    let size = settings.thumb_size;
    let gap = ui.spacing().item_spacing;
    let cols = (((ui.available_width() + gap.x) / (size + gap.x)).floor() as usize).max(1);
    let rows = view.items.len().div_ceil(cols);
    let mut cmd = keyboard(ui, cols);
    let mut area = egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("grid");
    if std::mem::take(&mut sel.scroll_to_focus)
        && let Some(f) = sel.focus
    {
        let row_y = (f / cols) as f32 * (size + gap.y);
        area = area.vertical_scroll_offset((row_y - ui.available_height() / 2.0 + size / 2.0).max(0.0));
    }
    area.show_rows(ui, size, rows, |ui, range| {
        for row in range {
            ui.horizontal(|ui| {
                for index in row * cols..((row + 1) * cols).min(view.items.len()) {
                    let item = &view.items[index];
                    let texture = thumbs.as_deref_mut().and_then(|t| t.get(item.id));
                    let name = item.name();
                    let tile = Tile {
                        name: &name,
                        texture: texture.as_ref(),
                        size,
                        selected: sel.contains(item.id),
                        focused: sel.focus == Some(index),
                        score: item.score,
                        show_score: settings.show_scores,
                    };
                    let r = ui.add(tile);
                    if item.more > 0 {
                        let badge = egui::Rect::from_min_size(
                            r.rect.right_top() + egui::vec2(-40.0, 4.0),
                            egui::vec2(36.0, 18.0),
                        );
                        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(badge));
                        let b = child.add(egui::Button::new(format!("+{}", item.more)).small());
                        if b.on_hover_text(format!("Show {} near-duplicates", item.more)).clicked() {
                            cmd = Command::ExpandGroup(item.id);
                        }
                    }
                    if r.clicked() {
                        let m = ui.input(|i| i.modifiers);
                        let mode = if m.shift {
                            SelectMode::Range
                        } else if m.command {
                            SelectMode::Toggle
                        } else {
                            SelectMode::Only
                        };
                        cmd = Command::Select { index, mode };
                    }
                    if r.double_clicked() {
                        cmd = Command::Open(item.path.clone());
                    }
                    r.context_menu(|ui| {
                        if let Some(c) = hand_off_menu(ui, &item.path) {
                            cmd = c;
                        }
                        if ui.button("Pin or unpin (Space)").clicked() {
                            cmd = Command::TogglePin(Some(item.path.clone()));
                        }
                    });
                }
            });
        }
    });
    cmd
}

fn keyboard(ui: &Ui, cols: usize) -> Command {
    if ui.ctx().egui_wants_keyboard_input() {
        return Command::None;
    }
    let cols = cols as isize;
    ui.input(|i| {
        let moves = [
            (Key::ArrowLeft, -1),
            (Key::ArrowRight, 1),
            (Key::ArrowUp, -cols),
            (Key::ArrowDown, cols),
        ];
        moves
            .iter()
            .find(|(k, _)| i.key_pressed(*k))
            .map_or(Command::None, |(_, d)| Command::MoveFocus(*d))
    })
}

/// The hand-off actions for one photo (tile context menu and preview panel share it).
pub fn hand_off_menu(ui: &mut Ui, path: &std::path::Path) -> Option<Command> {
    let p = || path.to_path_buf();
    let mut cmd = None;
    if ui.button("Copy image").clicked() {
        cmd = Some(Command::CopyImage(p()));
    }
    if ui.button("Copy path").clicked() {
        cmd = Some(Command::CopyPath(p()));
    }
    if ui.button("Open").clicked() {
        cmd = Some(Command::Open(p()));
    }
    if ui.button("Show in folder").clicked() {
        cmd = Some(Command::ShowInFolder(p()));
    }
    if ui.button("More like this").clicked() {
        cmd = Some(Command::MoreLikeThis(p()));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: i64) -> Vec<Item> {
        (0..n)
            .map(|i| Item {
                id: i + 10,
                path: format!("/p/{i}.jpg").into(),
                score: Some(1.0 - i as f32 / 10.0),
                more: 0,
            })
            .collect()
    }

    #[test]
    fn click_shift_ctrl() {
        let it = items(6);
        let mut s = Selection::default();
        s.click(1, SelectMode::Only, &it);
        s.click(4, SelectMode::Range, &it);
        assert_eq!(s.len(), 4);
        s.click(2, SelectMode::Toggle, &it);
        assert!(!s.contains(12));
        assert_eq!(s.len(), 3);
        s.move_focus(-5, it.len(), &it);
        assert_eq!((s.focus, s.len()), (Some(0), 1));
    }

    #[test]
    fn min_score_cuts_the_tail() {
        let it = items(10);
        assert_eq!(shown_len(&it, true, 0.55), 5);
        assert_eq!(shown_len(&it, false, 0.55), 10);
    }

    #[test]
    fn focus_follows_the_photo_after_reranking() {
        let mut it = items(5);
        let mut s = Selection::default();
        s.click(3, SelectMode::Only, &it);
        it.reverse();
        s.retain_existing(&it);
        assert_eq!(s.focus, Some(1));
    }
}
