//! A `POST` endpoint prepared once: the hot path of token requests.
//!
//! The generated operations format and re-parse their URL and re-encode the client's `Basic`
//! credentials on every call. The provider crates send their token requests through an
//! [`Endpoint`] instead, which holds the parsed URL and the finished, sensitive
//! `Authorization` value, and otherwise does exactly what a generated operation does: the
//! generated body type, `Accept: application/json`, the same request and execution hooks
//! ([`crate::http::prepare_request`], [`crate::http::execute`]) and the same outcome, a
//! `progenitor_client` result for [`crate::runtime::response::map_error`].

use std::fmt;

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};
use crate::http::{BaseUrl, basic_authorization};
use crate::runtime::answer;
use crate::runtime::scrub::Sent;
use crate::secret::ClientSecret;

/// A `POST` endpoint answering JSON, with its URL, body encoding and client authentication
/// prepared once. `Debug` shows the URL and whether credentials are attached, never the
/// credentials.
#[derive(Clone)]
pub struct Endpoint {
    url: Url,
    json: bool,
    authorization: Option<HeaderValue>,
    operation: &'static str,
}

impl Endpoint {
    /// The endpoint at `path` (starting with `/`) below `base`, taking a form-encoded body
    /// (`application/x-www-form-urlencoded`), reported to tracing as `operation` (the generated
    /// operation's id). [`Error::Config`] for a path [`BaseUrl::endpoint`] refuses.
    pub fn form(base: &BaseUrl, path: &str, operation: &'static str) -> Result<Self> {
        Ok(Self {
            url: base.endpoint(path)?,
            json: false,
            authorization: None,
            operation,
        })
    }

    /// As [`Endpoint::form`], for an endpoint taking a JSON body.
    pub fn json(base: &BaseUrl, path: &str, operation: &'static str) -> Result<Self> {
        Ok(Self {
            json: true,
            ..Self::form(base, path, operation)?
        })
    }

    /// Authenticates every request with HTTP Basic (`client_secret_basic`, id and secret
    /// form-encoded first, RFC 6749 §2.3.1). The header value is marked sensitive.
    pub fn with_basic(mut self, client_id: &str, client_secret: &ClientSecret) -> Result<Self> {
        let mut value = HeaderValue::try_from(basic_authorization(client_id, client_secret))
            .map_err(|_| Error::Config("the client credentials do not form a header".into()))?;
        value.set_sensitive(true);
        self.authorization = Some(value);
        Ok(self)
    }

    /// The `Authorization` value, for the generated operations that take it as a string.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_ref().and_then(|v| v.to_str().ok())
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Sends `body` and reads a `200` answer as `T`, as the generated operation would: `4xx`
    /// and `5xx` answers are read as the error schema `E`, any other status is unexpected.
    ///
    /// `vetting` caps the answer's body and names the client's own secrets to scrub from an
    /// error answer, as the generated client's hooks do (pass the generated client's inner
    /// value).
    pub async fn post<B, T, E>(
        &self,
        http: &reqwest::Client,
        vetting: &crate::runtime::Vetting,
        body: &B,
    ) -> std::result::Result<T, GeneratedError<E>>
    where
        B: Serialize + Sync + ?Sized,
        T: DeserializeOwned,
        E: crate::runtime::response::ErrorBody,
    {
        let json = self.json;
        // Run again only to find the secrets to scrub from an error answer, which is cheaper
        // than keeping a copy of every body.
        let encode = move || encode(json, body);
        let encoded = encode().ok_or_else(invalid_body)?;
        let sent = Sent::prepared(&self.url, self.authorization.as_ref(), &encode);
        let vetted = answer::send::<E>(
            http,
            self.request(encoded),
            &sent,
            self.operation,
            vetting,
            answer::Success::Unchecked,
        )
        .await?;
        let vetted = match vetted {
            answer::Vetted::Read { mut response, body }
                if response.status() == reqwest::StatusCode::OK =>
            {
                // Parsed where it lies, no response rebuilt; only a body that is not a `T` is
                // looked at as an error (and scrubbed), as the generated operation would.
                return serde_json::from_slice(&body).map_err(|e| {
                    let body = answer::scrub_success::<E>(body, &sent, vetting, &mut response);
                    GeneratedError::InvalidResponsePayload(body, e)
                });
            }
            other => other,
        };
        let response = vetted.into_response();
        match response.status().as_u16() {
            // Boxed: an error answer is rare, and its read would make every call's future twice
            // the size.
            400..=599 => Err(GeneratedError::ErrorResponse(
                Box::pin(ResponseValue::from_response(response)).await?,
            )),
            _ => Err(GeneratedError::UnexpectedResponse(response)),
        }
    }

    /// The request with `body`, built in place rather than through `RequestBuilder` (whose
    /// by-value chain copies the request at every step), with the headers the builder would
    /// set.
    fn request(&self, body: Vec<u8>) -> reqwest::Request {
        let mut request = reqwest::Request::new(reqwest::Method::POST, self.url.clone());
        let headers = request.headers_mut();
        headers.insert(ACCEPT, ACCEPT_JSON);
        headers.insert(CONTENT_TYPE, if self.json { JSON } else { FORM });
        // Marked sensitive when it was made, so the request needs no `prepare_request`.
        if let Some(value) = &self.authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        *request.body_mut() = Some(reqwest::Body::from(body));
        request
    }
}

// Constants, so that they are checked at compile time rather than on every request.
const ACCEPT_JSON: HeaderValue = HeaderValue::from_static("application/json");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const FORM: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");

/// `body` as JSON or form-encoded, with the values of its secrets (it goes on the wire);
/// `None` if it does not serialize.
fn encode<B: Serialize + ?Sized>(json: bool, body: &B) -> Option<Vec<u8>> {
    let body = crate::secret::WithSecrets(body);
    if json {
        serde_json::to_vec(&body).ok()
    } else {
        serde_urlencoded::to_string(body)
            .ok()
            .map(String::into_bytes)
    }
}

/// What a body that does not serialize is reported as, as the generated operations do.
fn invalid_body<E>() -> GeneratedError<E> {
    GeneratedError::InvalidRequest("failed to serialize body".into())
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url.as_str())
            .field("client_authentication", &self.authorization.is_some())
            .field("operation", &self.operation)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_credentials() {
        let base = BaseUrl::parse("https://platform.ringcentral.com").unwrap();
        let endpoint = Endpoint::form(&base, "/restapi/oauth/token", "get_token")
            .unwrap()
            .with_basic("id", &ClientSecret::new("s3cr3t"))
            .unwrap();
        let shown = format!("{endpoint:?}");
        assert!(shown.contains("https://platform.ringcentral.com/restapi/oauth/token"));
        assert!(shown.contains("client_authentication: true"));
        assert!(
            !shown.contains("Basic") && !shown.contains("aWQ6czNjcjN0"),
            "{shown}"
        );
        assert_eq!(endpoint.authorization(), Some("Basic aWQ6czNjcjN0"));
        assert!(endpoint.authorization.as_ref().unwrap().is_sensitive());
    }
}
