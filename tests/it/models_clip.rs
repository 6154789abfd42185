//! The CLIP-shaped tiny pack (`tests/fixtures/make_tiny_clip.py`): the manifest alone wires CLIP's
//! preprocessing (shorter side bicubic, centre crop, CLIP mean/std) and text side (byte-level BPE with
//! `</w>`, start/end tokens, padding to a fixed 77) through the normal index and search API, checked
//! against references computed independently in Python (Pillow and a separate BPE implementation).

use std::sync::Arc;

use vignette::engine::Engine;
use vignette::model::preprocess;
use vignette::model::tokenize::TextTokenizer;
use vignette::search::{SearchOptions, Searcher};

use crate::support::{TestEnv, names, tiny_pack};

fn reference() -> serde_json::Value {
    let text = std::fs::read_to_string(tiny_pack("tiny-clip").join("reference.json")).expect("reference");
    serde_json::from_str(&text).expect("json")
}

fn vector(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn bpe_tokens_match_the_reference_and_pad_to_77() {
    let env = TestEnv::new();
    let engine = env.engine("tiny-clip");
    let tok = TextTokenizer::load(&engine.pack.tokenizer, &engine.pack.manifest.text).expect("tokenizer");
    let refs = reference();
    let ids = refs["token_ids"].as_object().expect("ids");
    let sentences: Vec<&str> = ids.keys().map(String::as_str).collect();
    let batch = tok.encode(&sentences).expect("encode");
    assert_eq!((batch.n, batch.len), (sentences.len(), 77), "max_length padding");
    for (r, s) in sentences.iter().enumerate() {
        let want: Vec<i64> = ids[*s]
            .as_array()
            .expect("row")
            .iter()
            .map(|x| x.as_i64().expect("id"))
            .collect();
        assert_eq!(&batch.ids[r * 77..(r + 1) * 77], want.as_slice(), "{s:?}");
    }
    // The text encoder's input is fixed at 77: it only runs because the manifest pads to max_length.
    let v = engine
        .text_encoder()
        .expect("text encoder")
        .encode(&["a photo of grass"])
        .expect("encode");
    assert_eq!(v.len(), 8);
}

#[test]
fn bicubic_centre_crop_matches_pillow() {
    let env = TestEnv::new();
    let engine = env.engine("tiny-clip");
    let refs = reference();
    let img = image::open(tiny_pack("tiny-clip").join("parity.png"))
        .expect("open")
        .to_rgb8();
    let pixels = preprocess::tensor(&img, &engine.pack.manifest.image).expect("preprocess");
    let got = engine
        .image_encoder()
        .expect("image encoder")
        .encode(pixels, 1)
        .expect("encode")
        .search;
    let bicubic = vector(&refs["bicubic_center"]);
    let d = max_diff(&got, &bicubic);
    assert!(d < 0.01, "differs from Pillow bicubic + centre crop by {d}: {got:?}");
    // The reference tells the alternatives apart, so a manifest ignored on filter or crop would fail.
    assert!(max_diff(&got, &vector(&refs["bilinear_center"])) > 3.0 * d.max(0.005));
    assert!(max_diff(&got, &vector(&refs["bicubic_stretch"])) > 0.1);
}

#[test]
fn index_and_search_with_the_clip_shaped_pack() {
    let env = TestEnv::new();
    env.photo("red.png", [230, 20, 20]);
    env.photo("blue.png", [20, 20, 230]);
    // 48x16: blue sides, green centre. The centre crop sees only green; a stretch would see mostly blue.
    let wide = image::RgbImage::from_fn(48, 16, |x, _| {
        if (16..32).contains(&x) {
            image::Rgb([20, 230, 20])
        } else {
            image::Rgb([20, 20, 230])
        }
    });
    wide.save(env.photos().join("wide.png")).expect("save");
    let engine: Arc<Engine> = env.engine("tiny-clip");
    let (s, _) = env.index(&engine);
    assert_eq!(s.indexed, 3, "{s:?}");
    let mut searcher = Searcher::new(engine).expect("searcher");
    let all = SearchOptions { k: 10, min_score: -1.0 };
    let mut run = |q: &str| searcher.search(q, all).expect("search");
    assert_eq!(names(&run("red"))[0], "red.png");
    assert_eq!(names(&run("Crimson   PHOTO"))[0], "red.png");
    assert_eq!(names(&run("a photo of GRASS!"))[0], "wide.png");
    let score = |hits: &[vignette::search::Hit], name: &str| {
        hits.iter()
            .find(|h| h.path.ends_with(name))
            .map(|h| h.score)
            .expect("hit")
    };
    let green = score(&run("green"), "wide.png");
    let blue = score(&run("blue"), "wide.png");
    assert!(green > 0.9 && blue < 0.0, "centre crop: green {green}, blue {blue}");
    assert_eq!(names(&run("sky"))[0], "blue.png");
}
