//! Look: a few colours shared by the tiles, and the app-wide style tweaks, in one place.

use egui::{Color32, Visuals};

/// Set the app-wide style once at start.
pub fn apply(ctx: &egui::Context) {
    ctx.global_style_mut(|s| {
        s.spacing.item_spacing = egui::vec2(6.0, 6.0);
    });
}

/// Behind a tile's photo.
pub fn tile_background(v: &Visuals) -> Color32 {
    if v.dark_mode {
        Color32::from_gray(32)
    } else {
        Color32::from_gray(228)
    }
}

/// The placeholder square while a thumbnail loads.
pub fn placeholder(v: &Visuals) -> Color32 {
    if v.dark_mode {
        Color32::from_gray(48)
    } else {
        Color32::from_gray(210)
    }
}

/// Text colour of an error line.
pub fn error(v: &Visuals) -> Color32 {
    v.error_fg_color
}
