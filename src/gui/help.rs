//! The keyboard help overlay (F1 or `?`): the shortcut table from [`super::keys`], nothing else to keep
//! in step.

use super::keys::SHORTCUTS;

/// Draw the help window while `open`; Esc or its close button hides it.
pub fn window(ctx: &egui::Context, open: &mut bool) {
    if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        *open = false;
    }
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for (keys, what) in SHORTCUTS {
                    ui.strong(keys);
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
}
