//! The Models window against a local HTTP server: a catalogue entry goes from available to installed
//! (the pack folder appears under the data folder) and back after a confirmed removal; an unpinned,
//! non-commercial entry says why it cannot be installed; "Use this pack" switches the engine's pack.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use vignette::gui::VignetteApp;
use vignette::gui::state::Settings;

use crate::gui::{step_until, tiny_config};
use crate::models::server::Server;
use crate::models::{catalogue_text, served_files};
use crate::support::TestEnv;

const WAIT: Duration = Duration::from_secs(30);

/// Serve the tiny pack and write a catalogue with `tiny-test` (installable) and `tiny-unpinned` (no
/// hashes, non-commercial). The server stops when dropped, so the caller keeps it.
fn served_catalogue(env: &TestEnv) -> (Server, PathBuf) {
    let files = served_files();
    let server = Server::start(files.clone());
    let good = catalogue_text(&server, &files, &|_, _| {});
    let unpinned = catalogue_text(&server, &files, &|_, l| l[2].clear())
        .replace("tiny-test", "tiny-unpinned")
        // The entry's licence line comes first; the manifest's own stays as it is.
        .replacen(
            "licence = \"MIT\"\n",
            "licence = \"CC BY-NC 4.0\"\nnon_commercial = true\n",
            1,
        );
    let path = env.dir.path().join("catalogue.toml");
    std::fs::write(&path, good + &unpinned).expect("write catalogue");
    (server, path)
}

fn harness(data: &Path, catalogue: PathBuf) -> Harness<'static, VignetteApp> {
    let config = tiny_config(data);
    Harness::builder().with_size([1200.0, 900.0]).build_eframe(move |cc| {
        let mut app = VignetteApp::with_settings(&cc.egui_ctx, config, Settings::default());
        app.use_model_catalogue(Some(catalogue));
        app
    })
}

/// Text shown exactly (a plain label carries its text as the node's value, a widget as its label).
fn has_label(h: &Harness<'_, VignetteApp>, text: &str) -> bool {
    h.query_all_by(|n| n.label().is_some_and(|l| l == text) || n.value().is_some_and(|v| v == text))
        .next()
        .is_some()
}

fn has_label_containing(h: &Harness<'_, VignetteApp>, text: &str) -> bool {
    h.query_all_by(|n| n.label().is_some_and(|l| l.contains(text)) || n.value().is_some_and(|v| v.contains(text)))
        .next()
        .is_some()
}

fn has_button(h: &Harness<'_, VignetteApp>, label: &str) -> bool {
    h.query_by_role_and_label(Role::Button, label).is_some()
}

/// Open the Models window and wait for the catalogue to be listed with `tiny-test` available.
fn open_models(h: &mut Harness<'_, VignetteApp>) {
    h.get_by_role_and_label(Role::Button, "Models…").click();
    step_until(h, "tiny-test listed as available", WAIT, |h| {
        has_label(h, "Available") && has_button(h, "Install")
    });
}

fn install(h: &mut Harness<'_, VignetteApp>, target: &Path) {
    h.get_by_role_and_label(Role::Button, "Install").click();
    step_until(h, "tiny-test installed", WAIT, |h| {
        has_label(h, "Installed") && has_button(h, "Use this pack")
    });
    assert!(target.join("pack.toml").is_file(), "the pack folder is in place");
    assert!(
        has_label_containing(h, "Installed tiny-test into"),
        "the outcome is reported"
    );
}

