//! Unit tests of `trainer` (kept beside it so the module stays short).

use super::*;
use crate::train::data::row;

/// Images with random features; each has 3 captions that are noisy linear views of its features, so a
/// head can learn the mapping but the raw spaces do not match.
pub(crate) fn synthetic(n_images: usize, image_dim: usize, text_dim: usize, seed: u64) -> TrainData {
    let mut r = Rng::new(seed, 77);
    let map: Vec<f32> = (0..image_dim * text_dim).map(|_| r.uniform(-1.0, 1.0)).collect();
    let image_features: Vec<f32> = (0..n_images * image_dim).map(|_| r.uniform(0.0, 3.0)).collect();
    let normalise = |v: &mut [f32]| {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.iter_mut().for_each(|x| *x /= n);
    };
    let (mut text_features, mut caption_image, mut image_zero_shot) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n_images {
        let f = row(&image_features, image_dim, i);
        let clean: Vec<f32> = (0..text_dim)
            .map(|k| f.iter().enumerate().map(|(j, x)| x * map[j * text_dim + k]).sum())
            .collect();
        let mut z: Vec<f32> = clean.iter().map(|x| x + r.uniform(-4.0, 4.0)).collect();
        normalise(&mut z);
        image_zero_shot.extend(z);
        for _ in 0..3 {
            let mut t: Vec<f32> = clean.iter().map(|x| x + r.uniform(-1.0, 1.0)).collect();
            normalise(&mut t);
            text_features.extend(t);
            caption_image.push(i);
        }
    }
    TrainData {
        image_features,
        image_zero_shot,
        text_features,
        caption_image,
        image_dim,
        text_dim,
    }
}

fn small_opts(seed: u64) -> TrainOptions {
    TrainOptions {
        hidden: 32,
        embed: 16,
        batch_size: 16,
        max_epochs: 6,
        patience: 100,
        validation_fraction: 0.25,
        seed,
        ..Default::default()
    }
}

fn run(data: &TrainData, opts: &TrainOptions) -> TrainOutcome {
    train(data, opts, &|| false, &mut |_| {}).expect("training runs")
}

#[test]
fn loss_decreases_and_head_beats_chance() {
    let data = synthetic(48, 10, 8, 1);
    let out = run(&data, &small_opts(1));
    let first = out.history[0].train_loss;
    let last = out.history.last().map(|h| h.train_loss).unwrap_or(first);
    assert!(last < 0.7 * first, "loss {first} -> {last}");
    // 12 validation images: chance R@10 would be ~83%, R@1 ~8%.
    let best = &out.history[out.best_epoch - 1].validation.text_to_image;
    assert!(best.r1 > 30.0, "validation R@1 {}", best.r1);
    assert_eq!(out.validation_images.len(), 12);
    assert!(out.validation.blend.text_to_image.rsum() >= out.validation.zero_shot.text_to_image.rsum());
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let data = synthetic(40, 10, 8, 2);
    let a = run(&data, &small_opts(5));
    let b = run(&data, &small_opts(5));
    let losses = |o: &TrainOutcome| o.history.iter().map(|h| h.train_loss).collect::<Vec<_>>();
    assert_eq!(losses(&a), losses(&b));
    assert_eq!(a.head.weights(), b.head.weights());
    assert_eq!((a.best_epoch, a.blend), (b.best_epoch, b.blend));
    let c = run(&data, &small_opts(6));
    assert_ne!(losses(&a), losses(&c));
}

#[test]
fn cancel_and_callbacks() {
    let data = synthetic(20, 6, 4, 3);
    let err = train(&data, &small_opts(0), &|| true, &mut |_| {}).err();
    assert!(matches!(err, Some(Error::Cancelled)), "{err:?}");
    let mut seen = Vec::new();
    let mut opts = small_opts(0);
    opts.max_epochs = 3;
    let out = train(&data, &opts, &|| false, &mut |r| seen.push(r.epoch)).expect("train");
    assert_eq!(seen, vec![1, 2, 3]);
    assert_eq!(out.history.len(), 3);
}

#[test]
fn early_stopping_respects_patience() {
    let data = synthetic(20, 6, 4, 4);
    let mut opts = small_opts(0);
    opts.lr = 0.0; // nothing changes, so epoch 1 stays best
    opts.weight_decay = 0.0;
    opts.patience = 2;
    opts.max_epochs = 10;
    let out = run(&data, &opts);
    assert_eq!(out.best_epoch, 1);
    assert_eq!(out.history.len(), 3);
}

#[test]
fn residual_head_starts_as_the_identity() {
    let mut data = synthetic(16, 8, 8, 5);
    data.image_features = data.image_zero_shot.clone();
    let mut opts = small_opts(0);
    opts.kind = HeadKind::Residual;
    opts.lr = 0.0;
    opts.weight_decay = 0.0;
    opts.max_epochs = 1;
    let out = run(&data, &opts);
    let enc = out.head.encode_images(&data.image_zero_shot, 16).expect("encode");
    assert!(enc.iter().zip(&data.image_zero_shot).all(|(a, b)| (a - b).abs() < 1e-5));
    assert_eq!(
        out.validation.head.text_to_image,
        out.validation.zero_shot.text_to_image
    );
    // And it learns when allowed to.
    opts.lr = 1e-2;
    opts.max_epochs = 3;
    let out = run(&data, &opts);
    assert_ne!(out.head.weights().0.w2, vec![0.0; 32 * 8]);
}

#[test]
fn rejects_bad_options() {
    let data = synthetic(20, 6, 4, 3);
    let mut o = small_opts(0);
    o.validation_fraction = 0.0;
    assert!(matches!(train(&data, &o, &|| false, &mut |_| {}), Err(Error::Train(_))));
    let mut o = small_opts(0);
    o.kind = HeadKind::Residual; // 6 != 4
    assert!(matches!(train(&data, &o, &|| false, &mut |_| {}), Err(Error::Train(_))));
}
