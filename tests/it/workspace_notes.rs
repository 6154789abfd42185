//! The writer's notes through the workspace, with no UI: picks outlive a pack switch and a new session,
//! a list exports with its CSV, a bad list name is a notice and changes nothing.

use vignette::workspace::notes::Pick;
use vignette::workspace::notes::worker::Op;
use vignette::workspace::shortlist_export::ExportOptions;
use vignette::workspace::{Event, Workspace};

use crate::support::TestEnv;
use crate::workspace::{opened, step_until};

/// Poll until `cond` holds (notes state, not events: a snapshot may land with events already drained).
fn wait_notes(ws: &mut Workspace, cond: impl Fn(&Workspace) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !cond(ws) {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for the notes");
        ws.poll();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn picks_survive_a_pack_switch_and_a_new_session_and_export() {
    let env = TestEnv::new();
    let red = std::fs::canonicalize(env.photo("red.png", [230, 20, 20])).expect("canonical");
    let (mut ws, mut seen) = opened(&env, "tiny-aligned");
    ws.note(Op::AddPick {
        list: "Chapter 3".into(),
        pick: Pick::new(red.clone(), "a red wall", Some(0.8)),
    });
    ws.note(Op::AddCaption {
        path: red.clone(),
        text: "brick, late sun".into(),
    });
    // Both changes land; a snapshot follows each batch.
    wait_notes(&mut ws, |ws| {
        !ws.notes().captions.is_empty() && ws.notes().list("Chapter 3").is_some()
    });
    // Another pack opens another index; the notes stay.
    ws.open(env.config("tiny-labels"));
    step_until(&mut ws, &mut seen, |e| matches!(e, Event::EngineOpened).then_some(()));
    assert!(ws.notes().list("Chapter 3").is_some_and(|l| l.contains(&red)));
    ws.note(Op::RenameList {
        from: "Chapter 3".into(),
        to: " ".into(),
    });
    step_until(&mut ws, &mut seen, |e| match e {
        Event::Notice { text, error: true } if text.contains("a list needs a name") => Some(()),
        _ => None,
    });
    drop(ws);

    let (mut ws, mut seen) = opened(&env, "tiny-labels");
    // The first snapshot may have come with the events `opened` waited through.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ws.notes_loaded() {
        assert!(
            std::time::Instant::now() < deadline,
            "the store was never read: {seen:?}"
        );
        ws.poll();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let list = ws
        .notes()
        .list("Chapter 3")
        .expect("the list after a new session")
        .clone();
    assert_eq!(list.picks[0].prompt, "a red wall");
    assert_eq!(ws.notes().captions_of(&red).count(), 1);
    let out = env.dir.path().join("export");
    ws.export_list("Chapter 3", out.clone(), ExportOptions::default());
    step_until(&mut ws, &mut seen, |e| match e {
        Event::Notice { text, error: false } if text.starts_with("Exported 1 photo of \"Chapter 3\"") => Some(()),
        _ => None,
    });
    assert!(out.join("red.png").is_file());
    let csv = std::fs::read_to_string(out.join("picks.csv")).expect("csv");
    assert!(csv.contains(",a red wall,0.8000,"), "{csv}");
}
