//! GUI tests: the real app in an egui_kittest harness (no GPU, no window), driven by accessible roles and
//! names, with the tiny colour pack and solid-colour photos so rankings are known in advance.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use vignette::config::Config;
use vignette::gui::VignetteApp;
use vignette::gui::state::Settings;
use vignette::model::runtime::Provider;

/// The tiny colour pack: "red" ranks red photos first.
pub fn tiny_config(data: &Path) -> Config {
    Config {
        data_dir: data.to_path_buf(),
        pack: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/packs/tiny-aligned").to_owned(),
        provider: Provider::Cpu,
        threads: 2,
    }
}

/// Solid-colour 16×16 PNGs named after their colour.
pub fn colour_photos(dir: &Path) -> Vec<PathBuf> {
    let colours = [
        ("red", [230, 20, 20]),
        ("green", [20, 200, 30]),
        ("blue", [20, 30, 230]),
        ("yellow", [240, 230, 20]),
    ];
    colours
        .iter()
        .map(|(name, rgb)| {
            let path = dir.join(format!("{name}.png"));
            image::RgbImage::from_pixel(16, 16, image::Rgb(*rgb))
                .save(&path)
                .expect("write photo");
            path
        })
        .collect()
}

/// A file or folder dropped onto the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

pub fn drop_path(h: &mut Harness<'_, VignetteApp>, path: &Path) {
    h.input_mut().dropped_files.push(Arc::new(Dropped(path.to_path_buf())));
}

pub fn app_harness(data: &Path) -> Harness<'static, VignetteApp> {
    let config = tiny_config(data);
    Harness::builder().with_size([1200.0, 800.0]).build_eframe(move |cc| {
        VignetteApp::with_settings(
            &cc.egui_ctx,
            config,
            Settings {
                show_scores: true,
                ..Settings::default()
            },
        )
    })
}

/// Step the harness until `cond` holds, failing after `timeout`.
pub fn step_until<'a>(
    h: &mut Harness<'a, VignetteApp>,
    what: &str,
    timeout: Duration,
    cond: impl Fn(&Harness<'a, VignetteApp>) -> bool,
) {
    let t0 = Instant::now();
    loop {
        h.step();
        if cond(h) {
            return;
        }
        assert!(
            t0.elapsed() < timeout,
            "timed out after {timeout:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

const WAIT: Duration = Duration::from_secs(20);

/// Names of the tiles in grid order.
fn tiles(h: &Harness<'_, VignetteApp>) -> Vec<String> {
    h.query_all_by_role(Role::ListBoxOption)
        .filter_map(|n| n.accesskit_node().label())
        .collect()
}

fn tile_scores(h: &Harness<'_, VignetteApp>) -> Vec<f64> {
    h.query_all_by_role(Role::ListBoxOption)
        .filter_map(|n| n.accesskit_node().numeric_value())
        .collect()
}

/// egui reports a selected tile as toggled on.
fn is_selected(n: &egui_kittest::kittest::AccessKitNode<'_>) -> bool {
    n.toggled() == Some(egui::accesskit::Toggled::True)
}

fn has_label_containing(h: &Harness<'_, VignetteApp>, text: &str) -> bool {
    h.query_all_by(|n| n.label().is_some_and(|l| l.contains(text)) || n.value().is_some_and(|v| v.contains(text)))
        .next()
        .is_some()
}

/// Start the app on an empty data folder, drop a folder of colour photos, wait until all are in the grid.
fn indexed_app(data: &Path, photos: &Path) -> Harness<'static, VignetteApp> {
    colour_photos(photos);
    let mut h = app_harness(data);
    step_until(&mut h, "the empty-library hint", WAIT, |h| {
        has_label_containing(h, "Add a photo folder")
    });
    drop_path(&mut h, photos);
    step_until(&mut h, "indexing progress with a Cancel button", WAIT, |h| {
        h.query_by_role_and_label(Role::Button, "Cancel").is_some()
    });
    step_until(&mut h, "four tiles after indexing", WAIT, |h| {
        tiles(h).len() == 4 && !h.state().indexing()
    });
    h
}

fn type_query(h: &mut Harness<'_, VignetteApp>, text: &str) {
    let field = h.get_by_role_and_label(Role::TextInput, "Search");
    field.focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(Role::TextInput, "Search").type_text(text);
    h.step();
}

fn wait_ranked(h: &mut Harness<'_, VignetteApp>, first: &str) {
    step_until(h, &format!("{first} ranked first"), WAIT, |h| {
        !h.state().search.ranking && tiles(h).first().map(String::as_str) == Some(first)
    });
}

#[test]
fn adding_a_folder_shows_progress_then_results() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let mut h = indexed_app(data.path(), photos.path());
    let mut names = tiles(&h);
    names.sort();
    assert_eq!(names, ["blue.png", "green.png", "red.png", "yellow.png"]);
    assert!(
        has_label_containing(&h, "Indexed 4 photos"),
        "the status bar reports the finished run"
    );
    assert!(has_label_containing(&h, "4 photos"), "the folder shows its photo count");
    h.check_accessibility();
    // The settings window reports the provider the indexing run actually used.
    h.get_by_role_and_label(Role::Button, "Settings").click();
    h.step();
    h.step();
    assert!(
        has_label_containing(&h, "encoding on CPU"),
        "the settings show the provider in use"
    );
    h.check_accessibility();
}

#[test]
fn typing_reranks_live() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let mut h = indexed_app(data.path(), photos.path());
    type_query(&mut h, "red");
    wait_ranked(&mut h, "red.png");
    let scores = tile_scores(&h);
    assert_eq!(scores.len(), 4, "every tile carries its score");
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "tiles are best first: {scores:?}"
    );
    type_query(&mut h, "blue");
    wait_ranked(&mut h, "blue.png");
    assert_eq!(
        h.state().search.query,
        "blue",
        "select-all then typing replaced the query"
    );
    h.check_accessibility();
}

