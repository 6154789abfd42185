//! The "Skipped files" window: every file that could not be indexed and why, from the index (so it
//! survives a restart and lists each bad file once, not once per scan).

use crate::index::SkippedFile;

/// Draw the window while `open`.
pub fn window(ctx: &egui::Context, skipped: &[SkippedFile], open: &mut bool) {
    egui::Window::new("Skipped files")
        .open(open)
        .default_size([560.0, 320.0])
        .show(ctx, |ui| {
            if skipped.is_empty() {
                ui.weak("Every photo found was indexed");
                return;
            }
            ui.label(format!("{} files could not be indexed", skipped.len()));
            let row_h = ui.text_style_height(&egui::TextStyle::Body);
            egui::ScrollArea::both()
                .id_salt("skipped")
                .auto_shrink([false, false])
                .show_rows(ui, row_h, skipped.len(), |ui, range| {
                    for s in &skipped[range] {
                        ui.horizontal(|ui| {
                            ui.label(s.path.display().to_string());
                            ui.weak(&s.reason);
                        });
                    }
                });
        });
}
