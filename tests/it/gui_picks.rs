//! GUI tests of the writer's workflow: picks that survive prompts and restarts, exporting a shortlist,
//! the keyboard shortcuts and help, captions typed in the preview.

use std::path::Path;

use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use vignette::gui::VignetteApp;
use vignette::workspace::notes::Notes;

use crate::gui::{
    WAIT, app_harness, drop_path, fill, has_label_containing, indexed_app, step_until, tiles, type_query, wait_ranked,
};

/// Click the tile `name`, then pin it with Space.
fn pin(h: &mut Harness<'_, VignetteApp>, name: &str) {
    h.get_by_role_and_label(Role::ListBoxOption, name).click();
    h.step();
    h.step();
    h.key_press(egui::Key::Space);
    let label = format!("Picked {name}");
    step_until(h, &format!("{name} in the tray"), WAIT, |h| {
        has_label_containing(h, &label)
    });
}

/// Click the button `label` until `done` holds: the tray grows while the store's first snapshot and the
/// thumbnails land, and a click aimed at last frame's position can miss.
fn click_until(h: &mut Harness<'_, VignetteApp>, label: &str, done: impl Fn(&Harness<'_, VignetteApp>) -> bool) {
    let t0 = std::time::Instant::now();
    while !done(h) {
        assert!(t0.elapsed() < WAIT, "clicking {label} never took effect");
        // Absent means it took effect between the check and the query (a pick removed).
        let Some(button) = h.query_by_role_and_label(Role::Button, label) else {
            h.step();
            continue;
        };
        button.click();
        for _ in 0..40 {
            h.step();
            if done(h) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

fn canonical(dir: &Path, name: &str) -> std::path::PathBuf {
    std::fs::canonicalize(dir.join(name)).expect("canonical")
}

#[test]
fn a_pick_survives_a_new_prompt_and_a_restart() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let mut h = indexed_app(data.path(), photos.path());
    type_query(&mut h, "red");
    wait_ranked(&mut h, "red.png");
    pin(&mut h, "red.png");
    type_query(&mut h, "blue");
    wait_ranked(&mut h, "blue.png");
    assert!(
        has_label_containing(&h, "Picked red.png"),
        "the pick outlives the prompt"
    );
    pin(&mut h, "blue.png");
    // Reorder with the arrow button: blue first.
    click_until(&mut h, "Move blue.png left", |h| {
        h.state()
            .workspace
            .notes()
            .list("Picks")
            .is_some_and(|l| l.picks[0].path.ends_with("blue.png"))
    });
    h.check_accessibility();
    drop(h);

    let notes = Notes::open(data.path()).expect("the store is on disk");
    let list = &notes.shortlists().expect("lists")[0];
    assert_eq!(list.name, "Picks");
    assert_eq!(list.picks[1].path, canonical(photos.path(), "red.png"));
    assert_eq!(list.picks[1].prompt, "red", "the prompt it was found with");
    assert!(list.picks[1].score.is_some());
    drop(notes);

    let mut h = app_harness(data.path());
    step_until(&mut h, "the picks after a restart", WAIT, |h| {
        has_label_containing(h, "Picked red.png") && has_label_containing(h, "Picked blue.png")
    });
    click_until(&mut h, "Remove blue.png", |h| {
        !has_label_containing(h, "Picked blue.png")
    });
    assert!(has_label_containing(&h, "Picked red.png"));
}

#[test]
fn exporting_the_picks_writes_the_files_and_the_csv() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let out = tempfile::tempdir().expect("tmp");
    let mut h = indexed_app(data.path(), photos.path());
    type_query(&mut h, "green");
    wait_ranked(&mut h, "green.png");
    pin(&mut h, "green.png");
    pin(&mut h, "yellow.png");
    let dir = out.path().join("chapter 1");
    fill(&mut h, "Export to", &dir.display().to_string());
    // Leave the field, then export from the keyboard.
    h.key_press(egui::Key::Escape);
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    step_until(&mut h, "the export notice", WAIT, |h| {
        has_label_containing(h, "Exported 2 photos")
    });
    assert!(dir.join("green.png").is_file() && dir.join("yellow.png").is_file());
    let csv = std::fs::read_to_string(dir.join("picks.csv")).expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].starts_with("green.png,"), "{csv}");
    assert!(lines[1].contains(",green,"), "the prompt is in the CSV: {csv}");
    assert!(lines[1].ends_with(",16,16"), "pixel size: {csv}");
    // Copy paths puts both on the clipboard.
    h.get_by_role_and_label(Role::Button, "Copy paths").click();
    step_until(&mut h, "the copy notice", WAIT, |h| {
        has_label_containing(h, "Copied 2 paths")
    });
}

#[test]
fn shortcuts_focus_the_prompt_and_open_the_help() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let mut h = indexed_app(data.path(), photos.path());
    h.key_press(egui::Key::F1);
    step_until(&mut h, "the help overlay", WAIT, |h| {
        has_label_containing(h, "Keyboard shortcuts")
    });
    assert!(has_label_containing(&h, "Pin the selected photo"));
    h.check_accessibility();
    h.key_press(egui::Key::Escape);
    step_until(&mut h, "the help closes", WAIT, |h| !h.state().show_help);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    h.step();
    h.step();
    h.get_by_role_and_label(Role::TextInput, "Search").type_text("green");
    h.step();
    wait_ranked(&mut h, "green.png");
    // Arrows then Space pick without the mouse once the field lets go of the keyboard.
    h.key_press(egui::Key::Escape);
    h.step();
    h.key_press(egui::Key::ArrowDown);
    h.step();
    h.key_press(egui::Key::Space);
    step_until(&mut h, "a pick made from the keyboard", WAIT, |h| {
        h.state()
            .workspace
            .notes()
            .list("Picks")
            .is_some_and(|l| l.picks.len() == 1)
    });
}

