//! Who is who, and what is in flight: cookies.
//!
//! A random session id in an `HttpOnly`, `SameSite=Lax` cookie stands for the user (an
//! application would use its own login). The authorizations in flight are a sealed
//! [`PendingAuthorizations`] in a second cookie, so any replica with the key can take the
//! callback and a browser can have several in flight (one per tab).

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_lifecycle::pending::{DEFAULT_TTL, PendingAuthorizations, SealingKey};
use ring::rand::{SecureRandom, SystemRandom};

const SESSION_COOKIE: &str = "sid";
const PENDING_COOKIE: &str = "oauth_pending";
/// What the pending cookie is sealed for: a sealed value from elsewhere does not open here.
const PENDING_PURPOSE: &[u8] = b"oauth-web-example oauth_pending";

/// The value of cookie `name`.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session id, if the browser has a well-formed one.
pub fn session(headers: &HeaderMap) -> Option<String> {
    let sid = cookie(headers, SESSION_COOKIE)?;
    let well_formed = sid.len() == 43
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| sid.to_owned())
}

/// The session id, or a new one with the cookie that sets it.
pub fn session_or_new(headers: &HeaderMap) -> (String, Vec<String>) {
    if let Some(sid) = session(headers) {
        return (sid, Vec::new());
    }
    let mut bytes = [0u8; 32];
    // Without randomness there is no safe session id to hand out.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's CSPRNG is available");
    let sid = URL_SAFE_NO_PAD.encode(bytes);
    let set = format!("{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000");
    (sid, vec![set])
}

/// The authorizations in flight of this browser; none if its cookie cannot be opened (sealed
/// under a key this run does not have, or altered).
pub fn pending_of(key: &SealingKey, headers: &HeaderMap) -> PendingAuthorizations {
    cookie(headers, PENDING_COOKIE)
        .and_then(|text| PendingAuthorizations::open(key, PENDING_PURPOSE, text).ok())
        .unwrap_or_default()
}

/// The `Set-Cookie` value that keeps `pending` (or removes the cookie when it is empty).
pub fn pending_cookie(key: &SealingKey, pending: &PendingAuthorizations) -> String {
    if pending.is_empty() {
        return format!("{PENDING_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    }
    format!(
        "{PENDING_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        pending.seal(key, PENDING_PURPOSE).as_str(),
        DEFAULT_TTL.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ProviderId;
    use crate::routes::store_key;
    use axum::http::HeaderValue;

    fn headers(cookie_header: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(cookie_header).unwrap());
        h
    }

    #[test]
    fn only_a_well_formed_session_cookie_counts() {
        let sid = "A".repeat(43);
        assert_eq!(
            session(&headers(&format!("x=1; sid={sid}"))),
            Some(sid.clone())
        );
        for bad in [
            "sid=",
            "sid=short",
            &format!("sid={sid}A"),
            &format!("sid={}", "A/".repeat(22)[..43].to_owned()),
        ] {
            assert_eq!(session(&headers(bad)), None, "{bad}");
        }
        let (new, set) = session_or_new(&headers("sid=../../etc"));
        assert_eq!(new.len(), 43);
        assert!(set[0].contains("HttpOnly") && set[0].contains("SameSite=Lax"));
        assert!(validate_store_key(&store_key(ProviderId::Procore, &new)));
    }

    fn validate_store_key(key: &str) -> bool {
        oauth_lifecycle::store::validate_key(key).is_ok()
    }
}
