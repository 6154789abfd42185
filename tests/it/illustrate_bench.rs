//! How a long paragraph's query is built, measured: on the flickr8k-1k test split (200 photos, five
//! captions each) a "paragraph" is a photo's five captions. It fits the token limit, so encoding it
//! whole is the reference; the sentence mean that `illustrate` uses beyond the limit is compared with
//! it, and with the first sentence alone (what truncation keeps of a paragraph twice the limit).
//!
//! Run: `VIGNETTE_SHARED_DIR=../shared cargo test --test it paragraph_query -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use vignette::config::Config;
use vignette::engine::Engine;
use vignette::search::{SearchOptions, Searcher, Term, TermKind};

#[test]
#[ignore = "needs VIGNETTE_SHARED_DIR with flickr8k-1k; a minute or two"]
fn paragraph_query_sentence_mean_against_whole_and_truncated() {
    let Some(shared) = crate::support::shared_dir() else {
        return;
    };
    let set = shared.join("datasets/flickr8k-1k");
    let split: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(set.join("split.json")).expect("split")).expect("json");
    let test: Vec<String> = split["test"]
        .as_array()
        .expect("test")
        .iter()
        .map(|v| format!("images/{}", v.as_str().expect("name")))
        .collect();
    let mut captions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(set.join("captions.jsonl"))
        .expect("captions")
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).expect("line");
        let image = v["image"].as_str().expect("image").to_owned();
        captions
            .entry(image)
            .or_default()
            .push(v["caption"].as_str().expect("caption").to_owned());
    }
    let data = tempfile::tempdir().expect("tmp");
    let engine = Arc::new(Engine::open(Config::new(Some(data.path().to_path_buf())).expect("config")).expect("engine"));
    let roots: Vec<PathBuf> = test.iter().map(|n| set.join(n)).collect();
    crate::support::index_roots(&engine, roots);
    let mut searcher = Searcher::new(Arc::clone(&engine)).expect("searcher");
    let opts = SearchOptions {
        k: 200,
        min_score: -2.0,
    };
    let text = |s: &str| Term {
        kind: TermKind::Text(s.to_owned()),
        weight: 1.0,
    };
    let (mut ranks_whole, mut ranks_mean, mut ranks_first) = (Vec::new(), Vec::new(), Vec::new());
    for name in &test {
        let caps = &captions[name];
        let target = std::fs::canonicalize(set.join(name)).expect("canonical");
        let mut rank = |terms: &[Term]| {
            let hits = searcher.search_terms(terms, opts).expect("search");
            hits.iter().position(|h| h.path == target).unwrap_or(hits.len())
        };
        ranks_whole.push(rank(&[text(&caps.join(" "))]));
        ranks_mean.push(rank(&caps.iter().map(|c| text(c)).collect::<Vec<_>>()));
        ranks_first.push(rank(&[text(&caps[0])]));
    }
    let recall = |r: &[usize], k: usize| 100.0 * r.iter().filter(|&&x| x < k).count() as f64 / r.len() as f64;
    let line = |name: &str, r: &[usize]| {
        format!(
            "{name:<28} R@1 {:5.1}  R@5 {:5.1}  R@10 {:5.1}",
            recall(r, 1),
            recall(r, 5),
            recall(r, 10)
        )
    };
    let report = [
        line("whole paragraph (reference)", &ranks_whole),
        line("mean of sentence embeddings", &ranks_mean),
        line("first sentence only", &ranks_first),
    ]
    .join("\n");
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{} photos\n{report}", test.len());
    assert!(recall(&ranks_mean, 5) >= recall(&ranks_first, 5), "{report}");
}
