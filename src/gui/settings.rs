//! The settings window: model pack, execution provider, threads and the data folder.
//!
//! Engine choices take effect by opening the engine again (each pack has its own index, so switching
//! packs shows that pack's photos). The provider line is honest: it shows what the last indexing run
//! reported (including a CPU fallback and why), not what was asked for.

use crate::config::{Config, DEFAULT_PACK};
use crate::engine::Engine;
use crate::model::runtime::Provider;

use super::command::Command;
use super::state::Settings;

/// What the window shows.
pub struct View<'a> {
    pub config: Config,
    pub packs: &'a [String],
    pub provider_note: Option<&'a str>,
    pub engine: Option<&'a Engine>,
    pub engine_error: Option<&'a str>,
}

const PROVIDERS: [(Provider, &str); 6] = [
    (Provider::Auto, "Auto (best available)"),
    (Provider::Cpu, "CPU"),
    (Provider::Cuda, "CUDA"),
    (Provider::TensorRt, "TensorRT"),
    (Provider::CoreMl, "Core ML"),
    (Provider::DirectMl, "DirectML"),
];

/// Draw the window while it is open.
pub fn window(ctx: &egui::Context, view: &View<'_>, settings: &mut Settings) -> Command {
    let mut cmd = Command::None;
    let mut open = settings.show_settings;
    egui::Window::new("Settings")
        .open(&mut open)
        .default_width(420.0)
        .show(ctx, |ui| {
            egui::Grid::new("settings-grid")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    if let c @ Command::ReopenEngine = pack_rows(ui, view, settings) {
                        cmd = c;
                    }

                    let label = ui.label("Execution provider");
                    let mut provider = view.config.provider;
                    let name = PROVIDERS.iter().find(|(p, _)| *p == provider).map_or("?", |(_, n)| n);
                    egui::ComboBox::from_id_salt("provider")
                        .selected_text(name)
                        .show_ui(ui, |ui| {
                            for (p, n) in PROVIDERS {
                                ui.selectable_value(&mut provider, p, n);
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    if provider != view.config.provider {
                        settings.provider = Some(provider);
                        cmd = Command::ReopenEngine;
                    }
                    ui.end_row();

                    ui.label("In use");
                    ui.label(
                        view.provider_note
                            .unwrap_or("Not known yet: shown once photos are being indexed"),
                    );
                    ui.end_row();

                    ui.label("Threads");
                    let mut threads = view.config.threads;
                    let r = ui.add(egui::DragValue::new(&mut threads).range(0..=256).prefix("threads "));
                    ui.end_row();
                    if threads != view.config.threads {
                        settings.threads = Some(threads);
                    }
                    if r.drag_stopped() || (r.changed() && !r.dragged()) {
                        cmd = Command::ReopenEngine;
                    }

                    ui.label("");
                    ui.weak("0 uses every core");
                    ui.end_row();

                    ui.label("Data folder");
                    ui.horizontal(|ui| {
                        ui.label(view.config.data_dir.display().to_string());
                        if ui.button("Change…").clicked() {
                            cmd = Command::PickDataDir;
                        }
                    });
                    ui.end_row();
                });
        });
    settings.show_settings = open;
    cmd
}

/// The pack chooser and a line about the open pack.
fn pack_rows(ui: &mut egui::Ui, view: &View<'_>, settings: &mut Settings) -> Command {
    let mut cmd = Command::None;
    let label = ui.label("Model pack");
    let mut packs: Vec<String> = std::iter::once(DEFAULT_PACK.to_owned())
        .chain(view.packs.iter().cloned())
        .collect();
    if !packs.contains(&view.config.pack) {
        packs.push(view.config.pack.clone());
    }
    let mut pack = view.config.pack.clone();
    egui::ComboBox::from_id_salt("pack")
        .selected_text(&pack)
        .show_ui(ui, |ui| {
            for p in &packs {
                ui.selectable_value(&mut pack, p.clone(), p);
            }
        })
        .response
        .labelled_by(label.id);
    if pack != view.config.pack {
        settings.pack = Some(pack);
        cmd = Command::ReopenEngine;
    }
    ui.end_row();

    ui.label("");
    match (view.engine, view.engine_error) {
        (Some(e), _) => {
            let m = &e.pack.manifest;
            ui.weak(format!("{} · version {} · licence {}", m.title, m.version, m.licence));
        }
        (None, Some(err)) => {
            ui.colored_label(super::theme::error(ui.visuals()), err);
        }
        (None, None) => {
            ui.weak("Opening…");
        }
    }
    ui.end_row();
    cmd
}
