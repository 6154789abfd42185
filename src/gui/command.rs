//! What panels say to the app and the shared view data they read: the [`Command`]s a panel returns
//! (applied by the app at the end of the frame), the status-bar [`Message`]s and the live [`SearchView`].
//!
//! Its own module so the graph inside the GUI is one-way: `app` imports every panel, and panels import
//! only this module (never `app`), so no panel can reach into the app's runtime handles.

use std::path::PathBuf;
use std::time::Duration;

use crate::search::Hit;

/// What a panel asks the app to do, applied at the end of the frame.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    None,
    /// Check then index dropped or picked folders and photos.
    AddPaths(Vec<PathBuf>),
    PickFolder,
    RemoveFolder(PathBuf),
    /// Re-scan one folder, or every folder.
    Rescan(Option<PathBuf>),
    CancelIndexing,
    /// The query text changed.
    Search,
    Select {
        index: usize,
        mode: SelectMode,
    },
    /// Move the focus by this many tiles (arrow keys).
    MoveFocus(isize),
    CopyImage(PathBuf),
    CopyPath(PathBuf),
    Open(PathBuf),
    ShowInFolder(PathBuf),
    ExportSelection,
    MoreLikeThis(PathBuf),
    /// Show every member of the near-duplicate group shown as this photo.
    ExpandGroup(i64),
    /// Open the Passage window.
    ShowPassage,
    /// Read a passage from a file picked in a dialog.
    OpenPassage,
    /// Rank the library for each part of the Passage window's text.
    Illustrate,
    /// The writer picked this photo for `prompt` (a paragraph of a passage): it joins the current shortlist.
    Pick {
        path: PathBuf,
        prompt: String,
        score: f32,
    },
    /// Engine settings changed: open the engine again.
    ReopenEngine,
    /// Open the training window.
    ShowTraining,
    /// Train with the training window's caption set, split and options.
    StartTraining,
    CancelTraining,
    /// Save the trained head under this name.
    SaveHead(String),
    /// A head was saved: switch to the pack it went into (when that is not the open one), then re-open.
    UseHead {
        switch_to: Option<String>,
    },
    PickDataDir,
    DismissMessages,
    /// Pin `path` to the current shortlist, or unpin it when it is there (`None`: the focused photo).
    TogglePin(Option<PathBuf>),
    /// Change a shortlist or caption in the notes store.
    Note(crate::workspace::notes::worker::Op),
    /// Make `name` the current shortlist (created with its first pick).
    UseList(String),
    RenameList {
        from: String,
        to: String,
    },
    /// Export the current shortlist into the export folder.
    ExportList,
    PickExportDir,
    CopyListPaths,
    /// Give the search field the keyboard.
    FocusSearch,
    /// Show the preview panel (Enter).
    ShowPreview,
    /// Show or hide the keyboard help.
    ToggleHelp,
    /// Save the library's captions as a JSON Lines file (asks where).
    ExportCaptions,
    /// Write the library's captions as `.txt` sidecars beside the photos.
    WriteSidecars,
    /// Install a catalogue pack (the first-run suggestion), showing the Models window.
    InstallPack(String),
}

/// A line for the user, shown in the status bar until dismissed.
#[derive(Debug, Clone)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The live state of the current query.
#[derive(Default)]
pub struct SearchView {
    pub query: String,
    pub generation: u64,
    /// A query was sent and its answer has not come back.
    pub ranking: bool,
    /// Ranked hits of the last answered query; `None` while the query is empty.
    pub hits: Option<Vec<Hit>>,
    pub searchable: usize,
    pub error: Option<String>,
    pub took: Duration,
    pub unavailable: Option<String>,
    /// The search field takes the keyboard on its next frame (Ctrl+L, `/`).
    pub focus_requested: bool,
}

/// How a click changes the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectMode {
    Only,
    Toggle,
    Range,
}