#[test]
fn install_then_remove_from_the_models_window() {
    let env = TestEnv::new();
    let (_server, catalogue) = served_catalogue(&env);
    let target = env.data().join("packs/tiny-test");
    let mut h = harness(&env.data(), catalogue);
    open_models(&mut h);
    assert!(!target.exists());
    assert!(has_label(&h, "Tiny"), "the entry's title");
    let total: usize = served_files().values().map(Vec::len).sum();
    let details = format!("tiny-test · {:.0} kB · licence MIT", total as f64 / 1e3);
    assert!(has_label(&h, &details), "size and licence: {details}");
    assert!(has_label_containing(
        &h,
        "Not installable: no size or SHA-256 for image.onnx"
    ));
    assert!(has_label(&h, "Non-commercial use only"), "the NC entry is flagged");
    assert!(has_label_containing(&h, "None yet"), "nothing installed");
    h.check_accessibility();

    install(&mut h, &target);
    assert!(has_label(&h, "tiny-test"), "listed under the installed packs");
    h.check_accessibility();

    h.get_by_role_and_label(Role::Button, "Remove…").click();
    step_until(&mut h, "the removal confirmation", WAIT, |h| {
        has_button(h, "Yes, remove")
    });
    assert!(target.exists(), "nothing is removed before confirming");
    h.check_accessibility();
    h.get_by_role_and_label(Role::Button, "Yes, remove").click();
    step_until(&mut h, "tiny-test available again", WAIT, |h| {
        has_label(h, "Available") && has_button(h, "Install")
    });
    assert!(!target.exists(), "the pack folder is gone");
    assert!(has_label(&h, "Removed tiny-test"));
    assert!(has_label_containing(&h, "None yet"));
}

#[test]
fn use_this_pack_switches_the_engine_and_protects_the_pack_in_use() {
    let env = TestEnv::new();
    let (_server, catalogue) = served_catalogue(&env);
    let target = env.data().join("packs/tiny-test");
    let mut h = harness(&env.data(), catalogue);
    open_models(&mut h);
    install(&mut h, &target);
    h.get_by_role_and_label(Role::Button, "Use this pack").click();
    step_until(&mut h, "tiny-test in use", WAIT, |h| has_label(h, "In use"));
    assert_eq!(h.state().settings.pack.as_deref(), Some("tiny-test"));
    assert_eq!(h.state().config().pack, "tiny-test");
    let remove = h.get_by_role_and_label(Role::Button, "Remove…");
    assert!(
        remove.accesskit_node().is_disabled(),
        "the pack in use cannot be removed"
    );
    // The engine opens on the installed pack: Settings shows its manifest line, and no error.
    // Close the Models window (it may cover the side panel), then open Settings.
    h.get_by_role_and_label(Role::Button, "Close window").click();
    h.step();
    h.step();
    h.get_by_role_and_label(Role::Button, "Settings").click();
    step_until(&mut h, "the engine opened on tiny-test", WAIT, |h| {
        has_label(h, "Tiny colour pack (aligned), for tests · version 1 · licence MIT")
    });
    assert!(!has_label_containing(&h, "Cannot open the model pack"));
    h.check_accessibility();
}

#[test]
fn a_failed_download_is_shown_plainly_and_resumes() {
    let env = TestEnv::new();
    let (server, catalogue) = served_catalogue(&env);
    server.truncate_once("weights.bin");
    let target = env.data().join("packs/tiny-test");
    let mut h = harness(&env.data(), catalogue);
    open_models(&mut h);
    h.get_by_role_and_label(Role::Button, "Install").click();
    step_until(&mut h, "the partial download offered for resuming", WAIT, |h| {
        has_button(h, "Resume download")
    });
    assert!(
        has_label_containing(&h, "Cannot install tiny-test") && has_label_containing(&h, "weights.bin"),
        "the error names the pack and the file"
    );
    assert!(
        has_label_containing(&h, "Partial download: "),
        "the partial bytes are shown"
    );
    assert!(!target.exists(), "never a half-installed pack");
    h.check_accessibility();
    h.get_by_role_and_label(Role::Button, "Resume download").click();
    step_until(&mut h, "tiny-test installed after resuming", WAIT, |h| {
        has_label(h, "Installed")
    });
    assert!(target.join("pack.toml").is_file());
    assert!(
        server
            .seen()
            .iter()
            .any(|s| s.path == "weights.bin" && s.range.is_some()),
        "the second attempt asked for the rest only: {:?}",
        server.seen()
    );
}
