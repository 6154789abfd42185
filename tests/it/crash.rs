//! SIGKILL at random moments of real runs of the `vignette` binary (indexing, pruning) and of a folder
//! removal in a child process: after every kill the index opens, passes `PRAGMA integrity_check`, holds no
//! duplicate or half-written row, every photo lies under a remembered folder, and a re-run finishes.
//! The kill times are drawn from a seed printed at the start (set `VIGNETTE_CRASH_SEED` to replay one).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use vignette::config::Config;
use vignette::engine::Engine;
use vignette::index::WriteLock;

use crate::rel_support::{check_consistent, cli, err, run};
use crate::support::{TestEnv, tiny_pack};

/// xorshift64*: enough randomness for kill times, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

fn photo(dir: &Path, name: &str, seed: u64) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let img = image::RgbImage::from_fn(48, 32, |x, y| {
        let v = seed.wrapping_mul(2_654_435_761).wrapping_add(u64::from(x * 7 + y * 13));
        image::Rgb([(v % 251) as u8, (v / 3 % 241) as u8, (v / 7 % 239) as u8])
    });
    img.save(dir.join(name)).expect("save");
}

/// Kill `child` after `after` (unless it ended on its own first); returns whether the kill landed.
fn kill_after(mut child: Child, after: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let landed = child.try_wait().expect("try_wait").is_none();
    let _ = child.kill();
    child.wait().expect("wait");
    landed
}

fn check(db: &Path) {
    if db.exists() {
        check_consistent(db, 4);
    }
}

#[test]
fn sigkill_at_random_moments_of_indexing_and_pruning() {
    let seed = std::env::var("VIGNETTE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| u64::from(std::process::id()) * 7919 + 1);
    eprintln!("VIGNETTE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let env = TestEnv::new();
    let mut next = 0u64;
    for _ in 0..40 {
        photo(&env.photos(), &format!("p{next:03}.png"), next);
        next += 1;
    }
    let db = env.engine("tiny-aligned").index_path();
    let photos = env.photos();
    // How long a whole run takes here decides the range of kill times.
    let t = Instant::now();
    let o = run(&env, &["index", photos.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", err(&o));
    let full = t.elapsed();
    std::fs::remove_dir_all(env.data()).expect("start over");

    // Every round gives the run something to prune and something to add, so each kill can land in real
    // work; rounds go on until 22 kills landed mid-run (at most 60 rounds).
    let (mut landed, mut rounds) = (0, 0);
    while landed < 22 && rounds < 60 {
        rounds += 1;
        let mut names: Vec<PathBuf> = std::fs::read_dir(&photos)
            .expect("ls")
            .map(|e| e.expect("entry").path())
            .collect();
        names.sort();
        for _ in 0..2 {
            let victim = names.remove(rng.below(names.len() as u64) as usize);
            std::fs::remove_file(victim).expect("rm");
        }
        for _ in 0..6 {
            photo(&photos, &format!("p{next:03}.png"), next);
            next += 1;
        }
        let child = cli(&env)
            .args(["index", photos.to_str().expect("utf8")])
            .spawn()
            .expect("spawn");
        let after = Duration::from_micros(rng.below(full.as_micros() as u64 * 6 / 10));
        landed += usize::from(kill_after(child, after));
        check(&db);
    }
    eprintln!("{landed} kills landed mid-run in {rounds} rounds (a full run takes {full:?})");
    assert!(landed >= 20, "only {landed} kills landed mid-run");

    let o = run(&env, &["index", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let on_disk = std::fs::read_dir(&photos).expect("ls").count();
    assert_eq!(check_consistent(&db, 4), on_disk, "the re-run finished the rest");
}

#[test]
fn sigkill_during_folder_removal() {
    let env = TestEnv::new();
    let extra = env.dir.path().join("extra");
    for i in 0..30 {
        photo(&env.photos(), &format!("a{i}.png"), i);
        photo(&extra, &format!("b{i}.png"), 100 + i);
    }
    let db = env.engine("tiny-aligned").index_path();
    let mut rng = Rng(u64::from(std::process::id()) | 1);
    let mut landed = 0;
    for _ in 0..6 {
        let o = run(
            &env,
            &[
                "index",
                env.photos().to_str().expect("utf8"),
                extra.to_str().expect("utf8"),
            ],
        );
        assert!(o.status.success(), "{}", err(&o));
        let child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "crash::remove_folder_child", "--ignored", "--quiet"])
            .env("VIGNETTE_REL_DATA", env.data())
            .env("VIGNETTE_REL_FOLDER", std::fs::canonicalize(&extra).expect("canon"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        landed += usize::from(kill_after(child, Duration::from_millis(rng.below(400))));
        let n = check_consistent(&db, 4);
        assert!(n == 30 || n == 60, "all of the folder's photos or none: {n}");
    }
    eprintln!("{landed} of 6 removals killed before they ended");
}

/// The child process of [`sigkill_during_folder_removal`]: removes one folder the way the app does.
#[test]
#[ignore = "run as a child process by sigkill_during_folder_removal"]
fn remove_folder_child() {
    let (Some(data), Some(folder)) = (
        std::env::var_os("VIGNETTE_REL_DATA"),
        std::env::var_os("VIGNETTE_REL_FOLDER"),
    ) else {
        return;
    };
    let mut config = Config::new(Some(PathBuf::from(data))).expect("config");
    config.pack = tiny_pack("tiny-aligned").to_string_lossy().into_owned();
    let engine = Engine::open(config).expect("engine");
    let _lock = WriteLock::for_index(&engine.index_path(), "removing a folder").expect("lock");
    let mut index = engine.index().expect("index");
    index.remove_folder(Path::new(&folder)).expect("remove");
}
