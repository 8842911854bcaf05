//! The loopback redirect of a native app (RFC 8252 §7.3): a one-shot HTTP listener on
//! 127.0.0.1 that waits for the browser to come back with the code, and answers it with a
//! short page once the code has been exchanged.
//!
//! Only what a browser sends is understood: one `GET` request head (at most 16 KiB, read
//! within 10 s). Other paths (`/favicon.ico`) get a 404 and the wait goes on; each request to
//! the redirect path is handed to the caller, which answers it and may wait for the next (a
//! tab left from an older login comes back with the wrong state).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use url::Url;

use crate::error::{CliError, CliResult};

const MAX_HEAD: usize = 16 * 1024;
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound listener and the redirect URI it answers; it listens until dropped.
pub struct Loopback {
    redirect_uri: Url,
    requests: mpsc::Receiver<(TcpStream, String)>,
    accept: JoinHandle<()>,
    interrupt: Interrupt,
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Ctrl-C, listened for from the moment the listener is bound: a Ctrl-C any time after the URL
/// was printed ends the login cleanly instead of killing the process.
#[cfg(unix)]
struct Interrupt(tokio::signal::unix::Signal);

#[cfg(unix)]
impl Interrupt {
    fn new() -> CliResult<Self> {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map(Self)
            .map_err(|e| CliError::Other(format!("could not listen for Ctrl-C: {e}")))
    }

    async fn wait(&mut self) {
        self.0.recv().await;
    }
}

#[cfg(not(unix))]
struct Interrupt;

#[cfg(not(unix))]
impl Interrupt {
    fn new() -> CliResult<Self> {
        Ok(Self)
    }

    async fn wait(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The browser's request to the redirect URI, waiting for its answer.
pub struct Callback {
    stream: TcpStream,
    query: String,
}

/// The page a callback is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The login succeeded.
    LoggedIn,
    /// The login failed.
    Failed,
    /// The request belongs to an older login; this one goes on.
    Stale,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The query holds the authorization code.
        f.debug_struct("Callback").finish_non_exhaustive()
    }
}

impl Loopback {
    /// Binds 127.0.0.1 at the redirect URI's port; a URI without a port gets an ephemeral one
    /// when `any_port` (the provider accepts any loopback port) and is refused otherwise.
    /// `profile` is named in the hints.
    pub async fn bind(redirect_uri: &str, any_port: bool, profile: &str) -> CliResult<Self> {
        let mut uri = Url::parse(redirect_uri).map_err(|e| {
            CliError::Config(format!("redirect URI `{redirect_uri}` is not a URL: {e}"))
        })?;
        // `localhost` is listened for on 127.0.0.1, where browsers try it first; RFC 8252 §8.3
        // recommends the literal address anyway.
        let ip = match uri.host_str() {
            Some("127.0.0.1" | "localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some("[::1]") => IpAddr::V6(Ipv6Addr::LOCALHOST),
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        };
        if uri.scheme() != "http" || ip.is_unspecified() {
            return Err(CliError::Config(format!(
                "redirect URI `{redirect_uri}` is not a loopback URI: the browser login needs \
                 `http://127.0.0.1:PORT/PATH` registered with the provider (RFC 8252 §7.3)"
            )));
        }
        // `Url::port` is `None` for no port (and for an explicit 80, which needs root anyway).
        let port = match (uri.port(), any_port) {
            (Some(port), _) => port,
            (None, true) => 0,
            (None, false) => {
                return Err(CliError::Config(format!(
                    "redirect URI `{redirect_uri}` names no port, and this provider matches \
                     registered redirect URIs exactly: register and configure one with a port, \
                     e.g. http://127.0.0.1:8976/callback"
                )));
            }
        };
        let addr = SocketAddr::from((ip, port));
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                CliError::Login(format!(
                    "port {port} on {ip} is in use (another `oauth login`?): stop that \
                     program, or register another redirect URI and set it with \
                     `oauth profile set {profile} --redirect-uri URI`"
                ))
            } else {
                CliError::Login(format!("could not listen on {addr}: {e}"))
            }
        })?;
        if port == 0 {
            let bound = listener
                .local_addr()
                .map_err(|e| CliError::Login(format!("could not read the bound port: {e}")))?;
            // Setting a port on an http URL with a host cannot fail.
            let _ = uri.set_port(Some(bound.port()));
        }
        let interrupt = Interrupt::new()?;
        let (tx, requests) = mpsc::channel(4);
        let accept = tokio::spawn(accept(listener, uri.path().to_owned(), tx));
        Ok(Self {
            redirect_uri: uri,
            requests,
            accept,
            interrupt,
        })
    }

    /// The redirect URI to send (with the bound port).
    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri.as_str()
    }

    /// The next browser request to the redirect path; `None` once `deadline` has passed.
    /// Ctrl-C is [`CliError::Interrupted`].
    pub async fn next(&mut self, deadline: Instant) -> CliResult<Option<Callback>> {
        tokio::select! {
            request = self.requests.recv() => match request {
                Some((stream, query)) => Ok(Some(Callback { stream, query })),
                None => Err(CliError::Other("the listener stopped".into())),
            },
            () = tokio::time::sleep_until(deadline) => Ok(None),
            () = self.interrupt.wait() => Err(CliError::Interrupted),
        }
    }

    /// Runs `work` (the code exchange) unless Ctrl-C comes first: once listened for, Ctrl-C
    /// no longer ends the process by itself.
    pub async fn unless_interrupted<T>(
        &mut self,
        work: impl std::future::Future<Output = T>,
    ) -> CliResult<T> {
        tokio::select! {
            out = work => Ok(out),
            () = self.interrupt.wait() => Err(CliError::Interrupted),
        }
    }
}

