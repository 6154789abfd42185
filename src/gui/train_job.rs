//! The training window's own background work: native pickers and reading caption and split files.
//!
//! The run itself (prepare, train, test, save) is the workspace's ([`crate::workspace::train`]); what is
//! left here needs a dialog or feeds only the form. Each piece runs on a named thread through
//! [`crate::jobs::Tasks`]; the panel drains the results in `App::logic`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::jobs::{Tasks, Waker};
use crate::train::captions::{self, CaptionSet};

/// Which picker was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    CaptionFile,
    CaptionFolder,
    Split,
}

/// What the panel's threads report.
pub enum Msg {
    Picked(Pick, PathBuf),
    Loaded {
        path: PathBuf,
        result: std::result::Result<Arc<CaptionSet>, Arc<Error>>,
    },
    SplitLoaded {
        path: PathBuf,
        result: std::result::Result<BTreeMap<String, Vec<String>>, Arc<Error>>,
    },
}

/// Spawns the panel's threads and collects their results.
pub struct Spawner {
    tasks: Tasks<Msg>,
}

impl Spawner {
    pub fn new(waker: Waker) -> Spawner {
        Spawner {
            tasks: Tasks::new(waker),
        }
    }

    /// Results that have arrived (a thread that cannot start is the error its starter returns).
    pub fn drain(&self) -> Vec<Msg> {
        self.tasks.drain()
    }

    fn run(&self, name: &str, f: impl FnOnce() -> Option<Msg> + Send + 'static) -> Result<()> {
        self.tasks.spawn_maybe(name, f)
    }

    /// Open a native file or folder dialog on a thread; a cancelled dialog sends nothing.
    pub fn pick(&self, what: Pick) -> Result<()> {
        self.run("pick-captions", move || {
            let dialog = rfd::FileDialog::new();
            let picked = match what {
                Pick::CaptionFile => dialog
                    .set_title("Choose a caption file")
                    .add_filter("Caption files", &["jsonl", "json", "txt", "token", "csv", "tsv"])
                    .pick_file(),
                Pick::CaptionFolder => dialog
                    .set_title("Choose a folder of photos with caption files")
                    .pick_folder(),
                Pick::Split => dialog
                    .set_title("Choose a split file")
                    .add_filter("Split files", &["json"])
                    .pick_file(),
            };
            picked.map(|p| Msg::Picked(what, p))
        })
    }

    pub fn load_captions(&self, path: PathBuf) -> Result<()> {
        self.run("load-captions", move || {
            let result = captions::load(&path).map(Arc::new).map_err(Arc::new);
            Some(Msg::Loaded { path, result })
        })
    }

    /// Read the library's own captions (and the picked prompts when `picked`) from the notes store.
    pub fn load_library(&self, data_dir: PathBuf, picked: bool) -> Result<()> {
        use crate::workspace::notes::{Notes, library_set};
        self.run("load-library-captions", move || {
            let result = Notes::open(&data_dir)
                .and_then(|n| library_set::library_caption_set(&n, picked))
                .map(Arc::new)
                .map_err(Arc::new);
            Some(Msg::Loaded {
                path: PathBuf::from(library_set::SOURCE),
                result,
            })
        })
    }

    pub fn load_split(&self, path: PathBuf) -> Result<()> {
        self.run("load-split", move || {
            let result = captions::read_split(&path).map_err(Arc::new);
            Some(Msg::SplitLoaded { path, result })
        })
    }
}
