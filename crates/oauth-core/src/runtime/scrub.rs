//! Keeping the secrets a request carried out of the server text kept from its answer, and that
//! text short and printable.
//!
//! Servers echo what they were sent: `"error_description": "refresh token rt-123 is revoked"`,
//! a client secret in a validation message, a code percent-encoded inside a URL. The execution
//! hook collects every secret its request carried ([`Secrets::from_request`]) and replaces
//! each of them in the error answer's text ([`Secrets::scrub`]) before the generated client
//! reads it, so no `Error`, `Display`, `Debug` or log line can hold one. [`server_text`] then
//! bounds what is kept and escapes control characters, where [`ServerError`](crate::ServerError)
//! is built.

use std::borrow::Cow;

use serde_json::Value;

mod sent;

pub(crate) use sent::Sent;

/// What replaces a secret in server text.
pub const REDACTED: &str = "[redacted]";

/// The most characters of one piece of server text that are kept (after escaping); longer text
/// is cut and ends with `…`.
pub const MAX_SERVER_TEXT: usize = 512;

/// Request fields (form or JSON, at any depth, and query parameters) whose values are secrets.
pub const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "accessToken",
    "assertion",
    "client_assertion",
    "clientAssertion",
    "client_secret",
    "clientSecret",
    "code",
    "code_verifier",
    "codeVerifier",
    "id_token",
    "password",
    "refresh_token",
    "refreshToken",
    "token",
];

/// Secrets shorter than this many characters are not scrubbed: one of one to three characters
/// would match in almost any text (a token `t` would take every `t`), and has no secrecy to
/// keep. Real credentials are far longer.
pub const MIN_SECRET_CHARS: usize = 4;

/// The secrets one request carried, longest first.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

