//! Transport security of the network stores (Redis, PostgreSQL): which root certificates a
//! TLS connection trusts, and where a plaintext connection is allowed.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use oauth_core::error::{StoreError, StoreErrorKind};

/// How a network store (`RedisStore`, `PostgresStore`) secures its connection, beyond what
/// its URL says (`rediss://`, `sslmode=`).
///
/// By default a TLS connection trusts the system's root certificates (read by
/// `rustls-native-certs`, as the HTTP client does), and a plaintext connection is allowed
/// only to a loopback host (`127.0.0.0/8`, `::1`, `localhost`) or a Unix socket: a plaintext
/// URL naming any other host is refused with [`StoreErrorKind::Insecure`] before anything is
/// sent, since tokens would cross the network in clear text.
///
/// ```
/// use oauth_lifecycle::store::TlsOptions;
///
/// fn options(ca_pem: &[u8]) -> Result<[TlsOptions; 2], oauth_core::StoreError> {
///     // A managed database whose certificate comes from the provider's own CA:
///     let managed = TlsOptions::new().root_ca_pem(ca_pem)?;
///     // A private network trusted like the machine itself, without TLS (the URL has to ask
///     // for plaintext too: `redis://`, `sslmode=disable`):
///     let private = TlsOptions::new().allow_plaintext_remote();
///     Ok([managed, private])
/// }
/// ```
#[derive(Clone, Default)]
pub struct TlsOptions {
    root_ca: Option<RootCa>,
    plaintext_remote: bool,
}

/// A caller's root CAs, parsed once (PostgreSQL's verifier), and their certificates alone
/// as PEM again (the Redis client parses its own copy): a bundle that also held a private
/// key does not keep it.
#[derive(Clone)]
pub(super) struct RootCa {
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) pem: Arc<[u8]>,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(super) store: Arc<RootCertStore>,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field(
                "root_ca_certificates",
                &self.root_ca.as_ref().map(|ca| ca.store.len()),
            )
            .field("plaintext_remote", &self.plaintext_remote)
            .finish()
    }
}

impl TlsOptions {
    /// The defaults: the system's root certificates; plaintext only to a loopback host.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts only the CA certificates in `pem` (one or more `CERTIFICATE` blocks; other
    /// blocks are skipped), instead of the system's: for a server whose certificate comes
    /// from a private CA (a managed database's own, or one you run).
    ///
    /// Fails with [`StoreErrorKind::Insecure`] when `pem` holds no certificate, or one that is
    /// not a usable trust anchor.
    pub fn root_ca_pem(mut self, pem: impl AsRef<[u8]>) -> Result<Self, StoreError> {
        let pem = pem.as_ref();
        let refused = |why: &str| {
            StoreError::new(
                StoreErrorKind::Insecure,
                format!("the root CA certificates were refused: {why}"),
            )
        };
        let mut store = RootCertStore::empty();
        let mut certificates = String::new();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| refused(&format!("the PEM is not valid ({e})")))?;
            push_pem(&mut certificates, &cert);
            store
                .add(cert)
                .map_err(|e| refused(&format!("a certificate is not a trust anchor ({e})")))?;
        }
        if store.is_empty() {
            return Err(refused("the PEM holds no CERTIFICATE block"));
        }
        self.root_ca = Some(RootCa {
            pem: certificates.into_bytes().into(),
            store: Arc::new(store),
        });
        Ok(self)
    }

    /// Allows a plaintext connection to a host that is not loopback: only for a network you
    /// trust as much as the machine itself (tokens and the store's password cross it in clear
    /// text). The URL still has to ask for plaintext; this does not turn TLS off.
    pub fn allow_plaintext_remote(mut self) -> Self {
        self.plaintext_remote = true;
        self
    }

    /// The caller's root CAs, if any.
    pub(super) fn root_ca(&self) -> Option<&RootCa> {
        self.root_ca.as_ref()
    }

    /// Refuses a plaintext connection to `host` (a name or an IP address, IPv6 with or without
    /// brackets) unless it is loopback or the caller opted in. Checked before any connection
    /// is made, so a refused URL sends nothing.
    pub(super) fn check_plaintext(&self, store: &str, host: &str) -> Result<(), StoreError> {
        if self.plaintext_remote || is_loopback(host) {
            return Ok(());
        }
        Err(StoreError::new(
            StoreErrorKind::Insecure,
            format!(
                "{store}: refusing a plaintext connection to `{host}`, which is not a loopback \
                 host: tokens would cross the network in clear text. Use TLS ({}), or opt in \
                 with `TlsOptions::allow_plaintext_remote` for a network you trust",
                match store {
                    "redis" => "a `rediss://` URL",
                    _ => "`sslmode=verify-full`",
                }
            ),
        ))
    }
}

