//! `GET` of a public JSON document (discovery, key set): redirects refused, the body read with
//! a limit, and nothing of it kept in an error.

use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::error::FetchError;

/// The most bytes of a discovery document or key set read: both are a few kilobytes.
pub const DEFAULT_LIMIT: u64 = 256 * 1024;

/// Fetches `url` and reads its body as JSON, at most `limit` bytes of it. `what` names the
/// document in errors.
pub(crate) async fn json(
    http: &reqwest::Client,
    url: &Url,
    limit: u64,
    what: &'static str,
) -> Result<Value, FetchError> {
    let transport = |e: reqwest::Error| FetchError::Transport {
        what,
        kind: if e.is_connect() {
            "connect"
        } else if e.is_timeout() {
            "timeout"
        } else {
            "other"
        },
    };
    let mut response = http
        .get(url.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .send()
        .await
        .map_err(transport)?;
    if response.url() != url {
        return Err(FetchError::RedirectFollowed { what });
    }
    if response.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status {
            what,
            status: response.status().as_u16(),
        });
    }
    let too_large = FetchError::TooLarge { what, limit };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        let total = body.len().saturating_add(chunk.len());
        if u64::try_from(total).map_or(true, |n| n > limit) {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| FetchError::Decode {
        what,
        line: e.line(),
        column: e.column(),
    })
}
