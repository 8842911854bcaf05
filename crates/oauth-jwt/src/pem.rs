//! The one PEM block a private key file holds, decoded to DER (RFC 7468). A parser of its own:
//! twenty lines against another crate in every application's build.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::error::KeyError;

/// The label and DER bytes of the first `-----BEGIN <label>-----` block in `text`.
pub(crate) fn decode(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let start = text
        .find("-----BEGIN ")
        .ok_or(KeyError::Pem("no -----BEGIN line"))?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let (label, rest) = rest
        .split_once("-----")
        .ok_or(KeyError::Pem("an unterminated BEGIN line"))?;
    let end = format!("-----END {label}-----");
    let (body, _) = rest
        .split_once(end.as_str())
        .ok_or(KeyError::Pem("no matching -----END line"))?;
    if body.contains(':') {
        return Err(KeyError::Pem(
            "an encrypted key (with headers); decrypt it first (openssl pkcs8 -topk8 -nocrypt)",
        ));
    }
    let base64: Zeroizing<String> = Zeroizing::new(body.split_whitespace().collect());
    let der = STANDARD
        .decode(base64.as_bytes())
        .map_err(|_| KeyError::Pem("broken base64 inside the block"))?;
    Ok((label.to_owned(), Zeroizing::new(der)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_block_and_refuses_broken_ones() {
        let (label, der) =
            decode("junk\n-----BEGIN PRIVATE KEY-----\nAAEC\nAw==\n-----END PRIVATE KEY-----\n")
                .unwrap();
        assert_eq!(label, "PRIVATE KEY");
        assert_eq!(der.as_slice(), [0, 1, 2, 3]);
        for broken in [
            "",
            "-----BEGIN PRIVATE KEY",
            "-----BEGIN PRIVATE KEY-----\nAAEC\n",
            "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----",
            "-----BEGIN X-----\nAA==\n-----END Y-----",
        ] {
            assert!(matches!(decode(broken), Err(KeyError::Pem(_))), "{broken}");
        }
    }
}
