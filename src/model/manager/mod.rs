//! The model manager: list, install (download), import and remove model packs.
//!
//! **Apart from `runtime`'s one-time fetch of ONNX Runtime through pip, this is the only code in Vignette
//! that touches the network**, and only when the user asks for an install; indexing, search and training
//! never do. Downloads come from the [`Catalogue`], where every
//! file is pinned to a repository commit with its size and SHA-256, so what lands on disk is exactly what
//! was reviewed.
//!
//! Invariants:
//! - A pack folder under `<packs>/` is complete or absent. Files are fetched into
//!   `<packs>/.staging-<name>/`, verified, the manifest written and [`Pack::load`]ed, and only then the
//!   folder is renamed into place (one `rename` on one file system). Imports and removals work the same
//!   way, so a crash never leaves a half pack where `Config::pack_dir` looks.
//! - An interrupted install (cancel, dropped connection, truncated body) keeps its staging folder and the
//!   `.part` files in it; the next install resumes them with HTTP `Range`. Wrong bytes (checksum or size
//!   mismatch, HTTP 4xx) delete the staging folder.
//! - The manager is UI-free: progress is reported through a callback of [`InstallEvent`]s, cancellation
//!   through the core's [`CancelToken`]. It never prints.

mod catalogue;
mod download;

use std::path::{Path, PathBuf};

pub use crate::model::pack::{check_name, check_rel_path};
pub use catalogue::{BUILTIN, Catalogue, Entry, RemoteFile};

use crate::cancel::CancelToken;
use crate::error::{Error, IoContext, Result};
use crate::model::pack::{MANIFEST, Pack};

/// Progress of an install, in order: `Started`, per file `File` then `Progress`*, then `Installed`.
#[derive(Debug, Clone, PartialEq)]
pub enum InstallEvent {
    Started {
        files: usize,
        total_bytes: u64,
    },
    /// A file starts; `resumed_from > 0` when an earlier attempt's bytes are reused.
    File {
        path: String,
        size: u64,
        resumed_from: u64,
    },
    /// Bytes of the whole pack so far.
    Progress {
        done_bytes: u64,
        total_bytes: u64,
    },
    Installed {
        dir: PathBuf,
    },
}

/// A pack folder found under the packs folder.
#[derive(Debug, Clone)]
pub struct Installed {
    pub name: String,
    pub dir: PathBuf,
    /// The loaded pack, or why it does not load.
    pub pack: std::result::Result<Box<Pack>, String>,
}

/// Where a catalogue entry stands on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    Installed,
    /// An interrupted install left this many bytes to resume from.
    Partial(u64),
    Available,
    /// Listed, but install refuses it (see [`Entry::unverified_reason`]).
    Unverified,
}

/// Lists, installs, imports and removes packs under one packs folder.
pub struct Manager {
    packs_dir: PathBuf,
    catalogue: Catalogue,
    agent: ureq::Agent,
}

impl Manager {
    /// A manager for `packs_dir` (normally `Config::packs_dir()`) with `catalogue` (normally
    /// [`Catalogue::builtin`]; tests pass one pointing at a local server).
    pub fn new(packs_dir: PathBuf, catalogue: Catalogue) -> Manager {
        Manager {
            packs_dir,
            catalogue,
            agent: download::agent(),
        }
    }

