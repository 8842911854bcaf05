//! A loopback token endpoint answering every client with the same RingCentral-shaped body.
//!
//! Deliberately minimal (HTTP/1.1 keep-alive, `Content-Length` bodies only) so that it costs
//! little next to the clients under test, and identical for all of them. It runs on its own
//! thread and runtime, pinned to another core than the clients.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// The token endpoint's path, as RingCentral's.
pub const TOKEN_PATH: &str = "/restapi/oauth/token";

/// What RingCentral answers to a code exchange (values made up, shapes and lengths real).
pub const TOKEN_BODY: &str = concat!(
    r#"{"access_token":"U0pDMTFQMDFQQVMwMHxBQUJfTVpHWk5lM29zNVFmWnNHQzlMSy1mMmJKdGFVZ1RYRTBUNnBWMmxhRl9IMTZWdmJ0M0xwdnRRZnh0SHdNa0RrdHBHcFZMVlRWN3dXWDhvbzVKdzNOTHNmaWZlVDhSM2pHUVJRfE1Dd2dUUXxKVFNvZVJfQmNpWnlqU2pHTGxNV3RBfEFR","#,
    r#""token_type":"bearer","expires_in":3600,"#,
    r#""refresh_token":"U0pDMTFQMDFQQVMwMHxBQUJfTVpHWk5lM29zNVFmWnNHQzlMSy1mMmJKdGFVZ1RYRTBUNnBWMmxhRl9IMTZWdmJ0M0xwdnRRZnh0SHdNa0RrdHBHcFZMVlRWN3dXWDhvbzVKdzNOTHNmaWZlVDhSM2pHUVJRfEJ2N2RrUXxKVFNvZVJfQmNpWnlqU2pHTGxNV3RBfEFR","#,
    r#""refresh_token_expires_in":604800,"scope":"ReadAccounts CallControl ReadMessages","#,
    r#""owner_id":"256440016","endpoint_id":"8zXq6oaLT7WvwWITlGiA1A"}"#
);

/// A running server; dropping it stops the accept loop and joins its thread.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Token requests answered with 200.
    pub served: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts the server on 127.0.0.1 (an OS-chosen port), pinned to `core`.
    pub fn start(core: usize) -> std::io::Result<Self> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let served = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = oneshot::channel();
        let counter = Arc::clone(&served);
        let thread = std::thread::Builder::new()
            .name("token-server".into())
            .spawn(move || {
                crate::cpu::pin_to(core);
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a current-thread runtime builds");
                rt.block_on(async move {
                    let listener = TcpListener::from_std(std_listener).expect("listener");
                    tokio::select! {
                        _ = stopped => {}
                        () = accept_loop(listener, counter) => {}
                    }
                });
            })?;
        Ok(Self {
            addr,
            served,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL clients are given.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, served: Arc<AtomicU64>) {
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let _ = socket.set_nodelay(true);
        tokio::spawn(connection(socket, Arc::clone(&served)));
    }
}

/// Answers requests on one keep-alive connection until the client closes it.
async fn connection(mut socket: TcpStream, served: Arc<AtomicU64>) {
    let ok = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: no-store\r\n\
         content-length: {}\r\n\r\n{TOKEN_BODY}",
        TOKEN_BODY.len()
    );
    let bad = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
               content-length: 27\r\n\r\n{\"error\":\"invalid_request\"}";
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > 64 * 1024 || !read_more(&mut socket, &mut buf).await {
                return;
            }
        };
        let head = &buf[..head_end];
        let length = content_length(head).unwrap_or(0);
        let valid = head.starts_with(format!("POST {TOKEN_PATH} ").as_bytes())
            && has_header(head, b"authorization: basic ");
        while buf.len() < head_end + length {
            if !read_more(&mut socket, &mut buf).await {
                return;
            }
        }
        let body = &buf[head_end..head_end + length];
        let valid = valid && find(body, b"grant_type=authorization_code").is_some();
        buf.drain(..head_end + length);
        let answer = if valid {
            served.fetch_add(1, Ordering::Relaxed);
            ok.as_bytes()
        } else {
            bad.as_bytes()
        };
        if socket.write_all(answer).await.is_err() {
            return;
        }
    }
}

async fn read_more(socket: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    match socket.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn has_header(head: &[u8], prefix: &[u8]) -> bool {
    head.split(|&b| b == b'\n')
        .any(|line| line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix))
}

fn content_length(head: &[u8]) -> Option<usize> {
    let name = b"content-length:";
    head.split(|&b| b == b'\n').find_map(|line| {
        if line.len() > name.len() && line[..name.len()].eq_ignore_ascii_case(name) {
            std::str::from_utf8(&line[name.len()..])
                .ok()?
                .trim()
                .parse()
                .ok()
        } else {
            None
        }
    })
}
