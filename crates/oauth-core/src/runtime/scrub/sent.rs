//! [`Sent`]: what a request carried, kept until an answer needs scrubbing, and the secrets
//! read out of it (headers, `Basic` credentials, form and JSON bodies).

use reqwest::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION};
use serde_json::Value;

use super::{SECRET_FIELDS, Secrets};

/// What a request carried that may hold secrets, copied out of it before it is sent and kept
/// until an answer needs scrubbing: the URL (its query), the sensitive headers and the body.
/// The secrets are only extracted ([`Sent::secrets`]) for an answer that reports an error,
/// which keeps the parsing off every successful request.
///
/// One allocation holds it all: `bytes` is the URL, then each sensitive header as
/// `name \0 value \0` (neither can hold a NUL), then the body. The execution hook's future
/// holds it across the request, and every caller's future holds that one.
#[derive(Clone)]
pub(crate) struct Sent {
    bytes: Box<[u8]>,
    /// Where the URL ends in `bytes`.
    url_end: u32,
    /// Where the headers end (and the body begins) in `bytes`.
    headers_end: u32,
}

impl Sent {
    /// What `request` carries, as [`Secrets::from_request`] reads it.
    pub(crate) fn capture(request: &reqwest::Request) -> Self {
        let url = request.url().as_str().as_bytes();
        let sensitive = || {
            request.headers().iter().filter(|(name, value)| {
                value.is_sensitive() || **name == AUTHORIZATION || **name == COOKIE
            })
        };
        let body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .unwrap_or_default();
        let headers_len: usize = sensitive()
            .map(|(name, value)| name.as_str().len() + value.len() + 2)
            .sum();
        let mut bytes = Vec::with_capacity(url.len() + headers_len + body.len());
        bytes.extend_from_slice(url);
        for (name, value) in sensitive() {
            bytes.extend_from_slice(name.as_str().as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(value.as_bytes());
            bytes.push(0);
        }
        bytes.extend_from_slice(body);
        // A request of 4 GiB is not sent by these clients; the lengths saturate rather than wrap.
        let offset = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            url_end: offset(url.len()),
            headers_end: offset(url.len() + headers_len),
            bytes: bytes.into_boxed_slice(),
        }
    }

    fn url(&self) -> &[u8] {
        self.bytes.get(..self.url_end as usize).unwrap_or_default()
    }

    /// Whether the request went to `url` (the execution hook compares the answer's URL with it).
    pub(crate) fn went_to(&self, url: &url::Url) -> bool {
        url.as_str().as_bytes() == self.url()
    }

    /// The secrets among what was captured, and `held` (the client's own, which the request
    /// may not have carried but the answer may echo all the same).
    pub(crate) fn secrets<'h>(&self, held: impl Iterator<Item = &'h str>) -> Secrets {
        let mut found: Vec<String> = held.map(str::to_owned).collect();
        let (url_end, headers_end) = (self.url_end as usize, self.headers_end as usize);
        let headers = self.bytes.get(url_end..headers_end).unwrap_or_default();
        let mut fields = headers.split(|&b| b == 0);
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            header_secrets(name, value, &mut found);
        }
        // The query of a serialized URL: after the first `?`, up to a `#`.
        let url = self.url();
        if let Some(start) = url.iter().position(|&b| b == b'?') {
            let query = &url[start + 1..];
            let end = query.iter().position(|&b| b == b'#').unwrap_or(query.len());
            form_secrets(&query[..end], &mut found);
        }
        let body = self.bytes.get(headers_end..).unwrap_or_default();
        if !body.is_empty() {
            match serde_json::from_slice::<Value>(body) {
                Ok(json) => json_secrets(&json, false, &mut found),
                Err(_) => form_secrets(body, &mut found),
            }
        }
        Secrets::new(found)
    }
}

/// The secrets in a sensitive header (`name` lower case, as `HeaderName` writes it).
fn header_secrets(name: &[u8], value: &[u8], found: &mut Vec<String>) {
    let value = String::from_utf8_lossy(value).trim().to_owned();
    if name == AUTHORIZATION.as_str().as_bytes() || name == PROXY_AUTHORIZATION.as_str().as_bytes()
    {
        if let Some((scheme, credentials)) = value.split_once(' ') {
            let credentials = credentials.trim();
            if scheme.eq_ignore_ascii_case("basic") {
                basic_secrets(credentials, found);
            }
            found.push(credentials.to_owned());
        }
    } else if name == COOKIE.as_str().as_bytes() {
        for pair in value.split(';') {
            if let Some((_, v)) = pair.split_once('=') {
                found.push(v.trim().to_owned());
            }
        }
    }
    found.push(value);
}

/// The secret half of `Basic` credentials, as sent (form-encoded, RFC 6749 §2.3.1) and decoded.
fn basic_secrets(credentials: &str, found: &mut Vec<String>) {
    use base64::Engine;
    let Ok(pair) = base64::engine::general_purpose::STANDARD.decode(credentials) else {
        return;
    };
    let pair = String::from_utf8_lossy(&pair);
    if let Some((_, secret)) = pair.split_once(':') {
        found.push(form_decode(secret));
        found.push(secret.to_owned());
    }
}

fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn form_secrets(form: &[u8], found: &mut Vec<String>) {
    for (name, value) in url::form_urlencoded::parse(form) {
        if SECRET_FIELDS.contains(&name.as_ref()) {
            found.push(value.into_owned());
        }
    }
}

fn json_secrets(value: &Value, secret: bool, found: &mut Vec<String>) {
    match value {
        Value::String(s) if secret => found.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| json_secrets(v, secret, found)),
        Value::Object(map) => {
            for (name, v) in map {
                json_secrets(v, SECRET_FIELDS.contains(&name.as_str()), found);
            }
        }
        _ => {}
    }
}
