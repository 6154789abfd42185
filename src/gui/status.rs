//! The bottom status bar: indexing progress (done/total, photos per second, ETA, Cancel), the outcome
//! of the last run, how many photos are searchable, and messages for the user.
//!
//! [`JobView`] folds the job's events into what the bar shows, so the bar itself is a pure function of
//! state and the events stay the only input.

use std::time::Instant;

use egui::Ui;

use super::command::{Command, Message, SearchView};
use crate::jobs::JobEvent;

/// What the user sees of the indexing job.
#[derive(Debug, Default)]
pub struct JobView {
    pub done: usize,
    pub total: Option<usize>,
    pub per_second: f64,
    pub started: Option<Instant>,
    pub skipped: usize,
    /// The provider the image encoder runs on, as the job reported it.
    pub provider_note: Option<String>,
    /// Outcome of the last finished run.
    pub last: Option<String>,
}

impl JobView {
    /// A job is starting.
    pub fn begin(&mut self) {
        *self = JobView {
            provider_note: self.provider_note.take(),
            last: self.last.take(),
            ..JobView::default()
        };
        self.started = Some(Instant::now());
    }

    /// Fold one event in.
    pub fn apply(&mut self, e: JobEvent) {
        match e {
            JobEvent::Started { total } => self.total = Some(total),
            JobEvent::Progress {
                done,
                total,
                per_second,
            } => {
                (self.done, self.total, self.per_second) = (done, Some(total), per_second);
            }
            JobEvent::Skipped { .. } => self.skipped += 1,
            JobEvent::Note(n) => self.provider_note = Some(n),
            JobEvent::Finished(s) => {
                let fresh = s.indexed + s.reused;
                self.last = Some(if fresh == 0 && s.removed == 0 && s.skipped.is_empty() {
                    format!("Up to date ({} photos unchanged)", s.unchanged)
                } else {
                    format!(
                        "Indexed {fresh} photos ({}/{} done, {} unchanged, {} removed, {} skipped) in {:.1} s",
                        self.done,
                        self.total.unwrap_or(0),
                        s.unchanged,
                        s.removed,
                        s.skipped.len(),
                        s.seconds
                    )
                });
            }
            JobEvent::Cancelled(s) => {
                self.last = Some(format!("Indexing cancelled after {} photos", s.indexed + s.reused));
            }
            JobEvent::Failed(e) => self.last = Some(format!("Indexing failed: {e}")),
        }
    }

    /// Seconds left at the current rate, once there is a rate.
    pub fn eta_seconds(&self) -> Option<f64> {
        let total = self.total?;
        (self.per_second > 0.0).then(|| total.saturating_sub(self.done) as f64 / self.per_second)
    }
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Draw the status bar.
pub fn ui(ui: &mut Ui, job: &JobView, running: bool, messages: &[Message], search: &SearchView) -> Command {
    let mut cmd = Command::None;
    ui.horizontal(|ui| {
        if running {
            match job.total {
                None => {
                    ui.add(egui::Spinner::new().size(12.0));
                    ui.label("Scanning folders…");
                }
                Some(total) => {
                    let frac = if total == 0 {
                        1.0
                    } else {
                        job.done as f32 / total as f32
                    };
                    ui.add(egui::ProgressBar::new(frac).desired_width(160.0));
                    let mut text = format!("Indexing {}/{}", job.done, total);
                    if job.per_second > 0.0 {
                        text += &format!(" · {:.1} photos/s", job.per_second);
                    }
                    if let Some(eta) = job.eta_seconds() {
                        text += &format!(" · {} left", clock(eta));
                    }
                    ui.label(text);
                }
            }
            if ui.button("Cancel").clicked() {
                cmd = Command::CancelIndexing;
            }
        } else if let Some(last) = &job.last {
            ui.label(last);
        }
        ui.separator();
        match &search.unavailable {
            Some(why) => {
                ui.colored_label(super::theme::error(ui.visuals()), format!("Search unavailable: {why}"));
            }
            None => {
                ui.label(format!("{} photos searchable", search.searchable));
            }
        }
        if search.hits.is_some() && !search.ranking {
            ui.weak(format!("ranked in {} ms", search.took.as_millis()));
        }
        if let Some(m) = messages.last() {
            ui.separator();
            if m.error {
                ui.colored_label(super::theme::error(ui.visuals()), &m.text);
            } else {
                ui.label(&m.text);
            }
            if ui.small_button("Dismiss").clicked() {
                cmd = Command::DismissMessages;
            }
        }
    });
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_from_rate() {
        let mut j = JobView::default();
        j.apply(JobEvent::Progress {
            done: 10,
            total: 110,
            per_second: 20.0,
        });
        assert_eq!(j.eta_seconds(), Some(5.0));
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
