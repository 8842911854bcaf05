//! The answer as a generated client reads it, after the execution hook
//! ([`crate::http::execute`]) vetted it: error text scrubbed of the request's secrets, an error
//! body of an unknown shape replaced, and the body that was read put back.

use reqwest::header::{CONTENT_TYPE, HeaderValue};

use crate::response::ErrorBody;
use crate::scrub::Secrets;

/// Whether a success answer's body reads as the provider's error schema reporting an error
/// (some servers put an error inside a 200); such a body is scrubbed like an error answer's.
pub(crate) fn reports_error<E: ErrorBody>(body: &[u8]) -> bool {
    serde_json::from_slice::<E>(body).is_ok_and(|e| e.reports_error())
}

/// An error answer's body as the generated client gets it: scrubbed of `secrets` when it reads
/// as `E`; else, for an error status, `{}` (as JSON).
pub(crate) fn error_body<E: ErrorBody>(
    body: bytes::Bytes,
    secrets: &Secrets,
    error_status: bool,
    response: &mut reqwest::Response,
) -> bytes::Bytes {
    if serde_json::from_slice::<E>(&body).is_ok() {
        if let Some(clean) = scrubbed(&body, secrets) {
            return clean;
        }
        if secrets.is_empty() {
            return body;
        }
    } else if !error_status {
        return body;
    }
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    bytes::Bytes::from_static(b"{}")
}

/// `body` (JSON) with every string scrubbed of `secrets`; `None` if it is not JSON or cannot
/// be written back.
fn scrubbed(body: &[u8], secrets: &Secrets) -> Option<bytes::Bytes> {
    if secrets.is_empty() {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    secrets.scrub_json(&mut value);
    serde_json::to_vec(&value).ok().map(bytes::Bytes::from)
}

/// `response` with `body` in place of the one read from it (status, version, headers,
/// extensions and URL kept).
pub(crate) fn rebuild(response: reqwest::Response, body: bytes::Bytes) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    let url = response.url().clone();
    let (parts, _) = http::Response::from(response).into_parts();
    // A builder given only an extension cannot fail; without one the URL would be lost, not
    // the answer.
    let (mut with_url, ()) = http::Response::builder()
        .url(url)
        .body(())
        .unwrap_or_default()
        .into_parts();
    with_url.status = parts.status;
    with_url.version = parts.version;
    with_url.headers = parts.headers;
    with_url.extensions.extend(parts.extensions);
    reqwest::Response::from(http::Response::from_parts(with_url, body))
}
