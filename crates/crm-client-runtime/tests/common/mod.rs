//! A scripted HTTP/1.1 server on loopback for fault injection: each accepted
//! connection takes the next step of a script (answer, delay then answer,
//! drop the connection, send a truncated body) and records the request.
//! wiremock covers well-formed answers; this covers broken ones.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support"
)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted reaction to a request.
#[derive(Debug, Clone)]
pub enum Step {
    /// Answer with a status, extra headers and a body.
    Respond(u16, Vec<(String, String)>, String),
    /// Wait, then answer 200 with the body.
    Slow(Duration, String),
    /// Close the connection without answering.
    Drop,
    /// Announce `Content-Length` of the whole body but send only its first half.
    Truncate(String),
    /// Answer with this status and an endless chunked body: `chunk` bytes of
    /// `x` per chunk, `pause` between chunks, until the client goes away.
    Endless {
        /// The status line's code.
        status: u16,
        /// Bytes per chunk.
        chunk: usize,
        /// The pause between chunks.
        pause: Duration,
    },
    /// Announce a `Content-Length` of this many bytes, then send an endless
    /// stream of `x` (the client must not believe or wait for it).
    Announce(u64),
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct ScriptServer {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ScriptServer {
    /// Starts a server that plays `script` (the last step repeats).
    pub async fn start(script: Vec<Step>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let seen_task = Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let step = {
                    let mut s = script.lock().unwrap();
                    if s.len() > 1 {
                        s.pop_front()
                    } else {
                        s.front().cloned()
                    }
                };
                let seen = Arc::clone(&seen_task);
                tokio::spawn(async move { serve(stream, step, seen).await });
            }
        });
        ScriptServer { url, seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, step: Option<Step>, seen: Arc<Mutex<Vec<Seen>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    seen.lock().unwrap().push(request);
    let Some(step) = step else { return };
    let reply = |status: u16, headers: &[(String, String)], body: &str, announced: usize| {
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-length: {announced}\r\nconnection: close\r\ncontent-type: application/json\r\n"
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(body);
        head
    };
    match step {
        Step::Respond(status, headers, body) => {
            let _ = stream
                .write_all(reply(status, &headers, &body, body.len()).as_bytes())
                .await;
        }
        Step::Slow(delay, body) => {
            tokio::time::sleep(delay).await;
            let _ = stream
                .write_all(reply(200, &[], &body, body.len()).as_bytes())
                .await;
        }
        Step::Drop => {}
        Step::Truncate(body) => {
            let half = &body[..body.len() / 2];
            let _ = stream
                .write_all(reply(200, &[], half, body.len()).as_bytes())
                .await;
        }
        Step::Endless {
            status,
            chunk,
            pause,
        } => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut frame = format!("{chunk:x}\r\n").into_bytes();
            frame.extend(std::iter::repeat_n(b'x', chunk));
            frame.extend_from_slice(b"\r\n");
            while stream.write_all(&frame).await.is_ok() {
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            return;
        }
        Step::Announce(length) => {
            let head = format!(
                "HTTP/1.1 200 X\r\ncontent-length: {length}\r\ncontent-type: application/json\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b'x'; 64 * 1024];
            while stream.write_all(&block).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            return;
        }
    }
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}

pub fn ok(body: &str) -> Step {
    Step::Respond(200, vec![], body.to_owned())
}

pub fn status(code: u16) -> Step {
    Step::Respond(code, vec![], format!("{{\"errors\": [\"status {code}\"]}}"))
}

pub fn status_with(code: u16, header: &str, value: &str) -> Step {
    Step::Respond(
        code,
        vec![(header.to_owned(), value.to_owned())],
        format!("{{\"errors\": [\"status {code}\"]}}"),
    )
}
