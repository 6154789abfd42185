//! The workspace driven without any UI: what the GUI does, as plain requests and events.
//!
//! Each test builds a [`Workspace`] on a tiny pack with a no-op waker and polls it until the event it waits
//! for arrives (`step_until`), exactly as a front end would, minus the drawing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vignette::error::Error;
use vignette::jobs::{JobEvent, no_waker};
use vignette::search::SearchOptions;
use vignette::search::worker::Response;
use vignette::train::TrainOptions;
use vignette::train::captions;
use vignette::workspace::{Event, Plan, Workspace};

use crate::support::TestEnv;

/// Poll `ws` until `want` accepts an event (returning what it extracts); every event is also collected.
pub fn step_until<T>(ws: &mut Workspace, seen: &mut Vec<String>, mut want: impl FnMut(&Event) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let events = ws.poll();
        // Record the whole batch first: events after the one wanted must not be lost.
        seen.extend(events.iter().map(describe));
        let mut found = None;
        for e in &events {
            // Every event goes through `want` (it may track state); the first answer is kept.
            let got = want(e);
            if found.is_none() {
                found = got;
            }
        }
        if let Some(t) = found {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out; events so far: {seen:#?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub fn describe(e: &Event) -> String {
    match e {
        Event::EngineOpened => "engine opened".into(),
        Event::EngineFailed(e) => format!("engine failed: {e}"),
        Event::Packs => "packs".into(),
        Event::LibraryChanged => "library".into(),
        Event::IndexStarted => "index started".into(),
        Event::Index(j) => format!("index {j:?}"),
        Event::Search(_) => "search".into(),
        Event::Train(t) => format!("train {t:?}"),
        Event::Trained(r) => format!("trained ok={}", r.is_ok()),
        Event::HeadSaved(r) => format!("head saved ok={}", r.is_ok()),
        Event::Models(_) => "models".into(),
        Event::Notes => "notes".into(),
        Event::Notice { text, error } => format!("notice {text} (error {error})"),
    }
}

pub fn opened(env: &TestEnv, pack: &str) -> (Workspace, Vec<String>) {
    let mut ws = Workspace::new(env.config(pack), no_waker());
    let mut seen = Vec::new();
    step_until(&mut ws, &mut seen, |e| matches!(e, Event::EngineOpened).then_some(()));
    assert!(ws.engine().is_some());
    // The first library read (and the re-scan of remembered folders it triggers) comes next.
    step_until(&mut ws, &mut seen, |e| matches!(e, Event::LibraryChanged).then_some(()));
    (ws, seen)
}

fn indexed(ws: &mut Workspace, seen: &mut Vec<String>) -> JobEvent {
    step_until(ws, seen, |e| match e {
        Event::Index(j) if j.is_terminal() => Some(j.clone()),
        _ => None,
    })
}

#[test]
fn index_search_and_remove_a_folder_without_a_ui() {
    let env = TestEnv::new();
    env.photo("red.png", [230, 20, 20]);
    env.photo("green.png", [20, 230, 20]);
    env.photo("blue.png", [20, 20, 230]);
    let (mut ws, mut seen) = opened(&env, "tiny-aligned");
    ws.index(vec![env.photos()]);
    assert!(
        matches!(indexed(&mut ws, &mut seen), JobEvent::Finished(_)),
        "{seen:#?}"
    );
    assert!(seen.iter().any(|e| e == "index started"));
    // The run's end re-reads the library.
    let deadline = Instant::now() + Duration::from_secs(60);
    while ws.library().photos.len() < 3 || ws.library_loading() || ws.indexing() {
        ws.poll();
        assert!(Instant::now() < deadline, "library never showed 3 photos: {seen:#?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let folders = &ws.library().folders;
    assert_eq!(folders.len(), 1);
    assert_eq!(folders[0].photos, 3);

    let opts = SearchOptions {
        k: 3,
        min_score: f32::NEG_INFINITY,
    };
    // The run's end queued a reload on the search worker before these queries, so they see all three.
    assert!(ws.search(1, "red".into(), opts));
    assert!(ws.search(2, "blue".into(), opts));
    let hits = step_until(&mut ws, &mut seen, |e| match e {
        Event::Search(Response::Results {
            generation: 2, hits, ..
        }) => Some(hits.clone()),
        _ => None,
    });
    let hits = hits.expect("ranked");
    assert!(hits[0].path.ends_with("blue.png"), "latest query wins: {hits:?}");

    let folder = ws.library().folders[0].path.clone();
    ws.remove_folder(folder);
    step_until(&mut ws, &mut seen, |e| match e {
        Event::Notice { text, error: false } if text.starts_with("Removed") => Some(()),
        _ => None,
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ws.library().photos.is_empty() || ws.library_loading() {
        ws.poll();
        assert!(Instant::now() < deadline, "library still has photos: {seen:#?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(ws.library().folders.is_empty());
}

#[test]
fn indexing_is_single_flight_and_queues_the_rest() {
    let env = TestEnv::new();
    let a = env.photos().join("a");
    let b = env.photos().join("b");
    for i in 0..6u8 {
        env.photo(&format!("a/{i}.png"), [i * 40, 10, 10]);
        env.photo(&format!("b/{i}.png"), [10, i * 40, 10]);
    }
    let (mut ws, mut seen) = opened(&env, "tiny-aligned");
    ws.index(vec![a]);
    ws.index(vec![b]);
    assert!(ws.indexing());
    assert!(ws.has_queued(), "the second request waits for the first run");
    let mut ends = 0;
    let mut running = false;
    while ends < 2 {
        step_until(&mut ws, &mut seen, |e| match e {
            Event::IndexStarted => {
                assert!(!running, "two runs at once: {e:?}", e = describe(e));
                running = true;
                None
            }
            Event::Index(j) if j.is_terminal() => {
                running = false;
                Some(())
            }
            _ => None,
        });
        ends += 1;
    }
    let starts = seen.iter().filter(|e| *e == "index started").count();
    assert_eq!(starts, 2, "{seen:#?}");
    let index = ws.engine().expect("engine").index().expect("index");
    assert_eq!(index.states().expect("states").len(), 12);
    assert_eq!(index.folders().expect("folders").len(), 2);
}

#[test]
fn a_broken_pack_is_an_event_not_a_panic() {
    let env = TestEnv::new();
    let mut config = env.config("tiny-aligned");
    config.pack = env.dir.path().join("no-such-pack").to_string_lossy().into_owned();
    let mut ws = Workspace::new(config, no_waker());
    let mut seen = Vec::new();
    let err = step_until(&mut ws, &mut seen, |e| match e {
        Event::EngineFailed(err) => Some(Arc::clone(err)),
        _ => None,
    });
    assert!(err.to_string().contains("no-such-pack"), "{err}");
    assert!(ws.engine().is_none());
    assert!(ws.train(plan_for(&env, 2)).is_err(), "no engine, no training");
}

/// Colour photos, one caption each, as a caption set.
fn colour_set(env: &TestEnv) -> PathBuf {
    let lines = crate::support::colour_caption_lines(env);
    let path = env.photos().join("captions.jsonl");
    std::fs::write(&path, lines).expect("write");
    path
}

fn plan_for(env: &TestEnv, epochs: usize) -> Plan {
    let set = captions::load(&colour_set(env)).expect("captions");
    Plan {
        set: Arc::new(set),
        split: None,
        opts: TrainOptions {
            max_epochs: epochs,
            patience: epochs,
            ..TrainOptions::default()
        },
        apply_to: Vec::new(),
    }
}

#[test]
fn train_test_and_save_through_the_workspace() {
    let env = TestEnv::new();
    let plan = plan_for(&env, 3);
    let (mut ws, mut seen) = opened(&env, "tiny-labels");
    ws.train(plan.clone()).expect("start");
    assert!(ws.training());
    let err = ws.train(plan).expect_err("single flight");
    assert!(matches!(err, Error::Busy(_)), "{err}");
    let trained = step_until(&mut ws, &mut seen, |e| match e {
        Event::Trained(r) => Some(
            r.as_ref()
                .map(|t| {
                    (
                        t.train_photos,
                        t.test_photos,
                        Arc::clone(&t.engine),
                        t.outcome.head.clone(),
                    )
                })
                .map_err(Arc::clone),
        ),
        _ => None,
    });
    let (train_photos, test_photos, engine, head) = trained.expect("trained");
    assert_eq!((train_photos, test_photos), (19, 5), "a fifth held out: {seen:#?}");
    assert!(seen.iter().any(|e| e.starts_with("train Parts")), "{seen:#?}");
    assert!(seen.iter().any(|e| e.starts_with("train Epoch")), "{seen:#?}");
    // The caption set's photos sit in a folder the user can see and remove.
    let deadline = Instant::now() + Duration::from_secs(60);
    while ws.library().folders.is_empty() {
        ws.poll();
        assert!(Instant::now() < deadline, "the caption folder never showed: {seen:#?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        ws.library().folders[0].path,
        std::fs::canonicalize(env.photos()).expect("canonical")
    );

    ws.save_head(engine, head, "colours".into(), Vec::new());
    let saved = step_until(&mut ws, &mut seen, |e| match e {
        Event::HeadSaved(r) => Some(r.clone()),
        _ => None,
    });
    let saved = saved.expect("saved");
    assert!(saved.file.is_file());
    assert_eq!(
        saved.switch_to.as_deref(),
        Some("tiny-labels"),
        "a pack opened by path gets a user copy"
    );
}

#[test]
fn cancelled_training_reports_cancelled() {
    let env = TestEnv::new();
    let plan = plan_for(&env, 100_000);
    let (mut ws, mut seen) = opened(&env, "tiny-labels");
    ws.train(plan).expect("start");
    step_until(&mut ws, &mut seen, |e| {
        matches!(e, Event::Train(vignette::workspace::TrainEvent::Epoch(_))).then_some(())
    });
    ws.cancel_training();
    let r = step_until(&mut ws, &mut seen, |e| match e {
        Event::Trained(r) => Some(r.as_ref().map(drop).map_err(Arc::clone)),
        _ => None,
    });
    assert!(
        matches!(r.as_ref().map_err(|e| &**e), Err(Error::Cancelled)),
        "{seen:#?}"
    );
    assert!(!ws.training());
}

#[test]
fn export_copies_without_overwriting() {
    let env = TestEnv::new();
    let red = env.photo("red.png", [230, 20, 20]);
    let (mut ws, mut seen) = opened(&env, "tiny-aligned");
    let out = env.dir.path().join("out");
    ws.export(vec![red.clone(), red], out.clone());
    step_until(&mut ws, &mut seen, |e| match e {
        Event::Notice { text, error: false } if text.starts_with("Exported 2 photos") => Some(()),
        _ => None,
    });
    assert!(out.join("red.png").is_file() && out.join("red-1.png").is_file());
}
