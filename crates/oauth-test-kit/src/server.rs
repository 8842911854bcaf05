//! The HTTP/1.1 loop: a listener on 127.0.0.1:0 served by a runtime on its own thread, so a
//! fake works from any test (async or not) and many run side by side.
//!
//! Small on purpose: requests with `Content-Length` bodies (what HTTP clients send for form
//! and JSON bodies), keep-alive, and nothing else; a chunked body is answered `411`.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::fault::Fault;
use super::wire::{Request, Response};
use super::{Routes, Shared};

/// Largest request head read; a longer one is answered `431`.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body read; a longer one is answered `413`.
const MAX_BODY: usize = 1024 * 1024;
const MAX_HEADERS: usize = 64;

/// The running server: stops (and closes every connection) when dropped.
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub(crate) fn start(shared: Arc<Shared>, routes: Arc<dyn Routes>) -> std::io::Result<Self> {
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("oauth-fake-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    serve(listener, shared, routes, rx).await;
                });
                // Dropping the runtime here cancels every connection task, hung ones included.
            })?;
        Ok(Self {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    routes: Arc<dyn Routes>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, shared.clone(), routes.clone()));
            }
        }
    }
}

/// What reading one request gave.
enum Read {
    Request(Request),
    /// The peer closed the connection between requests.
    Closed,
    /// A request this server does not take, answered with this status and then closed.
    Refused(u16),
}

async fn connection(mut stream: TcpStream, shared: Arc<Shared>, routes: Arc<dyn Routes>) {
    let mut buf = Vec::with_capacity(4096);
    loop {
        let request = match read_request(&mut stream, &mut buf).await {
            Ok(Read::Request(r)) => r,
            Ok(Read::Refused(status)) => {
                let _ = stream.write_all(&Response::empty(status).encode()).await;
                return;
            }
            Ok(Read::Closed) | Err(_) => return,
        };
        shared.grants().note_request();
        if !shared.gate.pass(&stream).await {
            return;
        }
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let response = match shared.next_fault() {
            Some(Fault::DropConnection) => return,
            Some(Fault::Hang) => {
                // Held open, unanswered, until the client gives up or the fake stops.
                std::future::pending::<()>().await;
                return;
            }
            Some(Fault::Status(status)) => routes.failure(status, &request),
            Some(Fault::RateLimited { retry_after }) => routes
                .failure(429, &request)
                .with_header("retry-after", &retry_after.as_secs().to_string()),
            Some(Fault::Delay(delay)) => {
                tokio::time::sleep(delay).await;
                routes.answer(&request, shared.grants())
            }
            None => routes.answer(&request, shared.grants()),
        };
        if stream.write_all(&response.encode()).await.is_err() || close {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Read> {
    let head_len = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > MAX_HEAD {
            return Ok(Read::Refused(431));
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Read::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    if !matches!(
        parsed.parse(&buf[..head_len]),
        Ok(httparse::Status::Complete(_))
    ) {
        return Ok(Read::Refused(400));
    }
    let (Some(method), Some(target)) = (parsed.method, parsed.path) else {
        return Ok(Read::Refused(400));
    };
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let method = method.to_owned();
    if headers.iter().any(|(n, _)| n == "transfer-encoding") {
        return Ok(Read::Refused(411));
    }
    let length = match headers.iter().find(|(n, _)| n == "content-length") {
        Some((_, v)) => match v.trim().parse::<usize>() {
            Ok(n) => n,
            Err(_) => return Ok(Read::Refused(400)),
        },
        None => 0,
    };
    if length > MAX_BODY {
        return Ok(Read::Refused(413));
    }
    buf.drain(..head_len);
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Read::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Vec<u8> = buf.drain(..length).collect();
    Ok(Read::Request(Request {
        method,
        path,
        query,
        headers,
        body,
    }))
}
