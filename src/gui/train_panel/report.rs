//! The lower half of the training window: the live per-epoch plot, the before/after table on the test
//! part, and saving the head.
//!
//! Loss and recall live on different scales (a loss of a few units, recall in percent), so they get two
//! plots side by side rather than one plot with a second axis. The table shows the *test* part (never
//! seen by training, early stopping or the blend choice); the blend weight shown is the one saved.

use std::sync::Arc;

use egui::{Role, Ui, WidgetInfo};
use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::engine::Engine;
use crate::train::metrics::Recall;

use super::TrainPanel;
use crate::gui::command::Command;
use crate::gui::theme;

/// Draw the plot, the table and the save row for `panel`.
pub(super) fn ui(ui: &mut Ui, panel: &mut TrainPanel, engine: Option<&Arc<Engine>>) -> Command {
    let mut cmd = Command::None;
    if !panel.history.is_empty() {
        ui.separator();
        plots(ui, panel);
    }
    if let Some(t) = &panel.trained {
        ui.separator();
        ui.heading("Before and after, on the test part");
        ui.label(format!(
            "Trained on {} photos, tested on {} photos ({} captions); kept epoch {} of {}",
            t.train_photos,
            t.test_photos,
            t.test_captions,
            t.outcome.best_epoch,
            t.outcome.history.len()
        ));
        egui::Grid::new("before-after")
            .num_columns(5)
            .striped(true)
            .show(ui, |ui| {
                for h in ["Text to image", "R@1", "R@5", "R@10", "Median rank"] {
                    ui.strong(h);
                }
                ui.end_row();
                for (name, r) in [
                    ("Zero-shot", &t.test.zero_shot.text_to_image),
                    ("Head alone", &t.test.head.text_to_image),
                    ("Blend", &t.test.blend.text_to_image),
                ] {
                    recall_row(ui, name, r);
                }
            });
        ui.label(format!(
            "Blend weight {:.2}: search scores {:.2} × head + {:.2} × zero-shot (chosen on a validation part of the training photos)",
            t.test.blend_weight,
            t.test.blend_weight,
            1.0 - t.test.blend_weight
        ));
        if let Some(e) = &t.effect {
            ui.label(format!(
                "On {} photos you did not caption, {:.0}% of the top 10 stay the same for your captions",
                e.photos,
                100.0 * e.top10_kept
            ));
            if let Some(w) = e.warning() {
                ui.colored_label(theme::error(ui.visuals()), w);
            }
        }
        if !t.left_out.is_empty() {
            ui.weak(format!(
                "{} photos could not be used and were left out",
                t.left_out.len()
            ));
        }
        ui.horizontal(|ui| {
            let enabled = !panel.saving && !panel.running();
            ui.checkbox(
                &mut panel.only_captioned_folders,
                "Only in the captioned photos' folders",
            );
            if ui.add_enabled(enabled, egui::Button::new("Save and apply")).clicked() {
                cmd = panel.save();
            }
            if panel.saving {
                ui.spinner();
                ui.label("Saving…");
            }
        });
    }
    match &panel.saved {
        Some(Ok(s)) => {
            ui.label(format!("Saved head “{}” to {}", s.name, s.file.display()));
        }
        Some(Err(e)) => {
            ui.colored_label(theme::error(ui.visuals()), format!("Cannot save the head: {e}"));
        }
        None => {}
    }
    if let Some(e) = engine {
        match &e.pack.manifest.head {
            Some(h) => ui.weak(format!(
                "Search uses head “{}” of pack {} (blend {:.2})",
                h.name, e.pack.manifest.name, h.blend
            )),
            None => ui.weak(format!(
                "Search uses pack {} without a trained head",
                e.pack.manifest.name
            )),
        };
    }
    cmd
}

fn recall_row(ui: &mut Ui, name: &str, r: &Recall) {
    ui.label(name);
    for v in [r.r1, r.r5, r.r10] {
        ui.label(format!("{v:.1}%"));
    }
    ui.label(format!("{}", r.median_rank));
    ui.end_row();
}

fn plots(ui: &mut Ui, panel: &TrainPanel) {
    let h = &panel.history;
    let series = |f: &dyn Fn(&crate::train::EpochReport) -> f64| -> PlotPoints<'static> {
        h.iter().map(|r| [r.epoch as f64, f(r)]).collect()
    };
    let width = (ui.available_width() / 2.0 - 8.0).max(120.0);
    ui.horizontal(|ui| {
        let loss = Plot::new("train-loss-plot")
            .width(width)
            .height(160.0)
            .x_axis_label("epoch")
            .include_y(0.0)
            .allow_scroll(false)
            .legend(Legend::default())
            .show(ui, |p| p.line(Line::new("Training loss", series(&|r| r.train_loss))));
        loss.response
            .widget_info(|| WidgetInfo::labeled(Role::Figure, true, "Training loss per epoch"));
        let recall = Plot::new("train-recall-plot")
            .width(width)
            .height(160.0)
            .x_axis_label("epoch")
            .include_y(0.0)
            .include_y(100.0)
            .allow_scroll(false)
            .legend(Legend::default())
            .show(ui, |p| {
                p.line(Line::new("R@1", series(&|r| r.validation.text_to_image.r1)));
                p.line(Line::new("R@5", series(&|r| r.validation.text_to_image.r5)));
                p.line(Line::new("R@10", series(&|r| r.validation.text_to_image.r10)));
            });
        recall
            .response
            .widget_info(|| WidgetInfo::labeled(Role::Figure, true, "Validation text-to-image recall per epoch"));
    });
    if let Some(last) = h.last() {
        let r = &last.validation.text_to_image;
        ui.weak(format!(
            "Epoch {}: loss {:.4}, validation text to image R@1 {:.1}%, R@5 {:.1}%, R@10 {:.1}% ({:.1} s)",
            last.epoch,
            last.train_loss,
            r.r1,
            r.r5,
            r.r10,
            last.elapsed.as_secs_f64()
        ));
    }
}