    pub fn packs_dir(&self) -> &Path {
        &self.packs_dir
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The installer's lock (`packs.lock` beside the packs folder): one install, import or removal at a
    /// time per packs folder, across processes.
    fn lock(&self, what: &str) -> Result<crate::files::WriteLock> {
        crate::files::WriteLock::acquire(&self.packs_dir.with_extension("lock"), what)
    }

    fn staging(&self, name: &str) -> PathBuf {
        self.packs_dir.join(format!(".staging-{name}"))
    }

    /// The state of a catalogue entry here.
    pub fn state(&self, entry: &Entry) -> EntryState {
        if self.packs_dir.join(&entry.name).join(MANIFEST).is_file() {
            EntryState::Installed
        } else if entry.unverified_reason().is_some() {
            EntryState::Unverified
        } else {
            match dir_bytes(&self.staging(&entry.name)) {
                0 => EntryState::Available,
                n => EntryState::Partial(n),
            }
        }
    }

    /// Pack folders under the packs folder (staging and removal leftovers excluded), sorted by name.
    pub fn installed(&self) -> Result<Vec<Installed>> {
        let rd = match std::fs::read_dir(&self.packs_dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("cannot list packs", &self.packs_dir, e)),
        };
        let mut out = Vec::new();
        for entry in rd.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let dir = entry.path();
            if name.starts_with('.') || !dir.join(MANIFEST).is_file() {
                continue;
            }
            let pack = Pack::load(&dir).map(Box::new).map_err(|e| e.to_string());
            out.push(Installed { name, dir, pack });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Download, verify and install the catalogue pack `name`; returns the installed folder.
    pub fn install(&self, name: &str, on_event: &dyn Fn(InstallEvent), cancel: &CancelToken) -> Result<PathBuf> {
        let entry = self.catalogue.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.catalogue.packs.iter().map(|e| e.name.as_str()).collect();
            Error::NoSuchPack {
                name: name.to_owned(),
                place: format!("the catalogue (available: {})", known.join(", ")),
            }
        })?;
        if let Some(why) = entry.unverified_reason() {
            return Err(Error::Refused {
                action: "install",
                name: name.to_owned(),
                why: format!("{why}; nothing was downloaded"),
            });
        }
        let _lock = self.lock("installing a model pack")?;
        let target = self.packs_dir.join(name);
        if target.exists() {
            return Err(Error::AlreadyInstalled {
                name: name.to_owned(),
                path: target,
            });
        }
        let staging = self.staging(name);
        crate::files::create_private_dir(&staging)?;
        match self.fetch_all(entry, &staging, on_event, cancel) {
            Ok(()) => {}
            Err(stop) => {
                if !stop.resumable {
                    let _ = std::fs::remove_dir_all(&staging);
                }
                return Err(stop.error);
            }
        }
        let result = finish_staging(entry, &staging, &target);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result?;
        on_event(InstallEvent::Installed { dir: target.clone() });
        Ok(target)
    }

    fn fetch_all(
        &self,
        entry: &Entry,
        staging: &Path,
        on_event: &dyn Fn(InstallEvent),
        cancel: &CancelToken,
    ) -> std::result::Result<(), download::Stop> {
        let total = entry.total_bytes();
        on_event(InstallEvent::Started {
            files: entry.files.len(),
            total_bytes: total,
        });
        let mut before = 0u64;
        for f in &entry.files {
            let (Some(size), Some(sha256)) = (f.size, f.sha256.as_deref()) else {
                return Err(Error::Refused {
                    action: "install",
                    name: entry.name.clone(),
                    why: format!("{} is not pinned to a size and SHA-256", f.path),
                }
                .into());
            };
            let dest = staging.join(&f.path);
            let part = download::part_path(&dest);
            let resumed_from = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            on_event(InstallEvent::File {
                path: f.path.clone(),
                size,
                resumed_from: resumed_from.min(size),
            });
            let target = download::Target {
                name: &f.path,
                url: &f.url,
                size,
                sha256,
                dest,
            };
            let mut progress = |done: u64| {
                on_event(InstallEvent::Progress {
                    done_bytes: before + done.min(size),
                    total_bytes: total,
                });
            };
            download::fetch(&self.agent, &target, &mut progress, cancel)?;
            before += size;
        }
        Ok(())
    }

    /// Copy the pack folder `src` into the packs folder under its manifest name; returns the new folder.
    /// The source must load with every file inside it (no model search path).
    pub fn import(&self, src: &Path) -> Result<PathBuf> {
        let pack = Pack::load(src)?;
        let name = pack.manifest.name.clone();
        check_name(&name).map_err(|m| Error::pack(src.join(MANIFEST), m))?;
        let _lock = self.lock("importing a model pack")?;
        let target = self.packs_dir.join(&name);
        if target.exists() {
            return Err(Error::AlreadyInstalled {
                name: name.to_owned(),
                path: target,
            });
        }
        let staging = self.staging(&name);
        let _ = std::fs::remove_dir_all(&staging);
        let result = copy_tree(src, &staging).and_then(|()| {
            Pack::load(&staging)?;
            std::fs::rename(&staging, &target).at("cannot move the pack into place", &target)
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result.map(|()| target)
    }

    /// Remove the installed pack `name` (and any interrupted download of it).
    pub fn remove(&self, name: &str) -> Result<()> {
        check_name(name).map_err(|why| Error::Refused {
            action: "remove",
            name: name.to_owned(),
            why,
        })?;
        let _lock = self.lock("removing a model pack")?;
        let staging = self.staging(name);
        let had_staging = staging.exists();
        if had_staging {
            std::fs::remove_dir_all(&staging).at("cannot remove", &staging)?;
        }
        let target = self.packs_dir.join(name);
        if !target.join(MANIFEST).is_file() {
            if had_staging {
                return Ok(());
            }
            return Err(Error::NoSuchPack {
                name: name.to_owned(),
                place: self.packs_dir.display().to_string(),
            });
        }
        // Rename first so the pack disappears at once, then delete at leisure.
        let doomed = self.packs_dir.join(format!(".removing-{name}"));
        let _ = std::fs::remove_dir_all(&doomed);
        std::fs::rename(&target, &doomed).at("cannot remove", &target)?;
        std::fs::remove_dir_all(&doomed).at("cannot remove", &doomed)
    }
}

/// Write the manifest into a fully downloaded staging folder, check it loads, move it into place.
fn finish_staging(entry: &Entry, staging: &Path, target: &Path) -> Result<()> {
    let mut manifest = entry.manifest.clone();
    let pin = |file: &str| {
        entry
            .files
            .iter()
            .find(|f| f.path == file)
            .and_then(|f| f.sha256.clone())
    };
    if manifest.image.sha256.is_none() {
        manifest.image.sha256 = pin(&manifest.image.file);
    }
    if manifest.text.sha256.is_none() {
        manifest.text.sha256 = pin(&manifest.text.file);
    }
    let path = staging.join(MANIFEST);
    let text = toml::to_string(&manifest).map_err(|source| Error::Toml {
        path: path.clone(),
        source,
    })?;
    std::fs::write(&path, text).at("cannot write", &path)?;
    Pack::load(staging)?;
    std::fs::rename(staging, target).at("cannot move the pack into place", target)
}

/// Recursive copy of regular files and folders. Links to files are followed (a pack may link its encoders);
/// links to folders are refused, so a link loop cannot make the copy endless.
fn copy_tree(src: &Path, dst: &Path) -> Result<()> {
    crate::files::create_private_dir(dst)?;
    for entry in std::fs::read_dir(src).at("cannot read folder", src)? {
        let entry = entry.at("cannot read folder", src)?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let link = entry.file_type().at("cannot read folder", src)?.is_symlink();
        if from.is_dir() && link {
            return Err(Error::pack(&from, "a pack folder must not contain links to folders"));
        } else if from.is_dir() {
            copy_tree(&from, &to)?;
        } else {
            std::fs::copy(&from, &to).at("cannot copy", &from)?;
        }
    }
    Ok(())
}

/// Bytes of all files under `dir` (0 when missing).
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}
