//! The Redis client a store connects with: TLS for `rediss://`, plaintext only where allowed.

use redis::{ConnectionAddr, IntoConnectionInfo, TlsCertificates};

use super::redis_error;
use crate::error::{StoreError, StoreErrorKind};
use crate::store::tls::TlsOptions;

/// A client for `url`, checked before anything is sent: `redis://` to a host that is not
/// loopback is refused unless `tls` allows it, and `rediss://...#insecure` (which would turn
/// certificate checks off) is always refused. A `rediss://` client verifies the server's
/// certificate chain and host name against `tls`'s root CAs, or the system's.
pub(super) fn client(url: &str, tls: &TlsOptions) -> Result<redis::Client, StoreError> {
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
    crate::http::install_crypto_provider();
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