/// Appends `cert` as a PEM `CERTIFICATE` block (base64 in lines of 64, as RFC 7468 writes).
fn push_pem(out: &mut String, cert: &CertificateDer<'_>) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
    out.push_str("-----BEGIN CERTIFICATE-----\n");
    // Base64 is ASCII, so every 64-byte chunk is whole characters.
    for line in encoded.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
}

/// `127.0.0.0/8`, `::1` (also IPv4-mapped), or the name `localhost`, which resolves to
/// loopback by definition (RFC 6761); no other name is looked up, so nothing leaves the
/// machine to decide.
pub(super) fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical().is_loopback(),
        Err(_) => {
            let name = bare.strip_suffix('.').unwrap_or(bare);
            name.eq_ignore_ascii_case("localhost")
        }
    }
}

/// A TLS handshake that failed because the server's certificate was not acceptable (not
/// signed by a trusted CA, not valid for the host name, expired, missing), found anywhere in
/// `e`'s chain of causes (the drivers wrap rustls' error in an `io::Error`): a
/// [`StoreErrorKind::Insecure`] error, so that it is reported and not retried as an outage.
pub(super) fn certificate_refused(
    store: &str,
    action: &str,
    e: &(dyn std::error::Error + 'static),
) -> Option<StoreError> {
    let mut cause = Some(e);
    let mut found = None;
    while let Some(err) = cause {
        found = err.downcast_ref::<rustls::Error>().or_else(|| {
            err.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if found.is_some() {
            break;
        }
        cause = err.source();
    }
    match found? {
        tls @ (rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::InvalidCertRevocationList(_)) => Some(StoreError::new(
            StoreErrorKind::Insecure,
            format!(
                "{store}: could not {action}: the server's TLS certificate was refused ({tls}); \
                 no credential or token was sent. Check the host name in the URL and the root CA \
                 (`TlsOptions::root_ca_pem`)"
            ),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_127_8_ipv6_one_and_localhost_only() {
        for host in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "::ffff:127.0.0.1",
            "localhost",
            "LOCALHOST",
            "localhost.",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "10.0.0.5",
            "192.168.1.1",
            "0.0.0.0",
            "::",
            "[2001:db8::1]",
            "::ffff:10.0.0.1",
            "db.example.com",
            "localhost.example.com",
            "mylocalhost",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn plaintext_to_a_remote_host_is_refused_unless_opted_in() {
        let e = TlsOptions::new()
            .check_plaintext("redis", "cache.internal")
            .unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Insecure);
        assert!(e.message.contains("`cache.internal`"), "{}", e.message);
        assert!(e.message.contains("rediss://"), "{}", e.message);
        TlsOptions::new()
            .check_plaintext("redis", "127.0.0.1")
            .unwrap();
        TlsOptions::new()
            .allow_plaintext_remote()
            .check_plaintext("postgres", "cache.internal")
            .unwrap();
    }

    #[test]
    fn only_the_certificates_of_a_bundle_are_kept() {
        // A self-signed CA (P-256, `openssl req -x509`), made once for this test.
        const CA: &str = include_str!("../../tests/data/test-ca.pem");
        const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
        let options = TlsOptions::new().root_ca_pem(format!("{KEY}{CA}")).unwrap();
        let kept = options.root_ca().unwrap();
        assert_eq!(kept.store.len(), 1);
        let pem = std::str::from_utf8(&kept.pem).unwrap();
        assert!(!pem.contains("PRIVATE KEY"), "{pem}");
        // What is kept is the same certificate, PEM again.
        let again: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        let given: Vec<_> = CertificateDer::pem_slice_iter(CA.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(again, given);
    }

    #[test]
    fn a_root_ca_pem_without_a_certificate_is_refused() {
        for pem in [
            &b""[..],
            b"not pem at all",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ] {
            let e = TlsOptions::new().root_ca_pem(pem).unwrap_err();
            assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
        }
    }

    #[test]
    fn a_certificate_error_anywhere_in_the_chain_is_insecure() {
        let rustls_error =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_error);
        let e = certificate_refused("redis", "connect", &io).unwrap();
        assert_eq!(e.kind, StoreErrorKind::Insecure);
        assert!(e.message.contains("UnknownIssuer"), "{}", e.message);
        // Not about the certificate: left to the caller's usual mapping.
        let alert = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
        );
        assert!(certificate_refused("redis", "connect", &alert).is_none());
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(certificate_refused("redis", "connect", &refused).is_none());
    }
}
