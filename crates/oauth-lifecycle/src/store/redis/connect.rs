//! How the Redis store connects: TLS for `rediss://`, plaintext only where allowed.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, IntoConnectionInfo, TlsCertificates};

use super::{CAS, RedisStore, UNLOCK, redis_error, timed_out};
use crate::store::tls::TlsOptions;
use oauth_core::error::{StoreError, StoreErrorKind};

impl RedisStore {
    /// Connects to `url` (`rediss://[:password@]host:port/db` for TLS, `redis://...` for
    /// plaintext, `redis+unix:///path` for a Unix socket); every key starts with `prefix`.
    ///
    /// TLS trusts the system's root certificates; a plaintext URL is refused unless its host
    /// is loopback. For a private CA or a trusted network, see [`Self::connect_with`]. A
    /// connection attempt gives up after [`Self::CONNECT_TIMEOUT`] and a store call after
    /// [`Self::COMMAND_TIMEOUT`]; see [`Self::connect_with_timeouts`].
    pub async fn connect(url: &str, prefix: impl Into<String>) -> Result<Self, StoreError> {
        Self::connect_with_timeouts(url, prefix, Self::CONNECT_TIMEOUT, Self::COMMAND_TIMEOUT).await
    }

    /// The default limit of one connection attempt.
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default limit of one store call.
    pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

    /// Connects with the given limits: `connect_timeout` for one connection attempt,
    /// `command_timeout` for one store call, waiting for a reconnection included; TLS and
    /// plaintext as [`Self::connect`].
    ///
    /// Every store call ends within `command_timeout`: with an answer, or with an I/O error
    /// when Redis is down, stalled or unreachable. A lost connection is re-established by the
    /// next call, at once and without a backoff of its own (the token source has its retries),
    /// so calls succeed again as soon as Redis is back.
    pub async fn connect_with_timeouts(
        url: &str,
        prefix: impl Into<String>,
        connect_timeout: Duration,
        command_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let tls = TlsOptions::new();
        Self::connect_with(url, prefix, &tls, connect_timeout, command_timeout).await
    }

    /// Connects as [`Self::connect_with_timeouts`], securing the connection as `tls` says.
    ///
    /// A `rediss://` URL is TLS (rustls) that checks the server's certificate chain against
    /// `tls`'s root CAs (or the system's) and its name against the URL's host; a certificate
    /// that fails is [`StoreErrorKind::Insecure`], and so is `#insecure` at the end of the URL,
    /// which would turn that check off. A `redis://` URL to a host that is not loopback is
    /// refused with [`StoreErrorKind::Insecure`] before anything is sent, unless `tls` says
    /// [`TlsOptions::allow_plaintext_remote`].
    ///
    /// ```no_run
    /// use oauth_lifecycle::store::{RedisStore, TlsOptions};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let ca = std::fs::read("/etc/app/redis-ca.pem")?;
    /// let url = std::env::var("REDIS_URL")?; // rediss://:password@cache.example:6380/0
    /// let store = RedisStore::connect_with(
    ///     &url,
    ///     "app",
    ///     &TlsOptions::new().root_ca_pem(&ca)?,
    ///     RedisStore::CONNECT_TIMEOUT,
    ///     RedisStore::COMMAND_TIMEOUT,
    /// )
    /// .await?;
    /// # drop(store);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_with(
        url: &str,
        prefix: impl Into<String>,
        tls: &TlsOptions,
        connect_timeout: Duration,
        command_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let client = client(url, tls)?;
        // The manager's own reconnect backoff starts at 1 s and grows to a minute: a call made
        // during an outage would wait on it, for minutes. With no retries a reconnection is one
        // attempt, started by the call that finds the connection gone.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(connect_timeout)
            .set_response_timeout(command_timeout);
        let connection = tokio::time::timeout(
            connect_timeout,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| timed_out("connect", connect_timeout))?
        .map_err(|e| redis_error("connect", &e))?;
        Ok(Self {
            connection,
            prefix: prefix.into(),
            command_timeout,
            cas: redis::Script::new(CAS),
            unlock: redis::Script::new(UNLOCK),
        })
    }
}

/// A client for `url`, checked before anything is sent: `redis://` to a host that is not
/// loopback is refused unless `tls` allows it, and `rediss://...#insecure` (which would turn
/// certificate checks off) is always refused. A `rediss://` client verifies the server's
/// certificate chain and host name against `tls`'s root CAs, or the system's.
fn client(url: &str, tls: &TlsOptions) -> Result<redis::Client, StoreError> {
    // The same parser the client uses, so the checked host is the one connected to.
    let info = url
        .into_connection_info()
        .map_err(|e| redis_error("open", &e))?;
    match &info.addr {
        ConnectionAddr::Tcp(host, _) => tls.check_plaintext("redis", host)?,
        ConnectionAddr::TcpTls { insecure: true, .. } => {
            return Err(StoreError::new(
                StoreErrorKind::Insecure,
                "redis: refusing `#insecure`: it turns off the check of the server's \
                 certificate; give its CA with `TlsOptions::root_ca_pem` instead",
            ));
        }
        // A TLS connection, or a Unix socket (which stays on the machine).
        ConnectionAddr::TcpTls { .. } | ConnectionAddr::Unix(_) => {}
    }
    let tls_root = match (&info.addr, tls.root_ca()) {
        (ConnectionAddr::TcpTls { .. }, Some(ca)) => Some(ca.pem.to_vec()),
        _ => None,
    };
    // The client builds its rustls configuration from the process's default provider.
    oauth_core::runtime::install_crypto_provider();
    let client = match tls_root {
        Some(root_cert) => redis::Client::build_with_tls(
            info,
            TlsCertificates {
                client_tls: None,
                root_cert: Some(root_cert),
            },
        ),
        None => redis::Client::open(info),
    };
    client.map_err(|e| redis_error("open", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    // `client` only builds a client: none of these URLs is ever connected to.
    #[test]
    fn plaintext_urls_to_remote_hosts_are_refused_before_connecting() {
        for url in [
            "redis://10.1.2.3:6379/",
            "redis://:password@cache.internal:6379/0",
            "redis://[2001:db8::1]:6379/",
            "redis://0.0.0.0:6379/",
        ] {
            let e = client(url, &TlsOptions::new()).unwrap_err();
            assert_eq!(e.kind, StoreErrorKind::Insecure, "{url}: {}", e.message);
            assert!(!e.message.contains("password"), "{}", e.message);
            client(url, &TlsOptions::new().allow_plaintext_remote()).unwrap();
        }
        for url in [
            "redis://127.0.0.1:6379/",
            "redis://localhost:6379/",
            "redis://[::1]:6379/",
            "rediss://cache.internal:6380/",
            "redis+unix:///run/redis.sock",
        ] {
            client(url, &TlsOptions::new()).unwrap();
        }
    }

    #[test]
    fn turning_certificate_checks_off_is_refused_even_with_the_opt_in() {
        for tls in [
            TlsOptions::new(),
            TlsOptions::new().allow_plaintext_remote(),
        ] {
            let e = client("rediss://cache.internal:6380/#insecure", &tls).unwrap_err();
            assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
        }
    }
}
