//! The answer as a generated client reads it, after the execution hook
//! ([`crate::runtime::execute`]) vetted it: error text scrubbed of the request's secrets, an error
//! body of an unknown shape replaced, and the body that was read kept beside it.

use std::time::Instant;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use tracing::Instrument;

use crate::runtime::Success;
use crate::runtime::limit::{self, Rejection};
use crate::runtime::response::ErrorBody;
use crate::runtime::scrub::{Secrets, Sent};
use crate::runtime::vetting::Vetting;

/// The body the execution hook read, in the extensions of the answer it hands on (whose own
/// body is spent): [`crate::runtime::from_response`] parses it from there, and
/// [`crate::runtime::with_body`] puts it back for the generated code that hands the answer on.
#[derive(Clone)]
pub(crate) struct ReadBody {
    pub(crate) body: Bytes,
    /// For a success answer read [`Success::Unchecked`]: what scrubs it if it does not read
    /// as the operation's success type.
    pub(crate) unchecked: Option<Unchecked>,
}

/// What [`scrub_success`] needs, kept with an unchecked success answer's body.
#[derive(Clone)]
pub(crate) struct Unchecked {
    sent: Sent,
    vetting: Vetting,
    scrub: fn(Bytes, &Sent, &Vetting) -> Bytes,
}

impl Unchecked {
    /// `body` as [`Success::Checked`] would have handed it on.
    pub(crate) fn scrub(self, body: Bytes) -> Bytes {
        (self.scrub)(body, &self.sent, &self.vetting)
    }
}

/// Sends `request` and vets its answer, as [`crate::runtime::execute`] documents. `sent` is what
/// the request carries ([`Sent::capture`]); its secrets, and those `vetting` holds, are only
/// extracted when an answer is to be scrubbed.
///
/// Not an `async fn`: the request goes to the client before the future is made, so that the
/// future (which every caller's future contains) holds no copy of it.
pub(crate) fn send<'v, E: ErrorBody>(
    client: &reqwest::Client,
    request: reqwest::Request,
    sent: Sent,
    operation: &'static str,
    vetting: &'v Vetting,
    success: Success,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + use<'v, E> {
    let span = tracing::debug_span!(
        "oauth_http",
        operation,
        method = %request.method(),
        path = request.url().path(),
        status = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    );
    // Without a subscriber that wants the span, nothing is timed or recorded.
    let start = (!span.is_disabled()).then(Instant::now);
    let pending = client.execute(request);
    async move {
        let result = pending.await;
        let span = start.map(|start| {
            let span = tracing::Span::current();
            let elapsed = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("elapsed_ms", elapsed);
            span
        });
        let mut response = result?;
        let status = response.status();
        if let Some(span) = &span {
            span.record("status", status.as_u16());
        }
        if !sent.went_to(response.url()) {
            tracing::warn!("the HTTP client followed a redirect; its answer was refused");
            return Ok(limit::rejected(Rejection::RedirectFollowed {
                status: status.as_u16(),
            }));
        }
        if status.is_redirection() {
            // Never read: a redirect is reported by its status and `Location` alone.
            return Ok(response);
        }
        let body = match limit::read_body(&mut response, vetting.limit()).await? {
            Ok(body) => body,
            Err(limit) => {
                return Ok(limit::rejected(Rejection::TooLarge {
                    status: status.as_u16(),
                    limit,
                }));
            }
        };
        let error = status.is_client_error() || status.is_server_error();
        let read = if error || (success == Success::Checked && reports_error::<E>(&body)) {
            let body = match error_body::<E>(body, &sent.secrets(vetting.held()), error) {
                Some(body) => body,
                None => {
                    let json = HeaderValue::from_static("application/json");
                    response.headers_mut().insert(CONTENT_TYPE, json);
                    Bytes::from_static(b"{}")
                }
            };
            ReadBody {
                body,
                unchecked: None,
            }
        } else {
            let unchecked = (success == Success::Unchecked).then(|| Unchecked {
                sent,
                vetting: vetting.clone(),
                scrub: scrub_success::<E>,
            });
            ReadBody { body, unchecked }
        };
        // Kept beside the answer rather than put back as its body: putting it back means a new
        // response (`rebuild`), which only the rare answers handed on whole need.
        response.extensions_mut().insert(read);
        Ok(response)
    }
    .instrument(span)
}

/// Whether a body read as the provider's error schema reports an error (some servers put an
/// error inside a 200); such a body is scrubbed like an error answer's.
pub(crate) fn reports_error<E: ErrorBody>(body: &[u8]) -> bool {
    serde_json::from_slice::<E>(body).is_ok_and(|e| e.reports_error())
}

/// An error answer's body as the generated client gets it: scrubbed of `secrets` when it reads
/// as `E`; else, for an error status, `None`: to be replaced with `{}` (as JSON).
pub(crate) fn error_body<E: ErrorBody>(
    body: Bytes,
    secrets: &Secrets,
    error_status: bool,
) -> Option<Bytes> {
    if serde_json::from_slice::<E>(&body).is_ok() {
        if let Some(clean) = scrubbed(&body, secrets) {
            return Some(clean);
        }
        if secrets.is_empty() {
            return Some(body);
        }
    } else if !error_status {
        return Some(body);
    }
    None
}

/// A success body read [`Success::Unchecked`] that did not read as the operation's success
/// type, as [`Success::Checked`] would have handed it on: scrubbed when it reports an error.
fn scrub_success<E: ErrorBody>(body: Bytes, sent: &Sent, vetting: &Vetting) -> Bytes {
    if !reports_error::<E>(&body) {
        return body;
    }
    // A success status: the body is kept whatever it reads as.
    error_body::<E>(body.clone(), &sent.secrets(vetting.held()), false).unwrap_or(body)
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
