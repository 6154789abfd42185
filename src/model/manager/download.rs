//! One file's download: resumable, cancellable, size- and SHA-256-checked.
//!
//! Bytes go to `<dest>.part`. A later attempt asks for the rest with an HTTP `Range` request; a server
//! that answers `200` instead of `206` gets a fresh start. Only a file whose size and SHA-256 match the
//! catalogue is renamed to `<dest>`. Interruptions (cancel, a dropped connection, a truncated body) keep
//! the `.part` so the next attempt resumes; wrong content (checksum or size mismatch, an HTTP error)
//! deletes it, because resuming bad bytes can never succeed.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cancel::CancelToken;
use crate::error::{Error, IoContext, Result};
use crate::model::pack::sha256_file;

/// What a download needs to know about its file.
pub(crate) struct Target<'a> {
    /// Pack-relative name (for messages).
    pub name: &'a str,
    pub url: &'a str,
    pub size: u64,
    pub sha256: &'a str,
    pub dest: PathBuf,
}

/// Why a download stopped; `resumable` failures keep their `.part` (and the staging folder) for the next
/// attempt, the others mean the bytes are wrong and are thrown away.
#[derive(Debug)]
pub(crate) struct Stop {
    pub error: Error,
    pub resumable: bool,
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        let resumable = matches!(error, Error::Cancelled);
        Stop { error, resumable }
    }
}

fn resumable(error: Error) -> Stop {
    Stop { error, resumable: true }
}

/// How a download ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Bytes were fetched (starting at `resumed_from`).
    Fetched { resumed_from: u64 },
    /// A verified file was already in place.
    AlreadyThere,
}

/// The blocking HTTP client: rustls, no automatic status errors (we name the file and URL ourselves),
/// connect and per-read timeouts so a stalled server fails instead of hanging forever.
pub(crate) fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .user_agent(concat!("vignette/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Where the bytes of `dest` collect until verified.
pub(crate) fn part_path(dest: &Path) -> PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

/// Download `t`, calling `progress(bytes_of_this_file_so_far)` as bytes arrive.
pub(crate) fn fetch(
    agent: &ureq::Agent,
    t: &Target<'_>,
    progress: &mut dyn FnMut(u64),
    cancel: &CancelToken,
) -> std::result::Result<Outcome, Stop> {
    let fail = |message: String| Error::Download {
        file: t.name.to_owned(),
        url: t.url.to_owned(),
        message,
    };
    if let Some(parent) = t.dest.parent() {
        crate::files::create_private_dir(parent)?;
    }
    if t.dest.is_file() {
        if sha256_file(&t.dest)?.eq_ignore_ascii_case(t.sha256) {
            progress(t.size);
            return Ok(Outcome::AlreadyThere);
        }
        std::fs::remove_file(&t.dest).at("cannot remove", &t.dest)?;
    }
    let part = part_path(&t.dest);
    let mut offset = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    if offset > t.size {
        offset = 0;
    }
    let resumed_from = if offset < t.size {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled.into());
        }
        receive(agent, t, &part, offset, progress, cancel, &fail)?
    } else {
        offset
    };
    progress(t.size);
    let got = sha256_file(&part)?;
    if !got.eq_ignore_ascii_case(t.sha256) {
        let _ = std::fs::remove_file(&part);
        return Err(fail(format!("SHA-256 mismatch: expected {}, got {got}", t.sha256)).into());
    }
    std::fs::rename(&part, &t.dest).at("cannot move download into place", &t.dest)?;
    Ok(Outcome::Fetched { resumed_from })
}

/// Fetch bytes `offset..size` into `part`; returns the offset actually resumed from.
fn receive(
    agent: &ureq::Agent,
    t: &Target<'_>,
    part: &Path,
    offset: u64,
    progress: &mut dyn FnMut(u64),
    cancel: &CancelToken,
    fail: &dyn Fn(String) -> Error,
) -> std::result::Result<u64, Stop> {
    let mut req = agent.get(t.url);
    if offset > 0 {
        req = req.header("Range", format!("bytes={offset}-"));
    }
    let mut resp = req.call().map_err(|e| resumable(fail(e.to_string())))?;
    let status = resp.status().as_u16();
    let start = match status {
        206 => {
            let range = resp
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            match content_range_start(range) {
                Some(s) if s == offset => offset,
                _ => {
                    return Err(fail(format!("asked for bytes from {offset}, server sent range {range:?}")).into());
                }
            }
        }
        200 => 0,
        416 => {
            // Our .part is no prefix the server recognises: start over next time.
            let _ = std::fs::remove_file(part);
            return Err(fail(format!(
                "HTTP 416: the server refused to resume at byte {offset}; the partial file was discarded, try again"
            ))
            .into());
        }
        _ => {
            let reason = resp.status().canonical_reason().unwrap_or("");
            let e = fail(format!("HTTP {status} {reason}").trim_end().to_owned());
            // A server error may pass; a client error (404, 403) will not.
            return Err(Stop {
                error: e,
                resumable: status >= 500,
            });
        }
    };
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(start == 0)
        .append(start > 0)
        .open(part)
        .at("cannot write", part)?;
    let mut done = start;
    let mut reader = resp.body_mut().as_reader();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if cancel.is_cancelled() {
            finish(&mut file, part)?;
            return Err(Error::Cancelled.into());
        }
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                finish(&mut file, part)?;
                return Err(resumable(fail(format!(
                    "connection lost after {done} of {} bytes ({e}); run the install again to resume",
                    t.size
                ))));
            }
        };
        let n64 = n as u64;
        if done + n64 > t.size {
            drop(file);
            let _ = std::fs::remove_file(part);
            return Err(fail(format!("the server sent more than the expected {} bytes", t.size)).into());
        }
        file.write_all(&buf[..n]).at("cannot write", part)?;
        done += n64;
        progress(done);
    }
    finish(&mut file, part)?;
    if done < t.size {
        return Err(resumable(fail(format!(
            "truncated: got {done} of {} bytes; run the install again to resume",
            t.size
        ))));
    }
    Ok(start)
}

fn finish(file: &mut File, part: &Path) -> Result<()> {
    file.flush().at("cannot write", part)?;
    file.sync_all().at("cannot sync", part)
}

/// Start offset of a `Content-Range: bytes START-END/TOTAL` header.
fn content_range_start(v: &str) -> Option<u64> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    rest.split('-').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_range() {
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes 0-0/1"), Some(0));
        assert_eq!(content_range_start("bytes */200"), None);
        assert_eq!(content_range_start(""), None);
    }
}
