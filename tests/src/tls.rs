//! Certificates a TLS test makes for itself (rcgen: a CA and the server certificates it
//! signs), and the temporary directory the servers read them from.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA (a fresh ECDSA P-256 key) named `name`.
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a CA key");
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a self-signed CA"),
        }
    }

    /// The CA certificate, PEM: what a client is given as its root.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate signed by this CA, valid for `names` (DNS names or IP
    /// addresses, as the subject alternative names).
    pub fn issue(&self, names: &[&str]) -> ServerCert {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("server parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "oauth-core test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("a server key");
        let cert = params.signed_by(&key, &self.issuer).expect("a signed cert");
        ServerCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A server's certificate and private key, PEM.
pub struct ServerCert {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
}

/// Files a server reads its certificate from, removed on drop.
pub struct CertFiles {
    dir: PathBuf,
}

impl CertFiles {
    /// Writes `cert` as `server.crt` and `server.key` (mode 0600) into a new temporary
    /// directory, owned by `owner` when given (PostgreSQL reads its key only from a file
    /// its own user owns; the tests chown to it when they run as root).
    pub fn write(cert: &ServerCert, owner: Option<&str>) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "oauth-tls-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the certificate directory");
        let files = Self { dir };
        std::fs::write(files.cert(), &cert.cert_pem).expect("write the certificate");
        write_private(&files.key(), cert.key_pem.as_bytes());
        if let Some(owner) = owner {
            let ok = Command::new("chown")
                .args(["-R", &format!("{owner}:{owner}")])
                .arg(&files.dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown of the certificate files to {owner} failed");
        }
        files
    }

    /// The certificate file.
    pub fn cert(&self) -> PathBuf {
        self.dir.join("server.crt")
    }

    /// The private key file.
    pub fn key(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// The directory, for a server's log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for CertFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write the private key");
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write the private key");
}
