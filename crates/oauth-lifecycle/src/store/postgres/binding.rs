//! Channel binding for PostgreSQL's `SCRAM-SHA-256-PLUS`: `tls-server-end-point` (RFC 5929
//! §4.1), the hash of the server's certificate. The server checks it against its own
//! certificate, so a password exchange relayed by someone in the middle (possible under
//! libpq's `require`, which checks no certificate) fails instead of logging them in.
//!
//! The hash is the one the certificate's signature algorithm names (SHA-256 for MD5 and
//! SHA-1), read with a few lines of DER walking and ring's digests, both already at hand;
//! `x509-cert` and its DER crates would do the same for a build cost.

use ring::digest;

/// `SEQUENCE` and `OBJECT IDENTIFIER` tags.
const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;

/// The contents of the signature algorithms' OIDs whose hash is one of SHA-256/384/512.
const SHA1_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const SHA384_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const SHA512_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const ECDSA_WITH_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const ECDSA_WITH_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const ECDSA_WITH_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];

/// The `tls-server-end-point` binding of the certificate `cert` (DER), or `None` when its
/// signature algorithm names no single hash (RSA-PSS, Ed25519: the server cannot bind those
/// either) or it is not a certificate this can read; the exchange then runs unbound.
pub(super) fn tls_server_end_point(cert: &[u8]) -> Option<Vec<u8>> {
    let algorithm = match signature_algorithm(cert)? {
        SHA1_WITH_RSA | SHA256_WITH_RSA | ECDSA_WITH_SHA1 | ECDSA_WITH_SHA256 => &digest::SHA256,
        SHA384_WITH_RSA | ECDSA_WITH_SHA384 => &digest::SHA384,
        SHA512_WITH_RSA | ECDSA_WITH_SHA512 => &digest::SHA512,
        _ => return None,
    };
    Some(digest::digest(algorithm, cert).as_ref().to_vec())
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }`, and
/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters }`: the
/// contents of that OID.
fn signature_algorithm(cert: &[u8]) -> Option<&[u8]> {
    let certificate = element(SEQUENCE, cert)?.0;
    let (_tbs, rest) = element(SEQUENCE, certificate)?;
    let algorithm = element(SEQUENCE, rest)?.0;
    Some(element(OID, algorithm)?.0)
}

/// The element at the start of `input` if its tag is `tag`: its contents, and what follows.
fn element(tag: u8, input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        // Long form: 1 to 4 length bytes (no certificate is 4 GiB; 0 is BER's indefinite).
        let (bytes, rest) = rest.split_at_checked(usize::from(first & 0x7f))?;
        if bytes.is_empty() || bytes.len() > 4 {
            return None;
        }
        let len = bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
        (usize::try_from(len).ok()?, rest)
    };
    let (contents, rest) = rest.split_at_checked(len)?;
    (found == tag).then_some((contents, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    /// The unit tests' CA: ECDSA P-256, signed with ecdsa-with-SHA256.
    fn der() -> Vec<u8> {
        let pem = include_str!("../../../tests/data/test-ca.pem");
        CertificateDer::from_pem_slice(pem.as_bytes())
            .unwrap()
            .to_vec()
    }

    #[test]
    fn the_binding_is_the_certificate_hashed_as_its_signature_algorithm_says() {
        let der = der();
        let sha256 = digest::digest(&digest::SHA256, &der);
        assert_eq!(tls_server_end_point(&der).unwrap(), sha256.as_ref());
        // The same certificate, its outer signature algorithm (the last place the OID is)
        // relabelled: the hash follows the label.
        let at = der
            .windows(ECDSA_WITH_SHA256.len())
            .rposition(|w| w == ECDSA_WITH_SHA256)
            .unwrap();
        for (oid, algorithm) in [
            (ECDSA_WITH_SHA384, &digest::SHA384),
            (ECDSA_WITH_SHA512, &digest::SHA512),
        ] {
            let mut relabelled = der.clone();
            relabelled[at..at + oid.len()].copy_from_slice(oid);
            let expected = digest::digest(algorithm, &relabelled);
            assert_eq!(
                tls_server_end_point(&relabelled).unwrap(),
                expected.as_ref()
            );
        }
        // An algorithm with no single hash (here, the OID's last byte changed) binds nothing.
        let mut other = der.clone();
        other[at + ECDSA_WITH_SHA256.len() - 1] = 0x7f;
        assert_eq!(tls_server_end_point(&other), None);
    }

    #[test]
    fn what_is_not_a_certificate_binds_nothing_and_never_panics() {
        let der = der();
        for len in 0..der.len() {
            assert_eq!(tls_server_end_point(&der[..len]), None, "{len} bytes");
        }
        for hostile in [
            &[][..],
            &[0x30],
            &[0x30, 0x80, 0x00, 0x00],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[
                0x30, 0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
            &[0x30, 0x03, 0x30, 0x81],
            &[0x31, 0x00],
        ] {
            assert_eq!(tls_server_end_point(hostile), None, "{hostile:?}");
        }
    }
}
