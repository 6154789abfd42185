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
    app_harness_sized(data, [1200.0, 800.0])
}

/// The app in a window of `size` points.
pub fn app_harness_sized(data: &Path, size: [f32; 2]) -> Harness<'static, VignetteApp> {
    let config = tiny_config(data);
    Harness::builder().with_size(size).build_eframe(move |cc| {
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
        if t0.elapsed() >= timeout {
            let shown: Vec<String> = h
                .query_all_by(|n| n.label().is_some() || n.value().is_some())
                .filter_map(|n| n.accesskit_node().label().or(n.accesskit_node().value()))
                .collect();
            panic!("timed out after {timeout:?} waiting for: {what}; showing {shown:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub const WAIT: Duration = Duration::from_secs(20);

/// Names of the tiles in grid order.
pub fn tiles(h: &Harness<'_, VignetteApp>) -> Vec<String> {
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

pub fn has_label_containing(h: &Harness<'_, VignetteApp>, text: &str) -> bool {
    h.query_all_by(|n| n.label().is_some_and(|l| l.contains(text)) || n.value().is_some_and(|v| v.contains(text)))
        .next()
        .is_some()
}

/// Start the app on an empty data folder, drop a folder of colour photos, wait until all are in the grid.
pub fn indexed_app(data: &Path, photos: &Path) -> Harness<'static, VignetteApp> {
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

/// Open the Train window's advanced options and type 2 into "Epochs (most)".
pub fn at_most_two_epochs(h: &mut Harness<'_, VignetteApp>) {
    h.get_by_label("Advanced").click();
    h.step();
    h.step();
    h.get_by_role_and_label(Role::SpinButton, "Epochs (most)").click();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(Role::SpinButton, "Epochs (most)")
        .type_text("2");
    h.key_press(egui::Key::Enter);
    h.step();
}

pub fn type_query(h: &mut Harness<'_, VignetteApp>, text: &str) {
    let field = h.get_by_role_and_label(Role::TextInput, "Search");
    field.focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(Role::TextInput, "Search").type_text(text);
    h.step();
}

pub fn wait_ranked(h: &mut Harness<'_, VignetteApp>, first: &str) {
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
    // The summary lands with the job's last event, which may be drawn a frame after the tiles; a re-scan
    // queued behind the first run (the start-up scan under load) ends with "Up to date" instead.
    step_until(&mut h, "the status bar reports the finished run", WAIT, |h| {
        has_label_containing(h, "Indexed 4 photos") || has_label_containing(h, "Up to date (4 photos unchanged)")
    });
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
    let selected = |h: &Harness<'_, VignetteApp>| -> Vec<String> {
        h.query_all_by_role(Role::ListBoxOption)
            .filter(|n| is_selected(&n.accesskit_node()))
            .filter_map(|n| n.accesskit_node().label())
            .collect()
    };
    // Without a prompt the grid is in index order, which parallel decoding varies from run to run:
    // move towards a neighbour that exists (green.png may be the last tile).
    let order: Vec<String> = h
        .query_all_by_role(Role::ListBoxOption)
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    let key = if order.last().is_some_and(|l| l == "green.png") {
        egui::Key::ArrowLeft
    } else {
        egui::Key::ArrowRight
    };
    h.key_press(key);
    step_until(&mut h, "the selection to move", WAIT, |h| selected(h) != ["green.png"]);
    let now = selected(&h);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now[0], "green.png");
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

/// Replace the text of the field named `label`.
pub fn fill(h: &mut Harness<'_, VignetteApp>, label: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, label).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(Role::TextInput, label).type_text(text);
    h.step();
}

/// Ten solid-colour photos and a JSON Lines caption file for them (two captions for red), plus a line naming
/// a photo that does not exist.
pub fn caption_file(dir: &Path) -> PathBuf {
    let photos: [(&str, [u8; 3], &[&str]); 10] = [
        ("red", [230, 20, 20], &["red", "crimson"]),
        ("green", [20, 200, 30], &["green grass"]),
        ("blue", [20, 30, 230], &["blue sky"]),
        ("yellow", [240, 230, 20], &["yellow sun"]),
        ("cyan", [20, 220, 220], &["cyan water"]),
        ("magenta", [220, 20, 220], &["magenta flower"]),
        ("white", [245, 245, 245], &["white snow"]),
        ("black", [10, 10, 10], &["black night"]),
        ("orange", [240, 140, 20], &["orange fruit"]),
        ("grey", [128, 128, 128], &["grey stone"]),
    ];
    let mut lines = Vec::new();
    for (name, rgb, captions) in photos {
        image::RgbImage::from_pixel(16, 16, image::Rgb(rgb))
            .save(dir.join(format!("{name}.png")))
            .expect("write photo");
        for c in captions {
            lines.push(format!(r#"{{"image": "{name}.png", "caption": "{c}"}}"#));
        }
    }
    lines.push(r#"{"image": "purple.png", "caption": "purple plum"}"#.to_owned());
    let path = dir.join("captions.jsonl");
    std::fs::write(&path, lines.join("\n")).expect("write captions");
    path
}

/// Scroll the widget into view (the training window scrolls), then click it.
pub fn click_into_view(h: &mut Harness<'_, VignetteApp>, role: Role, label: &str) {
    h.get_by_role_and_label(role, label).scroll_to_me();
    h.step();
    h.step();
    h.get_by_role_and_label(role, label).click();
    h.step();
}

fn open_training(h: &mut Harness<'_, VignetteApp>, captions: &Path) {
    h.get_by_role_and_label(Role::Button, "Train…").click();
    step_until(h, "the training window", WAIT, |h| {
        h.query_by_role_and_label(Role::TextInput, "Caption file or folder")
            .is_some()
    });
    fill(h, "Caption file or folder", &captions.display().to_string());
    h.get_by_role_and_label(Role::Button, "Load").click();
    h.step();
}

#[test]
fn training_panel_trains_compares_and_applies_a_head() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let captions = caption_file(photos.path());
    // Tall enough for the whole training window (it scrolls on smaller screens).
    let mut h = app_harness_sized(data.path(), [1280.0, 1600.0]);
    open_training(&mut h, &captions);
    step_until(&mut h, "the caption set's statistics", WAIT, |h| {
        has_label_containing(h, "10 photos") && has_label_containing(h, "11 captions")
    });
    assert!(has_label_containing(&h, "1.1 on average (1 to 2)"));
    assert!(has_label_containing(&h, "1 missing"));
    assert!(
        has_label_containing(&h, "purple.png: image file not found"),
        "the missing photo is listed with its reason"
    );
    assert!(has_label_containing(
        &h,
        "20% of the photos is held out as the test part"
    ));
    // At most two epochs, typed into the advanced options.
    at_most_two_epochs(&mut h);
    fill(&mut h, "Head name", "test-head");
    step_until(&mut h, "the model pack to open", WAIT, |h| {
        h.query_by_role_and_label(Role::Button, "Train")
            .is_some_and(|b| !b.accesskit_node().is_disabled())
    });
    click_into_view(&mut h, Role::Button, "Train");
    step_until(&mut h, "the before/after table", Duration::from_secs(120), |h| {
        has_label_containing(h, "Blend weight") || has_label_containing(h, "Training failed")
    });
    let failure: Vec<String> = h
        .query_all_by(|n| n.label().is_some_and(|l| l.contains("Training failed")))
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert!(failure.is_empty(), "{failure:?}");
    for row in ["Zero-shot", "Head alone", "Blend", "R@1", "R@10", "Median rank"] {
        assert!(has_label_containing(&h, row), "the table has {row}");
    }
    assert!(
        has_label_containing(&h, "Trained on 8 photos, tested on 2 photos"),
        "20% of the ten photos are the test part"
    );
    assert!(
        has_label_containing(&h, "kept epoch 1 of 2") || has_label_containing(&h, "kept epoch 2 of 2"),
        "two epochs at most were run"
    );
    assert!(
        h.query_by_label("Training loss per epoch").is_some(),
        "the loss plot is shown"
    );
    h.check_accessibility();

    click_into_view(&mut h, Role::Button, "Save and apply");
    step_until(&mut h, "the saved head's path", WAIT, |h| {
        has_label_containing(h, "Saved head")
    });
    let file = data.path().join("packs/tiny-aligned/heads/test-head.safetensors");
    assert!(file.is_file(), "{} was written", file.display());
    assert!(has_label_containing(&h, &file.display().to_string()));
    // The app re-opened the engine on the pack copy that holds the head.
    step_until(&mut h, "search to use the new head", WAIT, |h| {
        has_label_containing(h, "Search uses head “test-head” of pack tiny-aligned")
    });
    assert_eq!(h.state().settings.pack.as_deref(), Some("tiny-aligned"));
}

#[test]
fn a_broken_caption_file_shows_its_line() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let captions = photos.path().join("broken.jsonl");
    std::fs::write(
        &captions,
        "{\"image\": \"a.png\", \"caption\": \"fine\"}\n{\"image\": \"b.png\", \"caption\": oops}\n",
    )
    .expect("write");
    let mut h = app_harness(data.path());
    open_training(&mut h, &captions);
    step_until(&mut h, "the caption file's error", WAIT, |h| {
        has_label_containing(h, "Cannot read the caption set")
    });
    assert!(has_label_containing(&h, "(line 2)"), "the error names the line");
    assert!(has_label_containing(&h, "broken.jsonl"), "the error names the file");
    assert!(
        h.query_by_role_and_label(Role::Button, "Train")
            .is_some_and(|b| b.accesskit_node().is_disabled()),
        "nothing to train on"
    );
}

#[test]
fn training_with_a_split_file_tests_on_its_test_subset() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let captions = caption_file(photos.path());
    let split = photos.path().join("split.json");
    std::fs::write(
        &split,
        r#"{"note": "not a list, ignored",
            "train": ["green.png", "yellow.png", "cyan.png", "magenta.png", "white.png", "black.png", "orange.png"],
            "test": ["red.png", "blue.png", "grey.png"]}"#,
    )
    .expect("write split");
    let mut h = app_harness_sized(data.path(), [1280.0, 1600.0]);
    open_training(&mut h, &captions);
    step_until(&mut h, "the caption set's statistics", WAIT, |h| {
        has_label_containing(h, "10 photos")
    });
    fill(&mut h, "Split file (optional)", &split.display().to_string());
    h.get_by_role_and_label(Role::Button, "Load split").click();
    step_until(&mut h, "the subset choosers", WAIT, |h| {
        h.query_by_role_and_label(Role::ComboBox, "Test on").is_some()
    });
    assert!(!has_label_containing(&h, "held out as the test part"));
    step_until(&mut h, "the model pack to open", WAIT, |h| {
        h.query_by_role_and_label(Role::Button, "Train")
            .is_some_and(|b| !b.accesskit_node().is_disabled())
    });
    click_into_view(&mut h, Role::Button, "Train");
    step_until(&mut h, "the before/after table", Duration::from_secs(120), |h| {
        has_label_containing(h, "Blend weight") || has_label_containing(h, "Training failed")
    });
    assert!(
        has_label_containing(&h, "Trained on 7 photos, tested on 3 photos (4 captions)"),
        "the split's subsets are used (red has two captions)"
    );
}

/// The desktop app and a command-line indexer on one data folder: while another process holds the index's
/// write lock (as `vignette index` does for its whole run), the app's indexing says "busy" plainly, keeps
/// the window usable, and indexes normally once the lock is gone.
#[test]
fn indexing_while_another_indexer_runs_says_busy_then_works() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    colour_photos(photos.path());
    let index = vignette::engine::Engine::open(tiny_config(data.path()))
        .expect("engine")
        .index_path();
    std::fs::create_dir_all(index.parent().expect("indexes folder")).expect("mkdir");
    let held = vignette::files::WriteLock::for_index(&index, "indexing").expect("lock");
    let mut h = app_harness(data.path());
    step_until(&mut h, "the empty-library hint", WAIT, |h| {
        has_label_containing(h, "Add a photo folder")
    });
    drop_path(&mut h, photos.path());
    step_until(&mut h, "a busy message from the indexing job", WAIT, |h| {
        has_label_containing(h, "busy: another Vignette")
    });
    assert!(tiles(&h).is_empty(), "nothing was indexed under someone else's lock");
    h.check_accessibility();
    drop(held);
    drop_path(&mut h, photos.path());
    step_until(&mut h, "four tiles once the other indexer is gone", WAIT, |h| {
        tiles(h).len() == 4 && !h.state().indexing()
    });
}
