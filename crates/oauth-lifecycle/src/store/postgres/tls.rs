//! TLS for the PostgreSQL store: a rustls connector for tokio-postgres (tokio-rustls is
//! already built for reqwest, so this costs no crate; `tokio-postgres-rustls` would add
//! `x509-cert` and its DER crates), with channel binding for `SCRAM-SHA-256-PLUS`
//! ([`super::binding`]).

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Socket;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};
use tokio_rustls::TlsConnector;

use super::binding::tls_server_end_point;
use crate::store::tls::TlsOptions;
use oauth_core::error::{StoreError, StoreErrorKind};

/// What a TLS connection checks of the server's certificate, as libpq's `sslmode` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verify {
    /// `require` without a root CA given: encrypted, the certificate unchecked (as libpq).
    Nothing,
    /// `verify-ca`, or `require` with a root CA given (as libpq with a root certificate
    /// file): signed by a trusted CA, for any host name.
    Chain,
    /// `verify-full`: signed by a trusted CA and valid for the host name.
    ChainAndName,
}

/// tokio-postgres' TLS over rustls, one configuration shared by every pooled connection.
#[derive(Clone)]
pub(super) struct RustlsConnect {
    config: Arc<ClientConfig>,
    verify: Verify,
}

impl RustlsConnect {
    pub(super) fn new(verify: Verify, tls: &TlsOptions) -> Result<Self, StoreError> {
        oauth_core::runtime::install_crypto_provider();
        let provider = CryptoProvider::get_default().cloned().ok_or_else(|| {
            StoreError::new(StoreErrorKind::Io, "postgres: no rustls crypto provider")
        })?;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| config_error(&e))?;
        let builder = if verify == Verify::Nothing {
            let lenient = Lenient {
                chain: None,
                provider,
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(lenient))
        } else {
            let roots = match tls.root_ca() {
                Some(ca) => ca.store.clone(),
                None => Arc::new(system_roots()?),
            };
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| config_error(&e))?;
            if verify == Verify::ChainAndName {
                builder.with_webpki_verifier(webpki)
            } else {
                let lenient = Lenient {
                    chain: Some(webpki),
                    provider,
                };
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(lenient))
            }
        };
        let mut config = builder.with_no_client_auth();
        // PostgreSQL 17 asks for its ALPN name on direct TLS; earlier servers ignore it.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            verify,
        })
    }
}

fn config_error(e: &dyn std::fmt::Display) -> StoreError {
    StoreError::new(
        StoreErrorKind::Io,
        format!("postgres: could not set up TLS: {e}"),
    )
}

/// The system's root certificates (the same store reqwest's verifier reads); unreadable
/// files among them are skipped, but none at all is an error naming the fix.
fn system_roots() -> Result<RootCertStore, StoreError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(StoreError::new(
            StoreErrorKind::Insecure,
            "postgres: no root certificate found on this system to check the server's \
             certificate with: give its CA with `TlsOptions::root_ca_pem`",
        ));
    }
    Ok(roots)
}

impl MakeTlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsHandshake;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsHandshake, io::Error> {
        let name = match ServerName::try_from(domain.to_owned()) {
            Ok(name) => name,
            // Nothing checks the name: the handshake needs one all the same (an IP address
            // sends no SNI).
            Err(_) if self.verify != Verify::ChainAndName => {
                ServerName::IpAddress(IpAddr::V4(Ipv4Addr::UNSPECIFIED).into())
            }
            Err(e) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("sslmode=verify-full needs a host name to check, not `{domain}` ({e})"),
                ));
            }
        };
        Ok(RustlsHandshake {
            connector: TlsConnector::from(self.config.clone()),
            name,
        })
    }
}

/// One connection's handshake.
pub(super) struct RustlsHandshake {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsHandshake {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let stream = self.connector.connect(self.name, stream).await?;
            Ok(RustlsStream(Box::new(stream)))
        })
    }
}

/// A TLS connection to the server (boxed: the rustls state is large and moves with the
/// pooled connection).
pub(super) struct RustlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl tokio_postgres::tls::TlsStream for RustlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        session
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|cert| tls_server_end_point(cert))
            .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point)
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// The checks rustls' own verifier cannot be told to leave out: `verify-ca` (`chain`: the
/// full check, but a certificate for another name passes; rustls checks the chain first, so a
/// name error means the chain was trusted) and libpq's `require` (no `chain`: any
/// certificate). Either way the handshake's signatures are checked, so the session is
/// encrypted to the holder of the certificate's key.
#[derive(Debug)]
struct Lenient {
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