#[test]
fn captions_typed_in_the_preview_train_a_head() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    // Ten colour photos (the caption file beside them is not used: the captions are typed).
    crate::gui::caption_file(photos.path());
    let mut h = crate::gui::app_harness_sized(data.path(), [1280.0, 1600.0]);
    drop_path(&mut h, photos.path());
    step_until(&mut h, "ten tiles", WAIT, |h| {
        tiles(h).len() == 10 && !h.state().indexing()
    });
    for name in tiles(&h) {
        h.get_by_role_and_label(Role::ListBoxOption, &name).click();
        h.step();
        h.step();
        let colour = name.trim_end_matches(".png").to_owned();
        // The preview has loaded (its layout no longer moves) once the pixel size shows.
        step_until(&mut h, "the preview of {name}", WAIT, |h| {
            has_label_containing(h, "16 × 16 px")
        });
        fill(&mut h, "New caption", &format!("something {colour}"));
        h.key_press(egui::Key::Enter);
        let shown = format!("something {colour}");
        step_until(&mut h, &format!("the caption of {name} stored"), WAIT, |h| {
            h.state().workspace.notes().captions.iter().any(|c| c.text == shown)
        });
        let notes = h.state().workspace.notes();
        let c = notes.captions.iter().find(|c| c.text == shown).expect("stored");
        assert!(
            c.path.ends_with(&name),
            "{shown} belongs to {name}: {:?}",
            notes.captions
        );
    }
    let notes = Notes::open(data.path()).expect("store");
    assert_eq!(
        notes.captions().expect("captions").len(),
        10,
        "typed captions are stored"
    );
    drop(notes);
    h.check_accessibility();

    h.get_by_role_and_label(Role::Button, "Train…").click();
    step_until(&mut h, "the training window", WAIT, |h| {
        h.query_by_role_and_label(Role::Button, "Use my captions (10 on 10 photos)")
            .is_some()
    });
    h.get_by_role_and_label(Role::Button, "Use my captions (10 on 10 photos)")
        .click();
    step_until(&mut h, "the library's caption set", WAIT, |h| {
        has_label_containing(h, "10 photos") && has_label_containing(h, "10 captions")
    });
    crate::gui::at_most_two_epochs(&mut h);
    crate::gui::click_into_view(&mut h, Role::Button, "Train");
    step_until(
        &mut h,
        "the before/after table",
        std::time::Duration::from_secs(120),
        |h| has_label_containing(h, "Blend weight") || has_label_containing(h, "Training failed"),
    );
    assert!(!has_label_containing(&h, "Training failed"));
    assert!(has_label_containing(&h, "Trained on 8 photos, tested on 2 photos"));
}

#[test]
fn first_run_guides_then_gives_way_to_the_grid() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    crate::gui::colour_photos(photos.path());
    let mut h = app_harness(data.path());
    step_until(&mut h, "the first-run guide", WAIT, |h| {
        has_label_containing(h, "Start here")
    });
    let indexes = data.path().join("indexes").display().to_string();
    assert!(
        has_label_containing(&h, &indexes),
        "the guide says where the index lives"
    );
    assert!(has_label_containing(&h, "Describe the picture you need"));
    h.check_accessibility();
    drop_path(&mut h, photos.path());
    step_until(&mut h, "the grid instead of the guide", WAIT, |h| tiles(h).len() == 4);
    assert!(!has_label_containing(&h, "Start here"));
}

#[test]
fn a_better_pack_is_suggested_once_and_installed_on_request() {
    use crate::models::server::Server;
    use crate::models::{catalogue_text, served_files};
    let data = tempfile::tempdir().expect("tmp");
    let files = served_files();
    let server = Server::start(files.clone());
    let catalogue = data.path().join("catalogue.toml");
    std::fs::write(&catalogue, catalogue_text(&server, &files, &|_, _| {})).expect("catalogue");
    // The labels-bridge pack stands in for the default one; the catalogue offers an aligned pack.
    let mut config = crate::gui::tiny_config(data.path());
    config.pack = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/packs/tiny-labels").to_owned();
    let start = |settings: vignette::gui::state::Settings| {
        let (config, catalogue) = (config.clone(), catalogue.clone());
        Harness::builder().with_size([1200.0, 900.0]).build_eframe(move |cc| {
            let mut app = VignetteApp::with_settings(&cc.egui_ctx, config, settings);
            app.use_model_catalogue(Some(catalogue));
            app
        })
    };
    let mut h = start(vignette::gui::state::Settings::default());
    step_until(&mut h, "the pack suggestion", WAIT, |h| {
        has_label_containing(h, "would search your photos better")
    });
    assert!(has_label_containing(&h, "licence: MIT"), "the licence is shown");
    assert!(has_label_containing(&h, "kB download") || has_label_containing(&h, "MB download"));
    assert!(h.state().settings.pack_hint_shown, "shown once: remembered");
    h.get_by_role_and_label(Role::Button, "Install tiny-test").click();
    let installed = data.path().join("packs/tiny-test/pack.toml");
    step_until(&mut h, "the suggested pack installed", WAIT, |_| installed.is_file());
    assert!(!has_label_containing(&h, "would search your photos better"));
    assert_eq!(
        h.state().settings.pack,
        None,
        "the open pack is unchanged until the user switches"
    );
    let settings = h.state().settings.clone();
    drop(h);

    std::fs::remove_dir_all(data.path().join("packs/tiny-test")).expect("uninstall");
    let mut h = start(settings);
    step_until(&mut h, "the engine", WAIT, |h| h.state().workspace.engine().is_some());
    for _ in 0..50 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        !has_label_containing(&h, "would search your photos better"),
        "said only once"
    );
}
