//! Keyboard shortcuts that work anywhere in the main window, and the list the help overlay shows.
//!
//! One table ([`SHORTCUTS`]) is both the help text and the documentation; keys that would type into a
//! text field (`/`, `?`, Space, Enter) act only while no field has the keyboard, the modifier shortcuts
//! always. The grid's own arrow keys live in `grid.rs` (they need the column count).

use egui::{Key, Modifiers};

use super::command::Command;

/// Every shortcut, as the help overlay lists it.
pub const SHORTCUTS: [(&str, &str); 10] = [
    ("Ctrl+L or /", "Focus the search field"),
    ("Esc", "Leave the search field (then the arrows move in the grid)"),
    ("Arrow keys", "Move the selection in the grid"),
    ("Shift+click, Ctrl+click", "Select a range, add or remove one photo"),
    ("Enter", "Show the preview of the selected photo"),
    ("Space", "Pin the selected photo to the current list, or unpin it"),
    ("Ctrl+E", "Export the current list into the export folder"),
    ("Double-click", "Open the photo in the system viewer"),
    ("F1 or ?", "Show or hide this help"),
    ("Drop a folder", "Add it to the library and index it"),
];

/// The commands the keys pressed this frame ask for.
pub fn shortcuts(ctx: &egui::Context) -> Vec<Command> {
    let typing = ctx.egui_wants_keyboard_input();
    ctx.input_mut(|i| {
        let mut out = Vec::new();
        if i.consume_key(Modifiers::COMMAND, Key::L) || (!typing && i.consume_key(Modifiers::NONE, Key::Slash)) {
            out.push(Command::FocusSearch);
        }
        if i.consume_key(Modifiers::COMMAND, Key::E) {
            out.push(Command::ExportList);
        }
        if i.consume_key(Modifiers::NONE, Key::F1) || (!typing && i.key_pressed(Key::Questionmark)) {
            out.push(Command::ToggleHelp);
        }
        if !typing {
            if i.consume_key(Modifiers::NONE, Key::Space) {
                out.push(Command::TogglePin(None));
            }
            if i.consume_key(Modifiers::NONE, Key::Enter) {
                out.push(Command::ShowPreview);
            }
        }
        out
    })
}
