//! A generated operation's request, built in place: what `reqwest::RequestBuilder` does for the
//! calls progenitor's methods make (`request`, `header`, `json`, `form_urlencoded`, `query`),
//! on one `reqwest::Request` and without the builder, which holds a clone of the client and
//! moves the whole request at every call. The xtask writes these calls in place of each
//! method's builder chain (`xtask/src/in_place.rs`).
//!
//! Where the builder would fail, these fail too, as `Error::InvalidRequest` (the builder's
//! failures reached the caller as a communication error; none of them happens with a URL made
//! from a [`crate::BaseUrl`] and the generated types).

// Each returns progenitor's error type, as the generated operations whose `?` they serve do.
#![allow(clippy::result_large_err)]

use progenitor_client::Error as GeneratedError;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;

/// A request URL: one prepared when the client was made, or one formatted for this request
/// (an operation with path parameters), parsed here.
pub trait RequestUrl {
    /// The URL, checked.
    fn into_request_url<E>(self) -> Result<reqwest::Url, GeneratedError<E>>;
}

impl RequestUrl for reqwest::Url {
    fn into_request_url<E>(self) -> Result<reqwest::Url, GeneratedError<E>> {
        // What `reqwest` checks of a URL it is given, and what `BaseUrl` refuses: user info
        // would be sent (the builder turns it into `Authorization: Basic`).
        if !self.has_host() {
            return Err(GeneratedError::InvalidRequest(format!(
                "the URL {self} has no host"
            )));
        }
        if !self.username().is_empty() || self.password().is_some() {
            return Err(GeneratedError::InvalidRequest(
                "the URL has user info; put credentials in the client's builder".into(),
            ));
        }
        Ok(self)
    }
}

impl RequestUrl for String {
    fn into_request_url<E>(self) -> Result<reqwest::Url, GeneratedError<E>> {
        reqwest::Url::parse(&self)
            .map_err(|e| GeneratedError::InvalidRequest(format!("the URL does not parse: {e}")))?
            .into_request_url()
    }
}

/// A request for `method` to `url` (`Client::request`).
pub fn request<E>(
    method: reqwest::Method,
    url: impl RequestUrl,
) -> Result<reqwest::Request, GeneratedError<E>> {
    Ok(reqwest::Request::new(method, url.into_request_url()?))
}

/// `body` as JSON, with `Content-Type: application/json` unless one is set
/// (`RequestBuilder::json`).
pub fn json_body<E, T: Serialize + ?Sized>(
    request: &mut reqwest::Request,
    body: &T,
) -> Result<(), GeneratedError<E>> {
    let body = serde_json::to_vec(body)
        .map_err(|e| GeneratedError::InvalidRequest(format!("failed to serialize body: {e}")))?;
    request
        .headers_mut()
        .entry(CONTENT_TYPE)
        .or_insert(HeaderValue::from_static("application/json"));
    *request.body_mut() = Some(body.into());
    Ok(())
}

/// `body` form-encoded, with `Content-Type: application/x-www-form-urlencoded` (progenitor's
/// `RequestBuilderExt::form_urlencoded`).
pub fn form_body<E, T: Serialize + ?Sized>(
    request: &mut reqwest::Request,
    body: &T,
) -> Result<(), GeneratedError<E>> {
    let body = serde_urlencoded::to_string(body)
        .map_err(|_| GeneratedError::InvalidRequest("failed to serialize body".into()))?;
    request.headers_mut().append(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    *request.body_mut() = Some(body.into());
    Ok(())
}

/// `query`'s fields appended to the URL's query; an empty query is removed
/// (`RequestBuilder::query`).
pub fn query<E, T: Serialize + ?Sized>(
    request: &mut reqwest::Request,
    query: &T,
) -> Result<(), GeneratedError<E>> {
    let url = request.url_mut();
    let written = {
        let mut pairs = url.query_pairs_mut();
        query
            .serialize(serde_urlencoded::Serializer::new(&mut pairs))
            .map(|_| ())
    };
    if url.query() == Some("") {
        url.set_query(None);
    }
    written.map_err(|e| GeneratedError::InvalidRequest(format!("failed to serialize query: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Result<T> = std::result::Result<T, GeneratedError<()>>;

    #[test]
    fn what_the_builder_builds() -> Result<()> {
        let url = reqwest::Url::parse("https://login.example/oauth/token").unwrap();
        let mut request = request::<()>(reqwest::Method::POST, url)?;
        form_body(
            &mut request,
            &[("grant_type", "refresh_token"), ("x", "a b&c")],
        )?;
        query(&mut request, &[("state", "s 1")])?;
        let built = crate::HttpSettings::new("test")
            .build()
            .unwrap()
            .post("https://login.example/oauth/token")
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body("grant_type=refresh_token&x=a+b%26c")
            .query(&[("state", "s 1")])
            .build()
            .unwrap();
        assert_eq!(request.method(), built.method());
        assert_eq!(request.url(), built.url());
        assert_eq!(request.headers(), built.headers());
        assert_eq!(
            request.body().and_then(reqwest::Body::as_bytes),
            built.body().and_then(reqwest::Body::as_bytes)
        );
        Ok(())
    }

    #[test]
    fn json_keeps_a_content_type_already_set() -> Result<()> {
        let mut request = request::<()>(reqwest::Method::POST, "https://a.example/x".to_owned())?;
        json_body(&mut request, &serde_json::json!({"a": 1}))?;
        assert_eq!(request.headers()[CONTENT_TYPE], "application/json");
        request.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/merge+json"),
        );
        json_body(&mut request, &serde_json::json!({"a": 2}))?;
        assert_eq!(request.headers()[CONTENT_TYPE], "application/merge+json");
        assert_eq!(
            request.body().and_then(reqwest::Body::as_bytes),
            Some(&br#"{"a":2}"#[..])
        );
        Ok(())
    }

    #[test]
    fn an_empty_query_leaves_no_question_mark() -> Result<()> {
        let mut request = request::<()>(reqwest::Method::GET, "https://a.example/x".to_owned())?;
        query(&mut request, &[("state", None::<&str>)])?;
        assert_eq!(request.url().as_str(), "https://a.example/x");
        Ok(())
    }

    #[test]
    fn urls_the_builder_would_refuse_or_rewrite_are_refused() {
        for url in [
            "not a url",
            "https://user:pw@a.example/x",
            "https://:pw@a.example/",
        ] {
            assert!(
                matches!(
                    request::<()>(reqwest::Method::GET, url.to_owned()),
                    Err(GeneratedError::InvalidRequest(_))
                ),
                "{url}"
            );
        }
    }
}
