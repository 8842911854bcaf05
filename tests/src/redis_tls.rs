//! A `redis-server` serving TLS on one free 127.0.0.1 port (`--tls-port`) with a certificate
//! the test made, and plaintext on another (for readiness and for looking at what a store
//! wrote); killed on drop.

use std::process::{Child, Command, Stdio};

use crate::tls::{CertFiles, ServerCert};
use crate::{free_port, spawned, wait_for_ping};

/// A running TLS server.
pub struct RedisTlsServer {
    child: Child,
    tls_port: u16,
    plain_port: u16,
    /// Kept until the server is gone.
    _files: CertFiles,
}

impl RedisTlsServer {
    /// Starts one serving `cert`, and waits until it answers `PING` on its plaintext port.
    ///
    /// A missing `redis-server` fails the test, as [`crate::RedisServer::start`]; one built
    /// without TLS fails it naming the reason.
    pub fn start(cert: &ServerCert) -> Self {
        let files = CertFiles::write(cert, None);
        for _ in 0..5 {
            // A port taken between the probe and the server's bind makes it exit: next pair.
            let (tls_port, plain_port) = (free_port(), free_port());
            let mut child = spawned(spawn(&files, tls_port, plain_port));
            if wait_for_ping(&mut child, plain_port) {
                return Self {
                    child,
                    tls_port,
                    plain_port,
                    _files: files,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "redis-server with --tls-port did not start on any of 5 port pairs (a build \
             without TLS support cannot; Debian's can); see {}",
            files.dir().join("redis.log").display()
        );
    }

    /// `rediss://<host>:<tls port>/`: `host` is what the certificate is checked against
    /// (`127.0.0.1` or `localhost`; both reach this server).
    pub fn tls_url(&self, host: &str) -> String {
        format!("rediss://{host}:{}/", self.tls_port)
    }

    /// `redis://127.0.0.1:<plaintext port>/`
    pub fn plain_url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.plain_port)
    }

    /// The plaintext port.
    pub fn plain_port(&self) -> u16 {
        self.plain_port
    }

    /// A plaintext client connection, for looking at what a store wrote over TLS.
    #[cfg(feature = "redis")]
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.plain_url())
            .expect("a valid Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("a connection to the test server")
    }
}

fn spawn(files: &CertFiles, tls_port: u16, plain_port: u16) -> std::io::Result<Child> {
    let log = std::fs::File::create(files.dir().join("redis.log"))?;
    Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--port", &plain_port.to_string()])
        .args(["--tls-port", &tls_port.to_string()])
        .arg("--tls-cert-file")
        .arg(files.cert())
        .arg("--tls-key-file")
        .arg(files.key())
        // The clients present no certificate.
        .args(["--tls-auth-clients", "no"])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(Stdio::null())
        .spawn()
}

impl Drop for RedisTlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