#[test]
fn clicking_a_tile_selects_it_and_previews_its_path() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let mut h = indexed_app(data.path(), photos.path());
    h.get_by_role_and_label(Role::ListBoxOption, "green.png").click();
    // One frame takes the click (the command applies at its end), the next draws the new state.
    h.step();
    h.step();
    let tile = h.get_by_role_and_label(Role::ListBoxOption, "green.png");
    assert!(is_selected(&tile.accesskit_node()), "the clicked tile is selected");
    let path = std::fs::canonicalize(photos.path().join("green.png")).expect("canonical");
    let shown = path.display().to_string();
    step_until(&mut h, "the preview's size line", WAIT, |h| {
        has_label_containing(h, "16 × 16 px")
    });
    assert!(has_label_containing(&h, &shown), "the preview shows {shown}");
    // Arrow keys move the selection (the search field does not have the keyboard).
    h.key_press(egui::Key::ArrowRight);
    h.step();
    h.step();
    let selected: Vec<String> = h
        .query_all_by_role(Role::ListBoxOption)
        .filter(|n| is_selected(&n.accesskit_node()))
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert_eq!(selected.len(), 1);
    assert_ne!(selected[0], "green.png");
}

#[test]
fn minimum_score_slider_hides_low_scores() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let mut h = indexed_app(data.path(), photos.path());
    type_query(&mut h, "red");
    wait_ranked(&mut h, "red.png");
    let scores = tile_scores(&h);
    let target = (scores[0] + scores[1]) / 2.0;
    // Click the slider's rail where `target` lies (the rail is inset by the handle's radius).
    let rect = h.get_by_role_and_label(Role::Slider, "Minimum score").rect();
    let r = rect.height() / 2.5;
    let x = rect.left() + r + ((target + 1.0) / 2.0) as f32 * (rect.width() - 2.0 * r);
    let pos = egui::pos2(x, rect.center().y);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.step();
    h.step();
    let min = h.state().settings.min_score;
    assert!(
        f64::from(min) <= scores[0] && f64::from(min) > scores[1],
        "slider set to {min}, scores {scores:?}"
    );
    assert_eq!(tiles(&h), ["red.png"], "only the photo above the minimum stays");
}

#[test]
fn missing_folder_shows_an_error() {
    let data = tempfile::tempdir().expect("tmp");
    let mut h = app_harness(data.path());
    let missing = data.path().join("no-such-folder");
    drop_path(&mut h, &missing);
    step_until(&mut h, "an error naming the missing folder", WAIT, |h| {
        has_label_containing(h, "folder not found")
    });
    assert!(has_label_containing(&h, &missing.display().to_string()));
    assert!(!h.state().indexing());
}