impl Secrets {
    /// These secrets (those shorter than [`MIN_SECRET_CHARS`] are ignored).
    pub fn new<S: Into<String>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut all: Vec<String> = secrets
            .into_iter()
            .map(Into::into)
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
            .collect();
        // Longest first, so that a secret containing another is replaced whole.
        all.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        all.dedup();
        Self(all)
    }

    /// Every secret `request` carries: the values of its sensitive headers (`Authorization`,
    /// `Cookie`, `x-cal-secret-key`, marked by [`crate::runtime::prepare_request`]; a `Basic`
    /// value also as its base64 text and its decoded secret, a cookie also value by value),
    /// and the values of secret fields ([`SECRET_FIELDS`]) in its form or JSON body and query.
    pub fn from_request(request: &reqwest::Request) -> Self {
        Sent::capture(request).secrets(std::iter::empty())
    }

    /// Whether there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every occurrence of every secret replaced by [`REDACTED`], however the
    /// server wrote it: as is, JSON-escaped (`\"`, `\/`, `\u00e9`, surrogate pairs; hex in
    /// any case) or percent-encoded (`%2F` or `%2f`, `+` for a space), or any mix of these
    /// character by character. Occurrences are found left to right, the longest at each place,
    /// so no text between two replacements contains a secret in any of these forms.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.0.is_empty() {
            return Cow::Borrowed(text);
        }
        let starts = self.start_bytes();
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            let found = if starts[usize::from(bytes[i])] {
                self.0.iter().filter_map(|s| match_at(s, &bytes[i..])).max()
            } else {
                None
            };
            match found {
                Some(len) => {
                    let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    out.push_str(&text[copied..i]);
                    out.push_str(REDACTED);
                    i += len;
                    copied = i;
                }
                None => i += utf8_len(bytes[i]),
            }
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut out) => {
                out.push_str(&text[copied..]);
                Cow::Owned(out)
            }
        }
    }

    /// Scrubs every string in `value`, object keys included.
    pub fn scrub_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(clean) = self.scrub(s) {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut v) in entries {
                    self.scrub_json(&mut v);
                    map.insert(self.scrub(&key).into_owned(), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// The bytes an encoding of some secret can start with.
    fn start_bytes(&self) -> [bool; 256] {
        let mut starts = [false; 256];
        starts[usize::from(b'%')] = true;
        starts[usize::from(b'\\')] = true;
        for s in &self.0 {
            if let Some(&b) = s.as_bytes().first() {
                starts[usize::from(b)] = true;
                if b == b' ' {
                    starts[usize::from(b'+')] = true;
                }
            }
        }
        starts
    }
}

/// The length of the longest encoding of `secret` at the start of `text`, if any. Each
/// character may be written in any of its forms; the set of offsets reachable after each
/// character is tracked (no backtracking, so no exponential case).
fn match_at(secret: &str, text: &[u8]) -> Option<usize> {
    let mut offsets = vec![0usize];
    let mut next = Vec::new();
    for c in secret.chars() {
        next.clear();
        for &at in &offsets {
            encodings_at(c, &text[at..], |len| next.push(at + len));
        }
        if next.is_empty() {
            return None;
        }
        next.sort_unstable();
        next.dedup();
        std::mem::swap(&mut offsets, &mut next);
    }
    offsets.last().copied()
}

/// Calls `found` with the length of every form of `c` that `text` starts with.
fn encodings_at(c: char, text: &[u8], mut found: impl FnMut(usize)) {
    let mut utf8 = [0u8; 4];
    let raw = c.encode_utf8(&mut utf8).as_bytes();
    if text.starts_with(raw) {
        found(raw.len());
    }
    if c == ' ' && text.first() == Some(&b'+') {
        found(1);
    }
    // Percent-encoded, byte by byte.
    let pct_len = 3 * raw.len();
    if text.len() >= pct_len
        && raw.iter().enumerate().all(|(k, b)| {
            text[3 * k] == b'%' && hex_byte(text[3 * k + 1], text[3 * k + 2]) == Some(*b)
        })
    {
        found(pct_len);
    }
    // JSON escapes.
    if text.first() != Some(&b'\\') {
        return;
    }
    let short = match c {
        '"' => Some(b'"'),
        '\\' => Some(b'\\'),
        '/' => Some(b'/'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        '\n' => Some(b'n'),
        '\r' => Some(b'r'),
        '\t' => Some(b't'),
        _ => None,
    };
    if short.is_some() && text.get(1).copied() == short {
        found(2);
    }
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    if text.len() >= 6 * units.len()
        && units.iter().enumerate().all(|(k, unit)| {
            let at = &text[6 * k..6 * k + 6];
            at[0] == b'\\' && at[1] == b'u' && hex_u16(&at[2..6]) == Some(*unit)
        })
    {
        found(6 * units.len());
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn hex_byte(hi: u8, lo: u8) -> Option<u8> {
    Some(hex_digit(hi)? << 4 | hex_digit(lo)?)
}

fn hex_u16(digits: &[u8]) -> Option<u16> {
    digits
        .iter()
        .try_fold(0u16, |acc, &b| Some(acc << 4 | u16::from(hex_digit(b)?)))
}

/// The length of the UTF-8 sequence that starts with `first` (1 for a continuation byte, which
/// a scan from a character boundary never meets).
fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Server text as it is kept: control and bidirectional-formatting characters escaped (`\n`,
/// `\u{1b}`, `\u{202e}`), at most [`MAX_SERVER_TEXT`] characters, ending with `…` when cut.
pub fn server_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4 * MAX_SERVER_TEXT));
    let mut kept = 0;
    for c in text.chars() {
        let escaped: Option<String> = needs_escape(c).then(|| match c {
            '\n' | '\r' | '\t' => c.escape_default().collect(),
            _ => c.escape_unicode().collect(),
        });
        // Escapes are ASCII: their length in bytes is their length in characters.
        let width = escaped.as_ref().map_or(1, String::len);
        if kept + width > MAX_SERVER_TEXT {
            out.push('…');
            break;
        }
        match escaped {
            Some(e) => out.push_str(&e),
            None => out.push(c),
        }
        kept += width;
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_secret_is_replaced() {
        let s = Secrets::new(["rt/1 é\"x"]);
        for text in [
            "token rt/1 é\"x is revoked",
            "token rt\\/1 \\u00E9\\\"x is revoked",
            "token rt%2F1+%C3%A9%22x is revoked",
            "token rt%2f1%20%c3%a9%22x is revoked",
        ] {
            assert_eq!(s.scrub(text), "token [redacted] is revoked", "{text}");
        }
        assert!(matches!(s.scrub("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn server_text_is_bounded_and_printable() {
        assert_eq!(
            server_text("a\nb\u{1b}[31m\u{202e}"),
            "a\\nb\\u{1b}[31m\\u{202e}"
        );
        let long = "x".repeat(10_000);
        let kept = server_text(&long);
        assert_eq!(kept.chars().count(), MAX_SERVER_TEXT + 1);
        assert!(kept.ends_with('…'));
        assert_eq!(server_text("Code expired"), "Code expired");
    }
}
