//! A tiny HTTP/1.1 file server on 127.0.0.1 for the model manager tests: `Range` support, a 404 for
//! unknown paths, and a switch that cuts a response short, so resume and failure paths are real HTTP.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request the server saw: path and the start of its `Range`, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub path: String,
    pub range: Option<u64>,
}

#[derive(Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    /// Paths whose next full (non-Range) response is cut in half.
    truncate_once: Vec<String>,
    seen: Vec<Seen>,
}

/// A tiny HTTP/1.1 file server on 127.0.0.1 with `Range` support. It serves one connection at a time
/// and stops by itself: when dropped, after 60 s, or after 500 connections.
pub struct Server {
    base: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(files: HashMap<String, Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State {
            files,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while !sp.load(Ordering::SeqCst) && Instant::now() < deadline && served < 500 {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let _ = handle(stream, &st);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            base,
            state,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("lock").seen.clone()
    }

    pub fn truncate_once(&self, path: &str) {
        self.state.lock().expect("lock").truncate_once.push(path.to_owned());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn handle(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_owned();
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("range")
        {
            range = v
                .trim()
                .strip_prefix("bytes=")
                .and_then(|r| r.trim_end_matches('-').parse::<u64>().ok());
        }
    }
    let mut st = state.lock().expect("lock");
    st.seen.push(Seen {
        path: path.clone(),
        range,
    });
    let mut out = stream;
    let Some(body) = st.files.get(&path).cloned() else {
        return out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
    };
    let len = body.len() as u64;
    match range {
        Some(start) if start >= len => {
            write!(
                out,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        }
        Some(start) => {
            write!(
                out,
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{len}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                len - 1,
                len - start
            )?;
            out.write_all(&body[start as usize..])
        }
        None => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n"
            )?;
            if let Some(i) = st.truncate_once.iter().position(|p| *p == path) {
                st.truncate_once.remove(i);
                out.write_all(&body[..body.len() / 2])?;
                out.flush()?;
                return out.shutdown(std::net::Shutdown::Both);
            }
            out.write_all(&body)
        }
    }
}
