//! What an API's answer says about the token a request carried, and how often a 401 that
//! does not say may renew one: the decision table is in the [module documentation](super).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};

use oauth_core::token::Token;

/// An answer's meaning for the token it was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Not about the token (any status but 401 and the provider's rejection statuses).
    Unrelated,
    /// The server said the token is fine and something else is wrong (`WWW-Authenticate`
    /// with `error="insufficient_scope"` or `"invalid_request"`): renewing cannot help.
    NotTheToken,
    /// The server said the token is no good (`error="invalid_token"`, or a status the
    /// provider only uses for that, such as Cal.com's 498).
    Rejected,
    /// A 401 that says no more: a dead token, or a user who lacks a permission.
    Unclear,
}

impl Verdict {
    /// Judges an answer. `definite` lists the statuses that always mean the token itself was
    /// rejected; 401 is judged from its `WWW-Authenticate` challenge unless it is listed.
    pub(super) fn of(status: StatusCode, headers: &HeaderMap, definite: &[StatusCode]) -> Self {
        let listed = definite.contains(&status);
        if status != StatusCode::UNAUTHORIZED && !listed {
            return Self::Unrelated;
        }
        match bearer_error(headers) {
            Some(code) if code.eq_ignore_ascii_case(b"invalid_token") => Self::Rejected,
            Some(_) => Self::NotTheToken,
            None if listed => Self::Rejected,
            None => Self::Unclear,
        }
    }
}

/// The `error` parameter of the first `Bearer` challenge of `WWW-Authenticate` (RFC 6750
/// §3) that has one. Hostile text gives `None` or some bytes, never a panic.
fn bearer_error(headers: &HeaderMap) -> Option<Vec<u8>> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .find_map(|value| Challenges::new(value.as_bytes()).bearer_error())
}

/// A cursor over the challenges of one `WWW-Authenticate` value (RFC 9110 §11.6.1):
/// `scheme [token68 | param *("," param)] *("," challenge)`.
struct Challenges<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Challenges<'a> {
    fn new(text: &'a [u8]) -> Self {
        Self { text, at: 0 }
    }

    fn bearer_error(mut self) -> Option<Vec<u8>> {
        let mut in_bearer = false;
        loop {
            self.skip(|b| b == b' ' || b == b'\t' || b == b',');
            let word = self.take(is_tchar);
            if word.is_empty() {
                // The end, or a byte no grammar allows here: stop rather than guess.
                return None;
            }
            self.skip(|b| b == b' ' || b == b'\t');
            if self.peek() == Some(b'=') {
                self.at += 1;
                self.skip(|b| b == b' ' || b == b'\t');
                let value = self.value();
                if in_bearer && word.eq_ignore_ascii_case(b"error") {
                    return Some(value);
                }
            } else {
                // A word without `=` starts a new challenge.
                in_bearer = word.eq_ignore_ascii_case(b"bearer");
            }
        }
    }

    /// A parameter's value: a quoted string (unescaped) or a token.
    fn value(&mut self) -> Vec<u8> {
        if self.peek() != Some(b'"') {
            return self.take(|b| b != b',' && b != b' ' && b != b'\t').to_vec();
        }
        self.at += 1;
        let mut value = Vec::new();
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        value.push(escaped);
                        self.at += 1;
                    }
                }
                _ => value.push(b),
            }
        }
        value
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip(&mut self, what: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&what) {
            self.at += 1;
        }
    }

    fn take(&mut self, what: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.at;
        self.skip(what);
        self.text.get(start..self.at).unwrap_or_default()
    }
}

/// RFC 9110 `tchar` (token characters), plus `/` for token68 values such as Basic's.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&b)
}

/// Keeps unclear 401s from renewing a token more than once per token: the token handed out
/// after an unclear 401 renewed its predecessor is spared by the next unclear 401s, since the
/// renewal already showed that they are not about the token (a user lacking a permission
/// would otherwise cost a refresh per request). Its successor, when it is renewed for its
/// expiry, is judged afresh.
pub(super) struct UnclearRejections {
    /// Set while a token renewed for an unclear 401 waits for its successor to be seen: the
    /// fresh path checks this flag only.
    pending: AtomicBool,
    state: Mutex<Unclear>,
}

#[derive(Default)]
struct Unclear {
    /// The token an unclear 401 last renewed.
    renewed: Option<Arc<Token>>,
    /// The first token seen after it: unclear 401s do not renew this one.
    spared: Option<Arc<Token>>,
}

impl UnclearRejections {
    pub(super) fn new() -> Self {
        Self {
            pending: AtomicBool::new(false),
            state: Mutex::new(Unclear::default()),
        }
    }

    /// Notes a token about to be sent: if an unclear 401 renewed its predecessor, this is
    /// the successor it gave.
    pub(super) fn seen(&self, token: &Arc<Token>) {
        if !self.pending.load(Ordering::Acquire) {
            return;
        }
        // Every write is a few assignments that cannot panic, so a poisoned lock is whole.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(renewed) = &state.renewed
            && !Arc::ptr_eq(renewed, token)
        {
            state.spared = Some(Arc::clone(token));
            state.renewed = None;
            self.pending.store(false, Ordering::Release);
        }
    }

