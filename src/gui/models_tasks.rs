//! Background work for the Models window: reading the catalogue and the packs folder, and installing,
//! removing and importing packs through [`Manager`], each on its own named thread.
//!
//! Why apart from [`super::tasks`]: these are the only GUI operations that report progress while they run
//! and can be cancelled, and every one of them ends by re-reading the packs folder and sending that
//! snapshot *with* its outcome, so the window never shows a list older than the operation it just saw
//! finish. The page owns this channel, which leaves `app.rs` with a single drain call.
//!
//! Download progress goes through two atomics rather than the channel: the manager reports every read
//! (thousands of events for a large pack), the window needs only the latest value, and the worker wakes the
//! UI at most every [`WAKE_EVERY`] (never while holding a lock).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::error::Error;
use crate::jobs::{CancelToken, Waker};
use crate::model::manager::{Catalogue, EntryState, InstallEvent, Manager};

/// Longest gap between UI wake-ups while a download makes progress.
pub const WAKE_EVERY: Duration = Duration::from_millis(100);

/// One catalogue entry as the window shows it.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub name: String,
    pub title: String,
    pub licence: String,
    pub non_commercial: bool,
    /// Total download size.
    pub bytes: u64,
    pub state: EntryState,
    /// Why install refuses this entry (set with [`EntryState::Unverified`]).
    pub refused: Option<String>,
}

/// One pack folder under the packs folder.
#[derive(Debug, Clone)]
pub struct PackRow {
    pub name: String,
    pub dir: PathBuf,
    /// "title · licence", or why the pack does not load.
    pub summary: Result<String, String>,
}

/// The catalogue and the packs folder, read in one go off the UI thread.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub packs_dir: PathBuf,
    pub entries: Result<Vec<EntryRow>, String>,
    pub installed: Result<Vec<PackRow>, String>,
}

impl Snapshot {
    /// Names of every pack folder found (broken ones too), as the Settings pack list wants them.
    pub fn installed_names(&self) -> Vec<String> {
        self.installed
            .as_ref()
            .map(|v| v.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }
}

/// A line for the user about an operation that ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// What the worker threads send back.
pub enum Msg {
    /// A plain re-read of the catalogue and the packs folder.
    Snapshot(Snapshot),
    /// An operation ended: what to tell the user (`None` when a dialog was cancelled), then the packs folder
    /// as it is after the operation.
    Done { notice: Option<Notice>, snapshot: Snapshot },
}

/// Bytes of the running download, written by the worker and read by the window each frame.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    total: AtomicU64,
}

impl Progress {
    /// `(done_bytes, total_bytes)`; the total is 0 until the download has started.
    pub fn get(&self) -> (u64, u64) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }
}

/// Read the catalogue: the file given, or the one built in.
pub fn load_catalogue(source: Option<&Path>) -> Result<Catalogue, String> {
    match source {
        Some(p) => Catalogue::load(p),
        None => Catalogue::builtin(),
    }
    .map_err(|e| e.to_string())
}

/// A manager on `packs_dir`, and the catalogue error if the catalogue could not be read (the manager
/// then has an empty catalogue, so installed packs can still be listed and removed).
fn manager(packs_dir: &Path, source: Option<&Path>) -> (Manager, Option<String>) {
    match load_catalogue(source) {
        Ok(c) => (Manager::new(packs_dir.to_path_buf(), c), None),
        Err(e) => (
            Manager::new(packs_dir.to_path_buf(), Catalogue { packs: Vec::new() }),
            Some(e),
        ),
    }
}

/// Read the catalogue and the packs folder.
pub fn snapshot(packs_dir: &Path, source: Option<&Path>) -> Snapshot {
    let (m, catalogue_error) = manager(packs_dir, source);
    snapshot_of(&m, catalogue_error)
}

fn snapshot_of(m: &Manager, catalogue_error: Option<String>) -> Snapshot {
    let entries = match catalogue_error {
        Some(e) => Err(e),
        None => Ok(m
            .catalogue()
            .packs
            .iter()
            .map(|e| EntryRow {
                name: e.name.clone(),
                title: e.title.clone(),
                licence: e.licence.clone(),
                non_commercial: e.non_commercial,
                bytes: e.total_bytes(),
                state: m.state(e),
                refused: e.unverified_reason(),
            })
            .collect()),
    };
    let installed = m
        .installed()
        .map(|v| {
            v.into_iter()
                .map(|p| PackRow {
                    summary: p
                        .pack
                        .map(|pack| format!("{} · licence {}", pack.manifest.title, pack.manifest.licence)),
                    name: p.name,
                    dir: p.dir,
                })
                .collect()
        })
        .map_err(|e| e.to_string());
    Snapshot {
        packs_dir: m.packs_dir().to_path_buf(),
        entries,
        installed,
    }
}

/// Starts the worker threads and collects what they send.
pub struct Worker {
    tx: Sender<Msg>,
    pub rx: Receiver<Msg>,
    waker: Waker,
}

impl Worker {
    pub fn new(waker: Waker) -> Worker {
        let (tx, rx) = unbounded();
        Worker { tx, rx, waker }
    }

    /// Run `f` on a thread named `vignette-{name}`, send its message, wake the UI.
    fn spawn(&self, name: &str, f: impl FnOnce() -> Msg + Send + 'static) -> Result<(), String> {
        let (tx, waker) = (self.tx.clone(), Arc::clone(&self.waker));
        std::thread::Builder::new()
            .name(format!("vignette-{name}"))
            .spawn(move || {
                let _ = tx.send(f());
                waker();
            })
            .map(drop)
            .map_err(|e| format!("cannot start a background thread: {e}"))
    }

