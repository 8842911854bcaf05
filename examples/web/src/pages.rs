//! The HTML pages (plain, readable, and each saying what to do next) and the responses that
//! carry them.

use std::fmt::Write;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::providers::ProviderId;

/// Where a provider stands for this browser.
pub enum Status {
    /// Not connected.
    NotConnected,
    /// Connected; the access token's expiry, if it has one.
    Connected,
    /// The provider refused a refresh: connect again.
    NeedsReconnect,
    /// No credentials for it in this run.
    NotConfigured,
}

/// Text made safe for HTML (element content and quoted attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page around `body` (trusted HTML: every value in it was escaped by the caller).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}\
         h1{{font-size:1.5rem}} table{{border-collapse:collapse;width:100%}}\
         td,th{{text-align:left;padding:.5rem;border-bottom:1px solid #ddd}}\
         button{{font:inherit;padding:.3rem .9rem;cursor:pointer}} form{{display:inline}}\
         pre{{background:#f4f4f4;padding:1rem;overflow:auto;white-space:pre-wrap}}\
         .error{{border-left:4px solid #b00020;padding-left:1rem}} .ok{{border-left:4px solid #137333;padding-left:1rem}}\
         </style></head><body>{body}</body></html>",
        title = escape(title),
    )
}

/// The list of providers with a button each.
pub fn index(rows: &[(ProviderId, Status)]) -> String {
    let mut body = String::from(
        "<h1>Connected accounts</h1><p>Connect an account to let this app call its API on \
         your behalf. You can disconnect at any time.</p><table><tr><th>Provider</th>\
         <th>Status</th><th></th></tr>",
    );
    for (id, status) in rows {
        let slug = id.slug();
        let (text, actions) = match status {
            Status::NotConnected => ("Not connected", connect_button(*id, "Connect")),
            Status::NeedsReconnect => (
                "Needs reconnecting (the provider refused a renewal)",
                connect_button(*id, "Reconnect"),
            ),
            Status::NotConfigured => (
                "Not configured (no client credentials in this run)",
                String::new(),
            ),
            Status::Connected => (
                "Connected",
                format!(
                    "<a href=\"/api/{slug}\" id=\"api-{slug}\">Call the API</a> \
                     <form method=\"post\" action=\"/disconnect/{slug}\">\
                     <button id=\"disconnect-{slug}\">Disconnect</button></form>"
                ),
            ),
        };
        let _ = write!(
            body,
            "<tr><td>{name}</td><td id=\"status-{slug}\">{text}</td><td>{actions}</td></tr>",
            name = escape(id.name()),
        );
    }
    body.push_str("</table>");
    page("Connected accounts", &body)
}

fn connect_button(id: ProviderId, label: &str) -> String {
    let slug = id.slug();
    format!(
        "<form method=\"post\" action=\"/connect/{slug}\">\
         <button id=\"connect-{slug}\">{label} {name}</button></form>",
        name = escape(id.name()),
    )
}

/// A result page: a heading, paragraphs (already escaped HTML), and the way back.
pub fn notice(ok: bool, title: &str, paragraphs: &[String]) -> String {
    let mut body = format!(
        "<div class=\"{}\" id=\"notice\"><h1>{}</h1>",
        if ok { "ok" } else { "error" },
        escape(title)
    );
    for p in paragraphs {
        let _ = write!(body, "<p>{p}</p>");
    }
    body.push_str("</div><p><a href=\"/\" id=\"back\">Back to your connected accounts</a></p>");
    page(title, &body)
}

/// The answer of an API call.
pub fn api_answer(id: ProviderId, url: &str, status: u16, answer: &str) -> String {
    let ok = (200..300).contains(&status);
    let body = format!(
        "<div class=\"{cls}\" id=\"notice\"><h1>{name} answered {status}</h1>\
         <p>GET <code>{url}</code> with this connection's token:</p>\
         <pre id=\"answer\">{answer}</pre></div>\
         <p><a href=\"/\" id=\"back\">Back to your connected accounts</a></p>",
        cls = if ok { "ok" } else { "error" },
        name = escape(id.name()),
        url = escape(url),
        answer = escape(answer),
    );
    page(&format!("{} API", id.name()), &body)
}

// The responses that carry the pages.

/// A page as a response: HTML, never cached, with these `Set-Cookie` values.
pub fn html(status: StatusCode, body: String, cookies: &[String]) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(SET_COOKIE, v);
        }
    }
    response
}

/// A refusal (400): what happened, why, and what to do next.
pub fn refused(title: &str, why: &str, next: &str, cookies: &[String]) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        notice(false, title, &[escape(why), escape(next)]),
        cookies,
    )
}

/// A provider this run does not have (404).
pub fn unknown_provider() -> Response {
    html(
        StatusCode::NOT_FOUND,
        notice(
            false,
            "Unknown provider",
            &[
                "This app does not connect to that provider (or has no credentials for it \
               in this run). Choose one from the list."
                    .into(),
            ],
        ),
        &[],
    )
}

/// A provider this browser has not connected.
pub fn not_connected(id: ProviderId) -> Response {
    html(
        StatusCode::OK,
        notice(
            false,
            &format!("{} is not connected", id.name()),
            &["Go back and press Connect first.".into()],
        ),
        &[],
    )
}

/// The store did not answer (503).
pub fn store_failed(e: &oauth_core::StoreError) -> Response {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        notice(
            false,
            "Your connections cannot be read right now",
            &[escape(&e.to_string()), "Try again in a moment.".into()],
        ),
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_markup_character_is_escaped() {
        let hostile = r#"<script>alert("x")</script> & 'quoted' <img src=x onerror=y>"#;
        let escaped = escape(hostile);
        assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped}");
        assert_eq!(escape("a&b"), "a&amp;b");
        let page = api_answer(ProviderId::Calcom, "http://h/<p>", 200, hostile);
        assert!(
            !page.contains("<script>") && !page.contains("<img"),
            "{page}"
        );
    }
}