    /// Whether an unclear 401 to a request with `token` may renew it.
    pub(super) fn may_renew(&self, token: &Arc<Token>) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state
            .spared
            .as_ref()
            .is_some_and(|spared| Arc::ptr_eq(spared, token))
        {
            return false;
        }
        state.renewed = Some(Arc::clone(token));
        self.pending.store(true, Ordering::Release);
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use reqwest::header::HeaderValue;

    use super::*;
    use oauth_core::secret::AccessToken;

    fn judge(status: u16, challenges: &[&str], definite: &[u16]) -> Verdict {
        let mut headers = HeaderMap::new();
        for challenge in challenges {
            headers.append(WWW_AUTHENTICATE, HeaderValue::from_str(challenge).unwrap());
        }
        let definite: Vec<_> = definite
            .iter()
            .map(|s| StatusCode::from_u16(*s).unwrap())
            .collect();
        Verdict::of(StatusCode::from_u16(status).unwrap(), &headers, &definite)
    }

    #[test]
    fn the_decision_table() {
        use Verdict::*;
        let doorkeeper = r#"Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token expired""#;
        for (status, challenges, definite, expected) in [
            (200, &[][..], &[][..], Unrelated),
            (403, &[][..], &[], Unrelated),
            (
                403,
                &[r#"Bearer error="insufficient_scope""#][..],
                &[],
                Unrelated,
            ),
            (401, &[][..], &[], Unclear),
            (401, &[r#"Bearer realm="api""#][..], &[], Unclear),
            (401, &[doorkeeper][..], &[], Rejected),
            (401, &[r#"bearer ERROR=invalid_token"#][..], &[], Rejected),
            (
                401,
                &[r#"Bearer error="insufficient_scope", scope="a b""#][..],
                &[],
                NotTheToken,
            ),
            (
                401,
                &[r#"Bearer error="invalid_request""#][..],
                &[],
                NotTheToken,
            ),
            (
                401,
                &[r#"Bearer error="insufficient_scope""#][..],
                &[401],
                NotTheToken,
            ),
            (401, &[][..], &[401], Rejected),
            (498, &[][..], &[498], Rejected),
            (498, &[][..], &[], Unrelated),
            // Another scheme's `error` is not Bearer's; a later Bearer challenge counts.
            (
                401,
                &[r#"Basic realm="x", error="invalid_token""#][..],
                &[],
                Unclear,
            ),
            (
                401,
                &[r#"Basic realm="x", Bearer error="invalid_token""#][..],
                &[],
                Rejected,
            ),
            (
                401,
                &[r#"Basic realm="x""#, r#"Bearer error="invalid_token""#][..],
                &[],
                Rejected,
            ),
            // `error` inside another parameter's quoted value is not the parameter.
            (
                401,
                &[
                    r#"Bearer error_description="see error=\"invalid_token\"", error="insufficient_scope""#,
                ][..],
                &[],
                NotTheToken,
            ),
        ] {
            assert_eq!(
                judge(status, challenges, definite),
                expected,
                "{status} {challenges:?}"
            );
        }
    }

    #[test]
    fn hostile_challenges_do_not_panic() {
        for text in [
            "",
            "Bearer",
            "Bearer error",
            "Bearer error=",
            "Bearer error=\"",
            "Bearer error=\"\\",
            "=",
            "==,,==",
            "Bearer ,,, error = \"invalid_token\"",
            "\u{7f}",
            "Bearer error=\"x\\\"",
        ] {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(text) {
                headers.insert(WWW_AUTHENTICATE, value);
            }
            let _ = Verdict::of(StatusCode::UNAUTHORIZED, &headers, &[]);
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_bytes(b"Bearer error=\"invalid_token\xff\"").unwrap(),
        );
        assert_eq!(
            Verdict::of(StatusCode::UNAUTHORIZED, &headers, &[]),
            Verdict::NotTheToken
        );
    }

    #[test]
    fn an_unclear_401_renews_each_token_once_and_spares_its_successor() {
        let token = |s: &str| Arc::new(Token::new(AccessToken::new(s), UNIX_EPOCH));
        let (a, b, c) = (token("a"), token("b"), token("c"));
        let unclear = UnclearRejections::new();
        unclear.seen(&a);
        // A burst of 401s to `a`: each may renew it (the source renews once).
        assert!(unclear.may_renew(&a));
        assert!(unclear.may_renew(&a));
        unclear.seen(&a);
        // The renewal `b` is spared by later unclear 401s.
        unclear.seen(&b);
        assert!(!unclear.may_renew(&b));
        assert!(!unclear.may_renew(&b));
        // `c`, renewed for its expiry, is judged afresh.
        unclear.seen(&c);
        assert!(unclear.may_renew(&c));
    }
}
