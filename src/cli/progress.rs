//! Terminal progress and Ctrl-C for every long-running subcommand: one progress-bar style, one Ctrl-C
//! handler (installed once; a second `ctrlc` handler fails silently), one way to show an indexing job.

use indicatif::{ProgressBar, ProgressStyle};
use vignette::cancel::CancelToken;
use vignette::jobs::JobEvent;

/// Run `job` (which indexes, reporting through `emit`) under a terminal progress bar; Ctrl-C cancels.
pub fn with_progress<T>(
    quiet: bool,
    job: impl FnOnce(&dyn Fn(JobEvent), &CancelToken) -> vignette::Result<T>,
) -> anyhow::Result<T> {
    let cancel = CancelToken::new();
    on_ctrl_c(&cancel);
    let bar = progress_bar(quiet, "{spinner} {msg} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}");
    bar.set_message("scanning");
    let emit = |e: JobEvent| match e {
        JobEvent::Started { total } => {
            bar.set_length(total as u64);
            bar.set_message("indexing");
        }
        JobEvent::Progress { done, .. } => bar.set_position(done as u64),
        JobEvent::Skipped { path, reason } => bar.suspend(|| log::warn!("skipped {}: {reason}", path.display())),
        JobEvent::Note(n) => bar.suspend(|| log::info!("{n}")),
        JobEvent::Finished(_) | JobEvent::Cancelled(_) | JobEvent::Failed(_) => bar.finish_and_clear(),
    };
    let out = job(&emit, &cancel);
    bar.finish_and_clear();
    Ok(out?)
}

/// A terminal progress bar with `template` (hidden when `quiet`).
pub fn progress_bar(quiet: bool, template: &str) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Make Ctrl-C cancel `token` (the handler is installed once and cancels the newest token).
pub fn on_ctrl_c(token: &CancelToken) {
    static CURRENT: std::sync::Mutex<Option<CancelToken>> = std::sync::Mutex::new(None);
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    if let Ok(mut c) = CURRENT.lock() {
        *c = Some(token.clone());
    }
    INSTALLED.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            if let Some(t) = CURRENT.lock().ok().and_then(|c| c.clone()) {
                t.cancel();
            }
        });
        if let Err(e) = installed {
            log::warn!("Ctrl-C will not cancel cleanly: {e}");
        }
    });
}
