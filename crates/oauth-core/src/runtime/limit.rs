//! How much of an answer is read, and the answers the hooks refuse before a generated client
//! sees them.
//!
//! A hook can only hand a generated client a `reqwest::Response` (it cannot make a
//! `reqwest::Error`), so a refused answer becomes a stand-in response with the status
//! [`REJECTED_STATUS`], which no operation declares: every generated operation reports it as
//! `Error::UnexpectedResponse`, and [`crate::runtime::response::map_error`] turns it into the typed
//! error the [`Rejection`] in its extensions names. Code calling a generated client directly
//! sees that status and can read the same extension with [`rejection`].

use bytes::{Bytes, BytesMut};

/// The most bytes of a response body that are read: 1 MiB by default. An answer with a longer
/// body (by its `Content-Length`, or once that many bytes arrived) is refused with
/// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) and its body dropped unread.
///
/// The hooks read it from every generated client's inner value, a [`crate::runtime::Vetting`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BodyLimit(u64);

impl BodyLimit {
    /// 1 MiB: OAuth answers are a few kilobytes.
    pub const DEFAULT: Self = Self(1 << 20);

    /// A limit of `bytes`.
    pub const fn new(bytes: u64) -> Self {
        Self(bytes)
    }

    /// The limit in bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }
}

impl Default for BodyLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why the hooks refused an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is longer than the [`BodyLimit`].
    TooLarge {
        /// The answer's status.
        status: u16,
        /// The limit it broke.
        limit: u64,
    },
    /// The answer came from another URL than the request went to: the HTTP client followed
    /// a redirect.
    RedirectFollowed {
        /// The final answer's status.
        status: u16,
    },
}

/// The status of a refused answer's stand-in: valid for `http` but outside every range an
/// operation declares (`2XX`, `3XX`, `4XX`, `5XX`).
pub const REJECTED_STATUS: u16 = 999;

/// The stand-in response for a refused answer (empty body, the rejection in its extensions).
pub(crate) fn rejected(rejection: Rejection) -> reqwest::Response {
    let mut response = http::Response::new(Bytes::new());
    // 999 is within the 100..=999 that `StatusCode` accepts.
    if let Ok(status) = http::StatusCode::from_u16(REJECTED_STATUS) {
        *response.status_mut() = status;
    }
    response.extensions_mut().insert(rejection);
    reqwest::Response::from(response)
}

/// The rejection a stand-in response carries, if `response` is one.
pub fn rejection(response: &reqwest::Response) -> Option<&Rejection> {
    response.extensions().get::<Rejection>()
}

/// Reads `response`'s body, at most `limit` bytes of it. `Ok(Err(limit))` when the body is
/// longer: `Content-Length` is checked before anything is read, and the count as chunks arrive.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    limit: BodyLimit,
) -> reqwest::Result<Result<Bytes, u64>> {
    // The length hyper parsed from `Content-Length` (it refuses an answer whose header does
    // not parse), so the header is not looked up and parsed again.
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit.0) {
        return Ok(Err(limit.0));
    }
    let within = |n: usize| u64::try_from(n).is_ok_and(|n| n <= limit.0);
    let Some(first) = response.chunk().await? else {
        return Ok(Ok(Bytes::new()));
    };
    if !within(first.len()) {
        return Ok(Err(limit.0));
    }
    // A small answer usually arrives as one chunk: it is the body as it is, not a copy.
    let Some(second) = response.chunk().await? else {
        return Ok(Ok(first));
    };
    // Never more than the limit up front, whatever the server declared.
    let capacity = declared.unwrap_or(0).min(limit.0).min(64 * 1024);
    let mut body = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    body.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if !within(body.len().saturating_add(chunk.len())) {
            return Ok(Err(limit.0));
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await?;
    }
    Ok(Ok(body.freeze()))
}
