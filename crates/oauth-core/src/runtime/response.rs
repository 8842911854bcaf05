//! Turning what a generated client returns into this crate's results.

use std::time::{Duration, SystemTime};

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{DecodeError, Error, ServerError};
use crate::runtime::limit::Rejection;

/// A provider's error body, as generated from its spec.
///
/// Provider crates implement this for their generated error type so that every shape
/// (RFC 6749, Cal.com's envelope, Sunshine's `errors[]`, ...) becomes one [`ServerError`].
pub trait ErrorBody: DeserializeOwned {
    /// Whether the body reports an error: some servers put an error inside a 200. Asked of
    /// every 2xx body of an operation whose success shape an error body could also read as
    /// (`Success::Checked`), and of a 2xx body that did not read as its success shape.
    fn reports_error(&self) -> bool;

    /// The error, for an answer with `status`.
    fn into_server_error(self, status: u16) -> ServerError;
}

/// Maps a failed generated call onto [`Error`]. `T` is the operation's success type: when a
/// success answer does not parse, it is decoded again to name the failing field (the body is
/// then dropped; it is never put in the error).
pub fn map_error<T: DeserializeOwned, E: ErrorBody>(error: GeneratedError<E>) -> Error {
    match error {
        GeneratedError::ErrorResponse(value) => server_error(value),
        GeneratedError::InvalidResponsePayload(bytes, e) => decode_failure::<T, E>(&bytes, &e),
        GeneratedError::UnexpectedResponse(response) => {
            if let Some(rejection) = crate::runtime::limit::rejection(&response) {
                return rejected(rejection);
            }
            let status = response.status();
            if status.is_redirection() {
                Error::UnexpectedRedirect {
                    status: status.as_u16(),
                }
            } else if status.is_success() {
                Error::Decode(DecodeError {
                    status: Some(status.as_u16()),
                    path: ".".into(),
                    problem: "a success status the operation does not declare".into(),
                })
            } else {
                ServerError::from_status(status.as_u16())
                    .with_retry_after(retry_after(response.headers(), SystemTime::now()))
                    .into()
            }
        }
        GeneratedError::CommunicationError(e)
        | GeneratedError::ResponseBodyError(e)
        | GeneratedError::InvalidUpgrade(e) => Error::Transport(e.into()),
        GeneratedError::InvalidRequest(message) => {
            Error::Config(format!("the request could not be built: {message}"))
        }
        GeneratedError::Custom(message) => Error::Config(message),
    }
}

fn rejected(rejection: &Rejection) -> Error {
    match *rejection {
        Rejection::TooLarge { status, limit } => Error::ResponseTooLarge { status, limit },
        Rejection::RedirectFollowed { status } => Error::RedirectFollowed { status },
    }
}

fn server_error<E: ErrorBody>(value: ResponseValue<E>) -> Error {
    let status = value.status().as_u16();
    let after = retry_after(value.headers(), SystemTime::now());
    value
        .into_inner()
        .into_server_error(status)
        .with_retry_after(after)
        .into()
}

fn decode_failure<T: DeserializeOwned, E: ErrorBody>(bytes: &[u8], e: &serde_json::Error) -> Error {
    if let Ok(body) = serde_json::from_slice::<E>(bytes)
        && body.reports_error()
    {
        return body.into_server_error(200).into();
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(located) => Error::Decode(DecodeError::from_json(
            Some(200),
            located.path().to_string(),
            located.inner(),
        )),
        Ok(_) => Error::Decode(DecodeError::from_json(Some(200), ".".into(), e)),
    }
}

/// The target of an answer that must be a redirect (an authorization endpoint's), resolved
/// against the request URL (RFC 9110 §10.2.2). The redirect is read, never followed; an answer
/// that is not a redirect, or a redirect without a usable `Location`, is a [`DecodeError`]
/// that names no value from the answer (the target may hold a code).
pub fn redirect_location<T, E: ErrorBody>(
    result: Result<ResponseValue<T>, GeneratedError<E>>,
) -> Result<Url, Error> {
    let response = match result {
        Err(GeneratedError::UnexpectedResponse(r)) if r.status().is_redirection() => r,
        Ok(r) => {
            return Err(redirect_problem(
                r.status().as_u16(),
                "the authorization endpoint answered without a redirect (an HTTP client that \
                 follows redirects hides it: use one that does not)",
            ));
        }
        Err(e) => return Err(map_error::<(), _>(e)),
    };
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or_else(|| redirect_problem(status, "the redirect has no Location"))?
        .to_str()
        .map_err(|_| redirect_problem(status, "the redirect Location is not text"))?;
    response
        .url()
        .join(location)
        .map_err(|_| redirect_problem(status, "the redirect Location is not a URL"))
}

fn redirect_problem(status: u16, problem: &str) -> Error {
    Error::Decode(DecodeError {
        status: Some(status),
        path: ".".into(),
        problem: problem.into(),
    })
}

/// `Retry-After` as delay seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:30 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }
}
