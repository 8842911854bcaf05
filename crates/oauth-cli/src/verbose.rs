//! `-v` and `-vv`: one line on stderr for each HTTP request the libraries make (method, URL,
//! status, time), each refresh and each decision the CLI takes; `-vv` adds the libraries'
//! detail (retries, lock waits). Read from the libraries' tracing spans and events, which name
//! providers, keys, paths and outcomes and never a secret; the HTTP stack's own tracing (which
//! would show headers) stays off.
//!
//! The libraries trace paths only; the server's origin is the one [`server`] records once the
//! profile's client is known (a command talks to one profile's server; the refresh runs in a
//! task of its own, outside any span of the command's).

use std::fmt::{self, Write as _};
use std::sync::OnceLock;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The origin requests are shown under.
static SERVER: OnceLock<String> = OnceLock::new();

/// Installs the stderr lines for `-v` (`verbose` 1) or `-vv` (2 and more); nothing for 0.
pub fn init(verbose: u8) {
    let level = match verbose {
        0 => return,
        // The libraries' request spans are at DEBUG: `-v` is for them.
        1 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let targets = Targets::new()
        .with_target("oauth_core", level)
        .with_target("oauth", level)
        .with_target("procore_oauth", level)
        .with_target("calcom_oauth", level)
        .with_target("sunshine_conversations_oauth", level)
        .with_target("ringcentral_oauth", level);
    let events = if verbose >= 2 {
        Level::TRACE
    } else {
        Level::INFO
    };
    let _ = tracing_subscriber::registry()
        .with(Lines { events }.with_filter(targets))
        .try_init();
}

/// Records the origin of the server the command talks to (`https://host[:port]`), shown in
/// front of each request's path; the first one recorded stays.
pub fn server(base_url: &str) {
    if let Ok(url) = url::Url::parse(base_url) {
        let _ = SERVER.set(url.origin().ascii_serialization());
    }
}

/// The layer: span fields kept until the span closes, then one line for the spans that are a
/// request or a refresh; one line per event at or above `events`.
struct Lines {
    events: Level,
}

/// A span's fields, as text.
#[derive(Default)]
struct Fields(Vec<(&'static str, String)>);

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name(), format!("{value:?}")));
    }
}

impl<S> Layer<S> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(fields);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let extensions = span.extensions();
        let Some(fields) = extensions.get::<Fields>() else {
            return;
        };
        let line = match span.name() {
            "oauth_http" => {
                let server = SERVER.get().map_or("", String::as_str);
                let answer = match fields.get("status") {
                    Some(status) => format!("HTTP {status}"),
                    None => "no answer".to_owned(),
                };
                format!(
                    "{} {server}{} -> {answer} in {} ms ({})",
                    fields.get("method").unwrap_or("?"),
                    fields.get("path").unwrap_or("?"),
                    fields.get("elapsed_ms").unwrap_or("?"),
                    fields.get("operation").unwrap_or("?"),
                )
            }
            "oauth_refresh" => format!(
                "refresh of `{}` ({}): {} in {} ms",
                fields.get("key").unwrap_or("?"),
                fields.get("provider").unwrap_or("?"),
                fields.get("outcome").unwrap_or("?"),
                fields.get("elapsed_ms").unwrap_or("?"),
            ),
            _ => return,
        };
        crate::say!("oauth: {line}");
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if *event.metadata().level() > self.events {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut line = fields.get("message").unwrap_or_default().to_owned();
        let rest: Vec<String> = fields
            .0
            .iter()
            .filter(|(name, _)| *name != "message")
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if !rest.is_empty() {
            let _ = write!(line, " ({})", rest.join(", "));
        }
        crate::say!("oauth: {line}");
    }
}
