//! `vignette info`: where things live, which pack and runtime are in use, index statistics.

use std::process::ExitCode;

use clap::Args;
use vignette::config::{Config, DEFAULT_PACK};
use vignette::model::runtime;

/// Show model packs, index statistics, file locations, ONNX Runtime and the execution provider
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Also check every model file's SHA-256 against its pack manifest
    #[arg(long)]
    pub verify: bool,
}

pub fn run(config: Config, args: &InfoArgs) -> anyhow::Result<ExitCode> {
    println!("data folder:     {}", config.data_dir.display());
    let mut packs = vec![DEFAULT_PACK.to_owned()];
    if let Ok(rd) = std::fs::read_dir(config.packs_dir()) {
        packs.extend(
            rd.flatten()
                .filter(|e| e.path().join("pack.toml").is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_owned)),
        );
    }
    packs.sort();
    packs.dedup();
    println!("installed packs: {}", packs.join(", "));
    let engine = match super::engine(config.clone()) {
        Ok(e) => e,
        Err(e) => {
            println!("model pack:      {} (cannot load: {e:#})", config.pack);
            return Ok(ExitCode::FAILURE);
        }
    };
    let p = &engine.pack;
    let m = &p.manifest;
    println!(
        "model pack:      {} ({}), bridge {:?}, fingerprint {}",
        m.name,
        m.title,
        m.bridge,
        engine.fingerprint()
    );
    println!("  folder:        {}", p.dir.display());
    println!("  image encoder: {}", p.image_model.display());
    println!("  text encoder:  {}", p.text_model.display());
    println!("  licence:       {}", m.licence);
    for dir in vignette::config::model_search_path(&engine.config, &m.name) {
        println!("  model path:    {}", dir.display());
    }
    if let Some(h) = &m.head {
        println!("  trained head:  {} (blend {:.2})", h.name, h.blend);
    }
    if args.verify {
        let checked = p.verify()?;
        println!("  verified:      {} file(s) match their SHA-256", checked.len());
    }
    let index = engine.index()?;
    let s = index.stats()?;
    println!("index:           {}", index.path().display());
    println!(
        "  photos {}, folders {}, skipped {}, {:.1} MB on disk",
        s.photos,
        s.folders,
        s.skipped,
        s.bytes_on_disk as f64 / 1e6
    );
    for f in index.folder_status()? {
        match &f.offline {
            None => println!("  folder:        {} ({} photos)", f.path.display(), f.photos),
            Some(why) => println!(
                "  folder:        {} ({} photos kept, offline: {why})",
                f.path.display(),
                f.photos
            ),
        }
    }
    match runtime::init() {
        Ok(rt) => {
            println!("ONNX Runtime:    {} ({})", rt.library.display(), runtime::ORT_VERSION);
            match engine.image_encoder() {
                Ok(enc) => match enc.provider() {
                    (name, None) => println!("execution:       {name} (requested {:?})", engine.config.provider),
                    (name, Some(why)) => println!("execution:       {name}; {why}"),
                },
                Err(e) => println!("execution:       cannot start the image encoder: {e}"),
            }
        }
        Err(e) => println!("ONNX Runtime:    {e}"),
    }
    Ok(ExitCode::SUCCESS)
}
