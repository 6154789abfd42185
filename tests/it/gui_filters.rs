//! The filter bar in the real app (egui_kittest): orientation and date filters change the grid (with a
//! prompt and without one), and near-duplicates collapse into one tile with "+N" that expands on click.

use std::path::Path;

use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use vignette::gui::VignetteApp;

use crate::cli_filters::textured;
use crate::gui::{app_harness, drop_path, step_until};

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

fn tiles(h: &Harness<'_, VignetteApp>) -> Vec<String> {
    let mut t: Vec<String> = h
        .query_all_by_role(Role::ListBoxOption)
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    t.sort();
    t
}

fn library(photos: &Path) {
    textured(&photos.join("wide.png"), 90, 60, 1, 18_271);
    textured(&photos.join("wide_copy.jpg"), 180, 120, 1, 19_205);
    textured(&photos.join("tall.png"), 60, 90, 2, 18_752);
    textured(&photos.join("square.png"), 64, 62, 3, 19_205);
}

fn ranked(h: &mut Harness<'_, VignetteApp>, what: &str, want: &[&str]) {
    step_until(h, what, WAIT, |h| !h.state().search.ranking && tiles(h) == want);
}

fn type_into(h: &mut Harness<'_, VignetteApp>, field: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, field).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(Role::TextInput, field).type_text(text);
    h.step();
}

fn open_shape_menu(h: &mut Harness<'_, VignetteApp>) {
    h.get_by_role_and_label(Role::ComboBox, "Shape").click();
    step_until(h, "the shape menu", WAIT, |h| h.query_by_label("Square").is_some());
}

/// Cut the grid to portrait photos and back; `all` is what it shows with any shape.
fn portrait_and_back(h: &mut Harness<'_, VignetteApp>, all: &[&str], when: &str) {
    open_shape_menu(h);
    h.get_by_label("Portrait").click();
    ranked(h, &format!("{when}: only the portrait photo"), &["tall.png"]);
    open_shape_menu(h);
    h.get_by_role_and_label(Role::Button, "Any shape").click();
    ranked(h, &format!("{when}: every photo again"), all);
}

#[test]
fn filters_change_the_grid_and_near_duplicates_collapse() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    library(photos.path());
    let mut h = app_harness(data.path());
    step_until(&mut h, "the empty-library hint", WAIT, |h| {
        h.query_by_label_contains("Add a photo folder").is_some()
    });
    drop_path(&mut h, photos.path());
    step_until(&mut h, "four tiles after indexing", WAIT, |h| {
        tiles(h).len() == 4 && !h.state().indexing()
    });
    let all = ["square.png", "tall.png", "wide.png", "wide_copy.jpg"];
    // With no prompt the grid is the library, and the filters cut it too.
    portrait_and_back(&mut h, &all, "no prompt");

    type_into(&mut h, "Search", "red");
    ranked(&mut h, "every photo ranked", &all);

    portrait_and_back(&mut h, &all, "prompt");

    type_into(&mut h, "Taken from", "2022-01-01");
    ranked(&mut h, "photos taken from 2022", &["square.png", "wide_copy.jpg"]);
    type_into(&mut h, "Taken from", "2022-13-01");
    ranked(&mut h, "a bad date filters nothing", &all);

    h.get_by_label("Group near-duplicates").click();
    step_until(&mut h, "three tiles, one with +1", WAIT, |h| {
        !h.state().search.ranking && tiles(h).len() == 3 && h.query_by_label("+1").is_some()
    });
    h.get_by_label("+1").click();
    ranked(&mut h, "the group expanded", &all);
    assert!(h.query_by_label("+1").is_none());
    h.check_accessibility();
}

#[test]
fn passage_window_ranks_each_paragraph_and_picks() {
    let (data, photos) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    crate::gui::colour_photos(photos.path());
    let mut h = app_harness(data.path());
    step_until(&mut h, "the empty-library hint", WAIT, |h| {
        h.query_by_label_contains("Add a photo folder").is_some()
    });
    drop_path(&mut h, photos.path());
    step_until(&mut h, "four tiles after indexing", WAIT, |h| {
        tiles(h).len() == 4 && !h.state().indexing()
    });
    h.get_by_role_and_label(Role::Button, "Illustrate a passage…").click();
    step_until(&mut h, "the Passage window", WAIT, |h| {
        h.query_by_role_and_label(Role::MultilineTextInput, "Passage").is_some()
    });
    h.get_by_role_and_label(Role::MultilineTextInput, "Passage").focus();
    h.step();
    h.get_by_role_and_label(Role::MultilineTextInput, "Passage")
        .type_text("# Title\n\nred\n\nblue");
    h.step();
    h.get_by_role_and_label(Role::Button, "Find pictures").click();
    step_until(&mut h, "two rows of four candidates", WAIT, |h| {
        h.query_all_by_role_and_label(Role::Button, "Pick").count() == 8
    });
    let rows = h.state().passage.result.clone().expect("answered").expect("ranked");
    let firsts: Vec<String> = rows
        .iter()
        .map(|r| {
            r.candidates[0]
                .path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        firsts,
        ["red.png", "blue.png"],
        "each paragraph ranks the library for itself"
    );
    h.query_all_by_role_and_label(Role::Button, "Pick")
        .next()
        .expect("a pick button")
        .click();
    step_until(&mut h, "the pick confirmed", WAIT, |h| {
        h.query_all_by_label_contains("Picked red.png").next().is_some()
    });
}