    /// Re-read the catalogue and the packs folder.
    pub fn refresh(&self, packs_dir: PathBuf, source: Option<PathBuf>) -> Result<(), String> {
        self.spawn("models-list", move || {
            Msg::Snapshot(snapshot(&packs_dir, source.as_deref()))
        })
    }

    /// Download and install `name`; a cancelled download keeps its bytes for the next attempt.
    pub fn install(
        &self,
        packs_dir: PathBuf,
        source: Option<PathBuf>,
        name: String,
        progress: Arc<Progress>,
        cancel: CancelToken,
    ) -> Result<(), String> {
        let waker = Arc::clone(&self.waker);
        self.spawn("models-install", move || {
            let (m, catalogue_error) = manager(&packs_dir, source.as_deref());
            let last_wake = Cell::new(Instant::now());
            let on_event = |e: InstallEvent| {
                if let InstallEvent::Progress {
                    done_bytes,
                    total_bytes,
                } = e
                {
                    progress.total.store(total_bytes, Ordering::Relaxed);
                    progress.done.store(done_bytes, Ordering::Relaxed);
                    if last_wake.get().elapsed() >= WAKE_EVERY {
                        last_wake.set(Instant::now());
                        waker();
                    }
                } else if let InstallEvent::Started { total_bytes, .. } = e {
                    progress.total.store(total_bytes, Ordering::Relaxed);
                }
            };
            let notice = match &catalogue_error {
                Some(e) => Notice {
                    text: format!("Cannot install {name}: {e}"),
                    error: true,
                },
                None => match m.install(&name, &on_event, &cancel) {
                    Ok(dir) => Notice {
                        text: format!("Installed {name} into {}", dir.display()),
                        error: false,
                    },
                    Err(Error::Cancelled) => Notice {
                        text: format!("Download of {name} paused; Resume download continues where it stopped"),
                        error: false,
                    },
                    Err(e) => Notice {
                        text: format!("Cannot install {name}: {e}"),
                        error: true,
                    },
                },
            };
            Msg::Done {
                notice: Some(notice),
                snapshot: snapshot_of(&m, catalogue_error),
            }
        })
    }

    /// Remove the installed pack `name` and any interrupted download of it.
    pub fn remove(&self, packs_dir: PathBuf, source: Option<PathBuf>, name: String) -> Result<(), String> {
        self.spawn("models-remove", move || {
            let (m, catalogue_error) = manager(&packs_dir, source.as_deref());
            let notice = match m.remove(&name) {
                Ok(()) => Notice {
                    text: format!("Removed {name}"),
                    error: false,
                },
                Err(e) => Notice {
                    text: format!("Cannot remove {name}: {e}"),
                    error: true,
                },
            };
            Msg::Done {
                notice: Some(notice),
                snapshot: snapshot_of(&m, catalogue_error),
            }
        })
    }

    /// Ask for a pack folder (the dialog runs on the worker thread, so the window keeps painting), then
    /// copy it into the packs folder.
    pub fn import(&self, packs_dir: PathBuf, source: Option<PathBuf>) -> Result<(), String> {
        self.spawn("models-import", move || {
            let picked = rfd::FileDialog::new()
                .set_title("Import a model pack folder (with pack.toml)")
                .pick_folder();
            let (m, catalogue_error) = manager(&packs_dir, source.as_deref());
            let notice = picked.map(|src| match m.import(&src) {
                Ok(dir) => Notice {
                    text: format!("Imported {} into {}", src.display(), dir.display()),
                    error: false,
                },
                Err(e) => Notice {
                    text: format!("Cannot import {}: {e}", src.display()),
                    error: true,
                },
            });
            Msg::Done {
                notice,
                snapshot: snapshot_of(&m, catalogue_error),
            }
        })
    }
}

/// A byte count for people: kB below a megabyte, MB with one decimal above.
pub fn size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{:.0} kB", bytes as f64 / 1e3)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_packs_are_listed_with_their_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let broken = dir.path().join("broken");
        std::fs::create_dir_all(&broken).expect("mkdir");
        std::fs::write(broken.join(crate::model::pack::MANIFEST), "not = [toml").expect("write");
        std::fs::create_dir_all(dir.path().join(".staging-x")).expect("mkdir");
        let snap = snapshot(dir.path(), None);
        assert_eq!(snap.installed_names(), ["broken"]);
        let installed = snap.installed.expect("listed");
        assert_eq!(installed.len(), 1, "staging folders are not packs");
        assert_eq!(installed[0].name, "broken");
        let err = installed[0].summary.as_ref().expect_err("broken");
        assert!(err.contains("pack.toml"), "{err}");
        assert!(
            snap.entries
                .expect("built-in catalogue")
                .iter()
                .any(|e| e.name == "clip-vit-b32")
        );
    }

    #[test]
    fn an_unreadable_catalogue_is_an_error_not_an_empty_list() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = snapshot(dir.path(), Some(&dir.path().join("missing.toml")));
        let err = snap.entries.expect_err("missing catalogue");
        assert!(err.contains("missing.toml"), "{err}");
        assert!(snap.installed.expect("listed").is_empty());
    }

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(size(0), "0 kB");
        assert_eq!(size(300_000), "300 kB");
        assert_eq!(size(351_234_567), "351.2 MB");
    }
}
