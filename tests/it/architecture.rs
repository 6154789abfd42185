//! Guards on the source tree's shape: the module graph is one-way and no file in `src/` grows past 400
//! lines. Read from the source text (`use` lines and paths), so they run in milliseconds and need no build
//! tooling; the README's architecture section draws the graph these tests keep true.
//!
//! Nodes are the top-level modules (`workspace`, `jobs`, ...) and, inside each, its child modules
//! (`gui::app`, `gui::command`, ...). An edge is any `crate::a::b` path or `super::b` path in code
//! (comments and doc comments are ignored). The binary (`main.rs`, `cli/`) sits above the library and is
//! checked as one more node. Test modules (`#[cfg(test)] mod tests`) may look anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest file allowed in `src/`.
const MAX_LINES: usize = 400;

/// Known violations (none left; listed here if one must land before it is split).
const KNOWN_LONG: [&str; 0] = [];
/// Known edges against the layering (none: the issue 9 helpers moved to the leaf module `files`).
const KNOWN_EDGES: [(&str, &str); 0] = [];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/gui/app.rs` → ["gui", "app"], `src/gui/mod.rs` → ["gui"].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("under src");
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    if parts.first().is_some_and(|p| p == "main") {
        // The binary's root: its modules are `cli`.
        return vec!["cli".to_owned()];
    }
    parts
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module paths referenced from `module` in `code` (`crate::…` absolute, `super::…` relative).
fn references(module: &[String], is_mod_file: bool, code: &str) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|seg| {
                seg.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|seg| !seg.is_empty() && seg.chars().next().is_some_and(char::is_lowercase))
            .collect()
    };
    // `a::{b, c::d}` names `a::b` and `a::c`; a plain path names itself.
    let paths = |rest: &str| -> Vec<Vec<String>> {
        match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|item| ident(item.trim()))
                .collect(),
            None => vec![ident(rest)],
        }
    };
    for (i, _) in code.match_indices("crate::") {
        out.extend(paths(&code[i + "crate::".len()..]));
    }
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with("super::") {
            continue; // counted with the first `super::` of the chain
        }
        // `super` of a `mod.rs` file's children is the folder's module; of a plain file, its parent.
        let mut base = module.to_vec();
        if !is_mod_file {
            base.pop();
        }
        let mut rest = &code[i + "super::".len()..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        for p in paths(rest) {
            let mut full = base.clone();
            full.extend(p);
            out.insert(full);
        }
    }
    // `use vignette::…` in the binary names the library's top-level modules.
    for (i, _) in code.match_indices("vignette::") {
        out.extend(paths(&code[i + "vignette::".len()..]));
    }
    out.retain(|r| !r.is_empty());
    out
}

/// Edges between nodes that share the `prefix` (the top level when empty), at the next level down.
fn graph(prefix: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let module = module_of(&f);
        if module.len() <= prefix.len() || !module.starts_with(prefix) {
            continue;
        }
        let from = module[prefix.len()].clone();
        let text = std::fs::read_to_string(&f).expect("read");
        let is_mod = f.file_name().is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        for r in references(&module, is_mod, &code(&text)) {
            let known = prefix.is_empty()
                && r.first()
                    .is_some_and(|t| KNOWN_EDGES.contains(&(from.as_str(), t.as_str())));
            if r.len() > prefix.len() && r.starts_with(prefix) && r[prefix.len()] != from && !known {
                g.entry(from.clone()).or_default().insert(r[prefix.len()].clone());
            }
        }
        g.entry(from).or_default();
    }
    g
}

/// A cycle in `g`, if there is one, as the list of nodes around it.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let start = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n.as_str())
            && let Some(c) = visit(n, g, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn top_level_modules_form_no_cycle() {
    let g = graph(&[]);
    assert!(g.contains_key("workspace") && g.contains_key("jobs"), "{g:?}");
    assert!(
        g["gui"].contains("workspace"),
        "the GUI is a view of the workspace: {g:?}"
    );
    if let Some(c) = find_cycle(&g) {
        panic!("module cycle: {}\ngraph: {g:#?}", c.join(" -> "));
    }
}

#[test]
fn the_core_never_imports_a_front_end() {
    let g = graph(&[]);
    for core in [
        "library",
        "model",
        "index",
        "search",
        "train",
        "jobs",
        "engine",
        "workspace",
        "config",
        "error",
        "cancel",
        "bytes",
    ] {
        let bad: Vec<&String> = g[core].iter().filter(|m| *m == "gui" || *m == "cli").collect();
        assert!(bad.is_empty(), "{core} imports {bad:?}");
    }
    assert!(
        g["cancel"].is_empty() && g["bytes"].is_empty(),
        "leaf modules stay leaves: {g:?}"
    );
}

/// Inside each layer too.
#[test]
fn modules_inside_each_layer_form_no_cycle() {
    for top in [
        "gui",
        "workspace",
        "jobs",
        "index",
        "library",
        "search",
        "model",
        "train",
        "cli",
    ] {
        let g = graph(&[top.to_owned()]);
        if let Some(c) = find_cycle(&g) {
            panic!("cycle inside {top}: {}\ngraph: {g:#?}", c.join(" -> "));
        }
    }
}

#[test]
fn panels_never_import_the_app() {
    let g = graph(&["gui".to_owned()]);
    // `apply`, `apply_picks` and `events` are the app's own `impl VignetteApp` blocks, split into files.
    for (m, deps) in &g {
        if !["app", "apply", "apply_picks", "events"].contains(&m.as_str()) {
            assert!(!deps.contains("app"), "gui::{m} imports gui::app: {deps:?}");
        }
    }
}

#[test]
fn no_source_file_is_over_400_lines() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).expect("read").lines().count()))
        .filter(|(f, n)| *n > MAX_LINES && !KNOWN_LONG.iter().any(|k| f.ends_with(k)))
        .map(|(f, n)| format!("{} ({n} lines)", f.display()))
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}
