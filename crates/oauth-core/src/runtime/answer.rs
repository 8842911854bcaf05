//! The answer as a generated client reads it, after the execution hook
//! ([`crate::http::execute`]) vetted it: error text scrubbed of the request's secrets, an error
//! body of an unknown shape replaced, and the body that was read put back.

use std::time::Instant;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use tracing::Instrument;

use crate::runtime::limit::{self, Rejection};
use crate::runtime::response::ErrorBody;
use crate::runtime::scrub::{Secrets, Sent};
use crate::runtime::vetting::Vetting;

/// An answer [`send`] vetted.
// One per request, returned once: boxing the large variant would cost an allocation each time.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Vetted {
    /// Its body was read (and, in an error answer, scrubbed): `body` stands for the one
    /// `response` had.
    Read {
        /// Status, headers and URL of the answer; its body is spent.
        response: reqwest::Response,
        /// The body as the caller may read it.
        body: Bytes,
    },
    /// Handed on as it came: a redirect (never read), or the stand-in for a refused answer.
    Unread(reqwest::Response),
}

impl Vetted {
    /// The answer as one response, the body put back in place.
    pub(crate) fn into_response(self) -> reqwest::Response {
        match self {
            Vetted::Read { response, body } => rebuild(response, body),
            Vetted::Unread(response) => response,
        }
    }
}

/// Whether [`send`] looks for an error in a success answer's body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Success {
    /// Read as `E` too, and scrubbed when it reports an error: for callers that read any
    /// success body as their success type (the generated operations).
    Checked,
    /// Handed on as read: the caller reads its success type first and scrubs with
    /// [`scrub_success`] only a body that is not one.
    Unchecked,
}

/// Sends `request` and vets its answer, as [`crate::http::execute`] documents. `sent` is what
/// the request carries ([`Sent::capture`]); its secrets, and those `vetting` holds, are only
/// extracted when an answer is to be scrubbed.
///
/// Not an `async fn`: the request goes to the client before the future is made, so that the
/// future (which every caller's future contains) holds no copy of it.
pub(crate) fn send<'s, E: ErrorBody>(
    client: &reqwest::Client,
    request: reqwest::Request,
    sent: &'s Sent<'_>,
    operation: &'static str,
    vetting: &'s Vetting,
    success: Success,
) -> impl Future<Output = reqwest::Result<Vetted>> + Send + 's {
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
        if response.url() != sent.url() {
            tracing::warn!("the HTTP client followed a redirect; its answer was refused");
            return Ok(Vetted::Unread(limit::rejected(
                Rejection::RedirectFollowed {
                    status: status.as_u16(),
                },
            )));
        }
        if status.is_redirection() {
            // Never read: a redirect is reported by its status and `Location` alone.
            return Ok(Vetted::Unread(response));
        }
        let body = match limit::read_body(&mut response, vetting.limit()).await? {
            Ok(body) => body,
            Err(limit) => {
                return Ok(Vetted::Unread(limit::rejected(Rejection::TooLarge {
                    status: status.as_u16(),
                    limit,
                })));
            }
        };
        let error = status.is_client_error() || status.is_server_error();
        let body = if error || (success == Success::Checked && success_reports_error::<E>(&body)) {
            error_body::<E>(body, &sent.secrets(vetting.held()), error, &mut response)
        } else {
            body
        };
        Ok(Vetted::Read { response, body })
    }
    .instrument(span)
}

/// Whether a body read as the provider's error schema reports an error (some servers put an
/// error inside a 200); such a body is scrubbed like an error answer's.
pub(crate) fn reports_error<E: ErrorBody>(body: &[u8]) -> bool {
    serde_json::from_slice::<E>(body).is_ok_and(|e| e.reports_error())
}

/// [`reports_error`] for the success body of a generated operation, which is otherwise read
/// once more as the operation's success type: a body without any of [`ErrorBody::MARKERS`]
/// (and without a `\\` that could escape one) is not parsed a second time. Every token answer
/// of a generated operation comes here, so the second parse is measured: README,
/// "Performance".
fn success_reports_error<E: ErrorBody>(body: &[u8]) -> bool {
    if let Some(markers) = E::MARKERS
        && memchr::memchr(b'\\', body).is_none()
        && !markers
            .iter()
            .any(|m| memchr::memmem::find(body, m.as_bytes()).is_some())
    {
        return false;
    }
    reports_error::<E>(body)
}

/// A success body read with [`Success::Unchecked`] that did not read as the caller's success
/// type, as [`Success::Checked`] would have handed it on: scrubbed when it reports an error.
/// Such a body is rare, so it is always parsed as the error schema (no [`ErrorBody::MARKERS`]).
pub(crate) fn scrub_success<E: ErrorBody>(
    body: Bytes,
    sent: &Sent<'_>,
    vetting: &Vetting,
    response: &mut reqwest::Response,
) -> Bytes {
    if reports_error::<E>(&body) {
        error_body::<E>(body, &sent.secrets(vetting.held()), false, response)
    } else {
        body
    }
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::error::ServerError;

    thread_local! {
        static PARSED: Cell<usize> = const { Cell::new(0) };
    }

    /// An error schema that counts how often a body is parsed as it.
    struct Counted {
        error: Option<String>,
    }

    impl<'de> serde::Deserialize<'de> for Counted {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            #[derive(serde::Deserialize)]
            struct Shape {
                error: Option<String>,
            }
            PARSED.with(|n| n.set(n.get() + 1));
            Shape::deserialize(d).map(|s| Counted { error: s.error })
        }
    }

    impl ErrorBody for Counted {
        const MARKERS: Option<&'static [&'static str]> = Some(&["error"]);

        fn reports_error(&self) -> bool {
            self.error.is_some()
        }

        fn into_server_error(self, status: u16) -> ServerError {
            ServerError::from_status(status)
        }
    }

    fn parses(body: &str) -> (bool, usize) {
        PARSED.with(|n| n.set(0));
        let reports = success_reports_error::<Counted>(body.as_bytes());
        (reports, PARSED.with(Cell::get))
    }

    #[test]
    fn a_success_body_without_a_marker_is_not_parsed_as_an_error() {
        assert_eq!(
            parses(r#"{"access_token":"at","token_type":"bearer"}"#),
            (false, 0)
        );
    }

    #[test]
    fn a_body_known_not_to_be_a_success_is_parsed_without_markers() {
        PARSED.with(|n| n.set(0));
        assert!(!reports_error::<Counted>(br#"{"access_token":"at"}"#));
        assert_eq!(PARSED.with(Cell::get), 1);
    }

    #[test]
    fn a_body_with_a_marker_or_an_escape_is_parsed() {
        assert_eq!(parses(r#"{"error":"invalid_grant"}"#), (true, 1));
        // The escape could spell a marker: parsed, and found to be an error.
        assert_eq!(parses(r#"{"\u0065rror":"invalid_grant"}"#), (true, 1));
        // A marker inside a value is only a reason to look.
        assert_eq!(
            parses(r#"{"access_token":"error-prone","token_type":"bearer"}"#),
            (false, 1)
        );
    }
}
