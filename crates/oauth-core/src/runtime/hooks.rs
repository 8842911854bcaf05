//! The hooks every generated client runs (the xtask writes the calls into `generated.rs`):
//! [`prepare_request`] marks credential headers sensitive, [`execute`] sends a request and vets
//! its answer, [`from_response`] and [`with_body`] read what it vetted, and
//! [`basic_authorization`] is RFC 6749's `Basic` client authentication.

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::header::{AUTHORIZATION, COOKIE};
use serde::de::DeserializeOwned;

use crate::runtime::answer;
use crate::runtime::response::ErrorBody;
use crate::runtime::vetting::Vetting;

/// Headers that carry credentials in some provider's requests: marked sensitive so that
/// `Debug` of a request never prints them.
const CREDENTIAL_HEADERS: &[&str] = &["x-cal-secret-key"];

/// The request hook of every generated client: marks credential headers sensitive so that
/// `Debug` of a request never prints them. (The generator's `api-version` header, which no
/// provider defines, is removed at generation by the xtask.)
pub fn prepare_request(request: &mut reqwest::Request) {
    // A request has a handful of headers: walking them beats three lookups by name.
    for (name, value) in request.headers_mut().iter_mut() {
        if name == AUTHORIZATION || name == COOKIE || CREDENTIAL_HEADERS.contains(&name.as_str()) {
            value.set_sensitive(true);
        }
    }
}

/// The execution hook of every generated client: sends the request inside a `tracing` span
/// (operation, method, path, status, duration; never headers or bodies) and vets the answer
/// before the generated client reads it:
///
/// - an answer from another URL than the request's (a caller's HTTP client followed a
///   redirect) is refused;
/// - every body but a redirect's is read with `vetting`'s limit (`Content-Length` first), and a longer
///   one is refused unread. Refusals reach [`crate::runtime::response::map_error`] as
///   [`Error::RedirectFollowed`](crate::Error::RedirectFollowed) and [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) (see [`crate::runtime::limit`]);
/// - in an error answer (4xx, 5xx, or a 2xx whose body reports an error as `E`) every secret
///   the request carried, and every secret `vetting` holds (the client's own, which an answer
///   can echo to a request that did not carry it), is scrubbed out of the text
///   ([`crate::runtime::scrub`]), and an error body
///   that does not read as the provider's error schema `E` (an HTML page from a proxy, a JSON
///   shape nobody documented) is replaced with `{}`.
///
/// The replacement lets the generated client report such an answer as a typed error response
/// that keeps its status and `Retry-After`, instead of a decode failure that loses both. Every
/// provider error schema has only optional fields, so `{}` reads as one. The original body is
/// dropped, as every body is: it might echo a credential.
///
/// Not an `async fn`: the request goes to `client` before the future is made, so that the
/// future (part of every operation's future) holds no copy of it.
pub fn execute<'v, E: ErrorBody>(
    client: &reqwest::Client,
    request: reqwest::Request,
    operation: &'static str,
    vetting: &'v Vetting,
    success: Success,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + use<'v, E> {
    let sent = crate::runtime::scrub::Sent::capture(&request);
    answer::send::<E>(client, request, sent, operation, vetting, success)
}

/// How [`execute`] reads an operation's success answer (the xtask chooses, for each operation,
/// from its spec).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Success {
    /// Also as the error schema `E`, and scrubbed when it reports an error (some servers put
    /// an error inside a 200): for an operation whose success type could read an error body
    /// (every field optional), which the provider crate then reports as an error.
    Checked,
    /// Handed on as read: [`from_response`] reads it as the success type, and only a body that
    /// is not one is looked at as `E` (and scrubbed when it reports an error), as
    /// [`Success::Checked`] would have done. For an operation whose success schema requires a
    /// field the error schema lacks, so that an answer that reads as it is no error; this saves
    /// every such answer a look for an error (about 1 % of a token exchange's client CPU).
    Unchecked,
}

/// How the generated operations read a JSON answer (the xtask writes it in place of
/// progenitor's `ResponseValue::from_response(response).await`): the body [`execute`] read is
/// parsed where it lies and the headers are moved rather than copied. Nothing is awaited, so
/// that no operation's future holds an answer across a read (progenitor's read made every
/// operation's future about 900 bytes larger). An answer whose body [`execute`] did not read,
/// a redirect's (the xtask refuses a spec that gives a redirect a body), is an error.
// progenitor's error type, which the generated operations return.
#[allow(clippy::result_large_err)]
pub fn from_response<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> std::result::Result<ResponseValue<T>, GeneratedError<E>> {
    let Some(read) = response.extensions_mut().remove::<answer::ReadBody>() else {
        return Err(GeneratedError::Custom(format!(
            "the body of a {} answer was not read by the client's hooks",
            response.status()
        )));
    };
    let headers = std::mem::take(response.headers_mut());
    match serde_json::from_slice(&read.body) {
        Ok(inner) => Ok(ResponseValue::new(inner, response.status(), headers)),
        Err(e) => {
            let body = match read.unchecked {
                Some(unchecked) => unchecked.scrub(read.body),
                None => read.body,
            };
            Err(GeneratedError::InvalidResponsePayload(body, e))
        }
    }
}

/// The answer with the body [`execute`] read put back in place, for the generated code that
/// hands an answer on whole (`ResponseValue::stream`, `Error::UnexpectedResponse`; the xtask
/// writes the call). [`execute`] keeps the body beside the answer instead, because putting it
/// back takes a new response, which the answers [`from_response`] reads do not need.
pub fn with_body(mut response: reqwest::Response) -> reqwest::Response {
    match response.extensions_mut().remove::<answer::ReadBody>() {
        Some(read) => {
            let body = match read.unchecked {
                Some(unchecked) => unchecked.scrub(read.body),
                None => read.body,
            };
            answer::rebuild(response, body)
        }
        None => response,
    }
}

/// `Basic` credentials per RFC 6749 §2.3.1: client id and secret are each
/// form-urlencoded before being joined with `:` and base64-encoded.
pub fn basic_authorization(client_id: &str, client_secret: &crate::ClientSecret) -> String {
    use base64::Engine;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(client_secret.secret()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        use base64::Engine;
        let header = basic_authorization("my id", &crate::ClientSecret::new("p@ss:w/rd+%&= ~!"));
        let encoded = header.strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "my+id:p%40ss%3Aw%2Frd%2B%25%26%3D+%7E%21"
        );
    }
}
