//! JWS compact serialization (RFC 7515 §7.1): signing, and taking a received token apart
//! with bounds on every part before anything is decoded.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::{IdTokenError, KeyError, Part};
use crate::key::SigningKey;

/// The longest token read, in bytes. ID tokens are about 1 KB; 16 KiB leaves room for many
/// claims and still bounds the work a hostile one causes.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The longest header read (base64url text), in bytes.
pub const MAX_HEADER_BYTES: usize = 1024;

/// A signed header: `alg`, `typ` and the key's `kid`.
#[derive(Serialize)]
struct SignedHeader<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

/// `claims` signed with `key` as a compact JWS, `typ` `JWT`.
pub(crate) fn sign<C: Serialize>(key: &SigningKey, claims: &C) -> Result<String, KeyError> {
    let header = SignedHeader {
        alg: key.algorithm().name(),
        typ: "JWT",
        kid: key.kid(),
    };
    let header = serde_json::to_vec(&header).map_err(|_| KeyError::Signing("header encoding"))?;
    let claims = serde_json::to_vec(claims).map_err(|_| KeyError::Signing("claims encoding"))?;
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(claims, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    Ok(token)
}

/// The JOSE header members a verifier looks at.
#[derive(Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    pub(crate) kid: Option<String>,
    pub(crate) crit: Option<serde_json::Value>,
}

/// A received compact JWS, taken apart but not yet verified.
pub(crate) struct Compact<'a> {
    pub(crate) header: Header,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    payload: &'a str,
    pub(crate) signature: Vec<u8>,
}

impl<'a> Compact<'a> {
    /// Splits and decodes `token`: its size first, then three parts, the header's size, and
    /// base64url and JSON of the header and the signature. The payload is decoded later
    /// ([`Compact::payload`]), after the signature verified.
    pub(crate) fn parse(token: &'a str) -> Result<Self, IdTokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(IdTokenError::TooLarge {
                part: Part::Structure,
                limit: MAX_TOKEN_BYTES,
            });
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed(Part::Structure, "not three dot-separated parts"));
        };
        if header.len() > MAX_HEADER_BYTES {
            return Err(IdTokenError::TooLarge {
                part: Part::Header,
                limit: MAX_HEADER_BYTES,
            });
        }
        let header_json = decode(header, Part::Header)?;
        let header: Header = serde_json::from_slice(&header_json)
            .map_err(|_| malformed(Part::Header, "not a JSON object with a string alg"))?;
        let signature = decode(signature, Part::Signature)?;
        Ok(Self {
            header,
            signing_input: &token[..token.len() - parts_len_after_payload(token)],
            payload,
            signature,
        })
    }

    /// The claims, decoded as `T`.
    pub(crate) fn payload<T: for<'de> Deserialize<'de>>(&self) -> Result<T, IdTokenError> {
        let json = decode(self.payload, Part::Payload)?;
        serde_json::from_slice(&json)
            .map_err(|_| malformed(Part::Payload, "not a JSON object of claims"))
    }
}

/// The length of `.signature` at the end of `token` (it has exactly two dots).
fn parts_len_after_payload(token: &str) -> usize {
    token.rfind('.').map_or(0, |dot| token.len() - dot)
}

/// Strict base64url without padding (RFC 7515 §2): padding, `+`, `/` and whitespace are
/// refused.
fn decode(part: &str, which: Part) -> Result<Vec<u8>, IdTokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| malformed(which, "not base64url"))
}

fn malformed(part: Part, problem: &'static str) -> IdTokenError {
    IdTokenError::Malformed { part, problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_checked_before_they_are_decoded() {
        let e = |t: &str| Compact::parse(t).err().unwrap();
        assert_eq!(e("a.b").check(), "format");
        assert_eq!(e("a.b.c.d").check(), "format");
        assert!(matches!(
            e(&"a".repeat(MAX_TOKEN_BYTES + 1)),
            IdTokenError::TooLarge {
                part: Part::Structure,
                ..
            }
        ));
        assert!(matches!(
            e(&format!("{}.b.c", "e".repeat(MAX_HEADER_BYTES + 1))),
            IdTokenError::TooLarge {
                part: Part::Header,
                ..
            }
        ));
        assert!(matches!(
            e("eyJ=.b.c"),
            IdTokenError::Malformed {
                part: Part::Header,
                ..
            }
        ));
        // `{"alg":1}`: JSON, but alg is no string.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":1}"#);
        assert!(matches!(
            e(&format!("{header}.e30.")),
            IdTokenError::Malformed {
                part: Part::Header,
                ..
            }
        ));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let ok = format!("{header}.e30.AAAA");
        let parsed = Compact::parse(&ok).unwrap();
        assert_eq!(parsed.signing_input, format!("{header}.e30"));
        assert_eq!(parsed.signature, [0, 0, 0]);
    }
}
