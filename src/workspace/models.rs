//! The model packs as the Models window shows them, and the operations on them: read the catalogue and
//! the packs folder, install (download with progress and cancel), remove, import.
//!
//! Everything goes through the UI-free [`Manager`]; this module runs it on [`crate::jobs`] threads and
//! turns what it reports into [`ModelsEvent`]s. Every operation ends by re-reading the packs folder and
//! sending that snapshot *with* its outcome, so a view never shows a list older than the operation it just
//! saw finish. Installs are single-flight (a [`JobSlot`]); download progress goes through
//! [`crate::jobs::Reporter::progress`], which wakes the front end at most every
//! [`crate::jobs::WAKE_EVERY`] although the manager reports every read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::jobs::{JobSlot, Tasks, Waker};
use crate::model::manager::{Catalogue, EntryState, InstallEvent, Manager};

/// What model operations report.
#[derive(Debug, Clone)]
pub enum ModelsEvent {
    /// A plain re-read of the catalogue and the packs folder.
    Snapshot(Snapshot),
    /// Bytes of the running download (`total` is 0 until the download has started).
    Progress { name: String, done: u64, total: u64 },
    /// An operation ended: what to tell the user, then the packs folder as it is after the operation.
    Done { notice: Notice, snapshot: Snapshot },
}

/// Runs model operations; owned by the [`super::Workspace`].
pub struct Models {
    /// Catalogue file to read instead of the built-in one.
    catalogue: Option<PathBuf>,
    tasks: Tasks<ModelsEvent>,
    install: JobSlot<ModelsEvent>,
    waker: Waker,
}

impl Models {
    pub fn new(waker: Waker) -> Models {
        Models {
            catalogue: None,
            tasks: Tasks::new(Arc::clone(&waker)),
            install: JobSlot::new("a model install"),
            waker,
        }
    }

    /// Read the catalogue from `path` instead of the built-in one (`None`: built in again).
    pub fn use_catalogue(&mut self, path: Option<PathBuf>) {
        self.catalogue = path;
    }

    /// Whether an install is running.
    pub fn installing(&self) -> bool {
        self.install.busy()
    }

    /// Re-read the catalogue and the packs folder.
    pub fn refresh(&self, packs_dir: PathBuf) -> Result<()> {
        let source = self.catalogue.clone();
        self.tasks.spawn("models-list", move || {
            ModelsEvent::Snapshot(snapshot(&packs_dir, source.as_deref()))
        })
    }

    /// Download and install `name`; a cancelled download keeps its bytes for the next attempt.
    pub fn install(&mut self, packs_dir: PathBuf, name: String) -> Result<()> {
        let source = self.catalogue.clone();
        self.install
            .start("models-install", Arc::clone(&self.waker), move |out, cancel| {
                let (m, catalogue_error) = manager(&packs_dir, source.as_deref());
                let progress = |done, total| {
                    out.progress(ModelsEvent::Progress {
                        name: name.clone(),
                        done,
                        total,
                    });
                };
                let on_event = |e: InstallEvent| match e {
                    InstallEvent::Progress {
                        done_bytes,
                        total_bytes,
                    } => progress(done_bytes, total_bytes),
                    InstallEvent::Started { total_bytes, .. } => progress(0, total_bytes),
                    InstallEvent::File { .. } | InstallEvent::Installed { .. } => {}
                };
                let notice = match &catalogue_error {
                    Some(e) => Notice::error(format!("Cannot install {name}: {e}")),
                    None => match m.install(&name, &on_event, cancel) {
                        Ok(dir) => Notice::info(format!("Installed {name} into {}", dir.display())),
                        Err(Error::Cancelled) => Notice::info(format!(
                            "Download of {name} paused; Resume download continues where it stopped"
                        )),
                        Err(e) => Notice::error(format!("Cannot install {name}: {e}")),
                    },
                };
                out.send(ModelsEvent::Done {
                    notice,
                    snapshot: snapshot_of(&m, catalogue_error),
                });
            })
    }

    /// Stop the running download (its bytes stay for a resume).
    pub fn cancel_install(&self) {
        self.install.cancel();
    }

    /// Remove the installed pack `name` and any interrupted download of it.
    pub fn remove(&self, packs_dir: PathBuf, name: String) -> Result<()> {
        let source = self.catalogue.clone();
        self.tasks.spawn("models-remove", move || {
            let (m, catalogue_error) = manager(&packs_dir, source.as_deref());
            let notice = match m.remove(&name) {
                Ok(()) => Notice::info(format!("Removed {name}")),
                Err(e) => Notice::error(format!("Cannot remove {name}: {e}")),
            };
            ModelsEvent::Done {
                notice,
                snapshot: snapshot_of(&m, catalogue_error),
            }
        })
    }

    /// Copy the pack folder `src` into the packs folder.
    pub fn import(&self, packs_dir: PathBuf, src: PathBuf) -> Result<()> {
        let source = self.catalogue.clone();
        self.tasks.spawn("models-import", move || {
            let (m, catalogue_error) = manager(&packs_dir, source.as_deref());
            let notice = match m.import(&src) {
                Ok(dir) => Notice::info(format!("Imported {} into {}", src.display(), dir.display())),
                Err(e) => Notice::error(format!("Cannot import {}: {e}", src.display())),
            };
            ModelsEvent::Done {
                notice,
                snapshot: snapshot_of(&m, catalogue_error),
            }
        })
    }

    /// Everything reported since the last call.
    pub fn poll(&mut self) -> Vec<ModelsEvent> {
        let mut out = self.install.drain();
        out.extend(self.tasks.drain());
        out
    }
}

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
    pub entries: Result<Vec<EntryRow>, Arc<Error>>,
    pub installed: Result<Vec<PackRow>, Arc<Error>>,
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

impl Notice {
    fn info(text: String) -> Notice {
        Notice { text, error: false }
    }

    fn error(text: String) -> Notice {
        Notice { text, error: true }
    }
}

/// Read the catalogue: the file given, or the one built in.
pub fn load_catalogue(source: Option<&Path>) -> Result<Catalogue> {
    match source {
        Some(p) => Catalogue::load(p),
        None => Catalogue::builtin(),
    }
}

/// A manager on `packs_dir`, and the catalogue error if the catalogue could not be read (the manager
/// then has an empty catalogue, so installed packs can still be listed and removed).
fn manager(packs_dir: &Path, source: Option<&Path>) -> (Manager, Option<Arc<Error>>) {
    match load_catalogue(source) {
        Ok(c) => (Manager::new(packs_dir.to_path_buf(), c), None),
        Err(e) => (
            Manager::new(packs_dir.to_path_buf(), Catalogue { packs: Vec::new() }),
            Some(Arc::new(e)),
        ),
    }
}

/// Read the catalogue and the packs folder.
pub fn snapshot(packs_dir: &Path, source: Option<&Path>) -> Snapshot {
    let (m, catalogue_error) = manager(packs_dir, source);
    snapshot_of(&m, catalogue_error)
}

fn snapshot_of(m: &Manager, catalogue_error: Option<Arc<Error>>) -> Snapshot {
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
        .map_err(Arc::new);
    Snapshot {
        packs_dir: m.packs_dir().to_path_buf(),
        entries,
        installed,
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
        let err = snap.entries.expect_err("missing catalogue").to_string();
        assert!(err.contains("missing.toml"), "{err}");
        assert!(snap.installed.expect("listed").is_empty());
    }
}