/// Accepts connections until aborted, each served on its own task: a browser's idle
/// pre-connection must not hold up the real request behind it.
async fn accept(listener: TcpListener, path: String, tx: mpsc::Sender<(TcpStream, String)>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors, say: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let tx = tx.clone();
        let path = path.clone();
        tokio::spawn(async move {
            if let Some(request) = serve(stream, &path).await {
                let _ = tx.send(request).await;
            }
        });
    }
}

/// Reads one request head; answers anything but a `GET` of `path` itself, and returns the
/// connection and the query of that one.
async fn serve(mut stream: TcpStream, path: &str) -> Option<(TcpStream, String)> {
    let head = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream))
        .await
        .ok()??;
    let mut parts = head.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    let (target_path, query) = target.split_once('?').unwrap_or((target, ""));
    if target_path != path {
        respond(&mut stream, "404 Not Found", "Not found", "").await;
        return None;
    }
    if method != "GET" {
        respond(&mut stream, "405 Method Not Allowed", "Use GET", "").await;
        return None;
    }
    Some((stream, query.to_owned()))
}

/// The request line, once the whole head has arrived; `None` for a broken or oversized one.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = buf.split(|&b| b == b'\r').next()?;
    String::from_utf8(line.to_vec()).ok()
}

async fn respond(stream: &mut TcpStream, status: &str, title: &str, body: &str) {
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{body}</p>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{html}",
        html.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

impl Callback {
    /// The redirect's query string (holds the code: never print it).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Tells the browser how it went. `message` is shown on the page: no secrets.
    pub async fn finish(mut self, page: Page, message: &str) {
        let (status, title) = match page {
            Page::LoggedIn => ("200 OK", "Logged in"),
            Page::Failed => ("400 Bad Request", "Login failed"),
            Page::Stale => ("400 Bad Request", "This page belongs to an older login"),
        };
        respond(&mut self.stream, status, title, &escape(message)).await;
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncBufReadExt;

    async fn get(port: u16, target: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        tokio::io::BufReader::new(s)
            .read_line(&mut out)
            .await
            .unwrap();
        out
    }

    fn in_secs(secs: u64) -> Instant {
        Instant::now() + Duration::from_secs(secs)
    }

    #[tokio::test]
    async fn other_paths_are_refused_and_each_callback_is_answered() {
        let mut lb = Loopback::bind("http://127.0.0.1/cb", true, "p")
            .await
            .unwrap();
        let port = Url::parse(lb.redirect_uri()).unwrap().port().unwrap();
        assert_ne!(port, 0);
        // An idle connection first: it must not block the real request.
        let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        assert!(get(port, "/favicon.ico").await.starts_with("HTTP/1.1 404"));
        // A first callback answered as stale, then the listener goes on to the next one.
        let stale = tokio::spawn(async move { get(port, "/cb?code=old&state=old").await });
        let callback = lb.next(in_secs(10)).await.unwrap().unwrap();
        assert_eq!(callback.query(), "code=old&state=old");
        callback.finish(Page::Stale, "older").await;
        assert!(stale.await.unwrap().starts_with("HTTP/1.1 400"));
        let browser = tokio::spawn(async move { get(port, "/cb?code=c&state=s").await });
        let callback = lb.next(in_secs(10)).await.unwrap().unwrap();
        assert_eq!(callback.query(), "code=c&state=s");
        assert!(!format!("{callback:?}").contains("code=c"));
        callback.finish(Page::LoggedIn, "done").await;
        assert!(browser.await.unwrap().starts_with("HTTP/1.1 200"));
    }

    #[tokio::test]
    async fn a_port_in_use_and_a_missing_port_are_clear_errors() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let e = Loopback::bind(&format!("http://127.0.0.1:{port}/cb"), false, "p")
            .await
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .starts_with(&format!("port {port} on 127.0.0.1 is in use"))
                && e.to_string()
                    .contains("`oauth profile set p --redirect-uri URI`"),
            "{e}"
        );
        assert_eq!(e.exit_code(), 6);
        let e = Loopback::bind("http://127.0.0.1/cb", false, "p")
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("names no port"), "{e}");
        let e = Loopback::bind("https://app.example/cb", false, "p")
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("not a loopback URI"), "{e}");
    }

    #[tokio::test]
    async fn it_gives_up_at_the_deadline() {
        let mut lb = Loopback::bind("http://127.0.0.1/cb", true, "p")
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(lb.next(deadline).await.unwrap().is_none());
    }
}
