//! Compiles the default model pack (`models/seed-effnet-minilm/`) into the binary.
//!
//! Every file of that folder becomes a `(name, include_bytes!)` entry of `default_pack.rs` in `OUT_DIR`, read
//! by `src/model/builtin.rs`. Listing the folder here (instead of naming files in the source) means a file
//! added to the pack is embedded without touching the code. Why embed at all: `cargo install`, a copied
//! binary and a fresh clone must search offline on the first run with no other file beside them. Without
//! the feature `embedded-pack` the list is empty (the `.deb` installs the pack under `share/` instead).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("models/seed-effnet-minilm");
    println!("cargo:rerun-if-changed={}", dir.display());
    // Packages that install the pack under share/ build without the feature `embedded-pack`.
    let embed = std::env::var_os("CARGO_FEATURE_EMBEDDED_PACK").is_some();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list the default pack at {}: {e}", dir.display()))
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| embed && p.is_file())
        .collect();
    files.sort();
    let mut src = String::from(
        "/// The default pack's files: (file name, contents).\npub(crate) static FILES: &[(&str, &[u8])] = &[\n",
    );
    for f in &files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 file name in models/");
        println!("cargo:rerun-if-changed={}", f.display());
        writeln!(src, "    ({name:?}, include_bytes!({:?})),", f.display().to_string()).expect("write to String");
    }
    src.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("default_pack.rs");
    std::fs::write(&out, src).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
