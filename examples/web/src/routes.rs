//! The routes: the list, connect, the callback, the API call, disconnect.
//!
//! Connect and disconnect are POSTs: the cookies ([`crate::session`]) are `SameSite=Lax`, so
//! they do not come with another site's POST, which therefore cannot act for the user.
//!
//! Two tabs pressing Connect at the same instant race on the cookie (the last answer's copy
//! wins, and the other tab's callback is then refused as unknown); an application that must
//! rule that out keeps the pending authorizations server-side, in the user's session.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use oauth_core::{Error, StoreErrorKind, Token};
use oauth_lifecycle::pending::{DEFAULT_TTL, PendingAuthorization, PendingError, SealingKey};
use oauth_lifecycle::store::{AnyStore, TokenStore};

use crate::pages::{
    self, Status, escape, html, not_connected, refused, store_failed, unknown_provider,
};
use crate::providers::{Connector, ProviderId, Revoked};
use crate::session;

/// The application's state.
pub struct App {
    connectors: Vec<Connector>,
    store: Arc<AnyStore>,
    key: SealingKey,
}

impl App {
    /// The app over these providers, store and sealing key.
    pub fn new(connectors: Vec<Connector>, store: Arc<AnyStore>, key: SealingKey) -> Self {
        Self {
            connectors,
            store,
            key,
        }
    }

    fn connector(&self, id: ProviderId) -> Option<&Connector> {
        self.connectors.iter().find(|c| c.id == id)
    }
}

/// Every route.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/connect/{provider}", post(connect))
        .route("/callback/{provider}", get(callback))
        .route("/api/{provider}", get(call_api))
        .route("/disconnect/{provider}", post(disconnect))
        .fallback(|| async {
            html(
                StatusCode::NOT_FOUND,
                pages::notice(
                    false,
                    "Page not found",
                    &["There is no such page here.".into()],
                ),
                &[],
            )
        })
        .with_state(app)
}

async fn index(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (sid, set) = session::session_or_new(&headers);
    let mut rows = Vec::new();
    for id in ProviderId::ALL {
        let status = if app.connector(id).is_none() {
            Status::NotConfigured
        } else {
            match app.store.load(&store_key(id, &sid)).await {
                Ok(Some(v)) if v.token.refusal().is_some() => Status::NeedsReconnect,
                Ok(Some(_)) => Status::Connected,
                Ok(None) => Status::NotConnected,
                Err(e) => return store_failed(&e),
            }
        };
        rows.push((id, status));
    }
    html(StatusCode::OK, pages::index(&rows), &set)
}

async fn connect(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((id, connector)) = provider(&app, &slug) else {
        return unknown_provider();
    };
    let (_, mut cookies) = session::session_or_new(&headers);
    let now = SystemTime::now();
    let request = connector.authorization_request();
    let mut pending = session::pending_of(&app.key, &headers);
    pending.insert(PendingAuthorization::new(&request, id.slug(), now), now);
    cookies.push(session::pending_cookie(&app.key, &pending));
    let mut response = html(
        StatusCode::SEE_OTHER,
        pages::notice(true, "Redirecting", &["Taking you to the provider.".into()]),
        &cookies,
    );
    if let Ok(location) = HeaderValue::from_str(request.url().as_str()) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

async fn callback(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Some((id, connector)) = provider(&app, &slug) else {
        return unknown_provider();
    };
    let start_again = "Nothing was changed. Go back to your connected accounts and press \
                       Connect again.";
    let Some(sid) = session::session(&headers) else {
        return refused(
            "This sign-in cannot be completed",
            "This browser did not start it (no session cookie).",
            start_again,
            &[],
        );
    };
    let mut pending = session::pending_of(&app.key, &headers);
    let query = format!("?{}", uri.query().unwrap_or_default());
    let result = pending.complete(&query, SystemTime::now());
    // The match (if any) is spent, whatever happens next.
    let cookies = [session::pending_cookie(&app.key, &pending)];
    let done = match result {
        Ok(done) => done,
        Err(PendingError::Unknown) => {
            return refused(
                "This sign-in link is not valid",
                "It was already used, it was started in another browser, or it was not \
                 sent by the provider.",
                start_again,
                &cookies,
            );
        }
        Err(PendingError::Expired { .. }) => {
            return refused(
                "This sign-in took too long",
                &format!(
                    "A sign-in must be completed within {} minutes.",
                    DEFAULT_TTL.as_secs() / 60
                ),
                start_again,
                &cookies,
            );
        }
        Err(PendingError::Redirect { source, .. }) => {
            let said = match &source {
                Error::Authorization(a) => format!(
                    "{} said: {}{}",
                    id.name(),
                    a.code,
                    a.description
                        .as_deref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ),
                other => other.to_string(),
            };
            return refused(
                &format!("{} did not connect your account", id.name()),
                &said,
                "If you declined by mistake, press Connect again.",
                &cookies,
            );
        }
        Err(e) => {
            return refused(
                "This sign-in link is not valid",
                &e.to_string(),
                start_again,
                &cookies,
            );
        }
    };
    // The state was issued for one provider: a callback arriving at another's URL is a
    // mix-up (or a forgery), never exchanged.
    if done.label() != id.slug() {
        return refused(
            "This sign-in link is not valid",
            "It belongs to a sign-in with another provider.",
            start_again,
            &cookies,
        );
    }
    let token = match connector.exchange(done.grant()).await {
        Ok(token) => token,
        Err(e) => {
            return html(
                StatusCode::BAD_GATEWAY,
                pages::notice(
                    false,
                    &format!("{} did not accept the sign-in", id.name()),
                    &[
                        escape(&e.to_string()),
                        "Press Connect again; if it keeps failing, check this app's client \
                         settings at the provider."
                            .into(),
                    ],
                ),
                &cookies,
            );
        }
    };
    if let Err(e) = save(&app.store, &store_key(id, &sid), &token).await {
        return store_failed(&e);
    }
    html(
        StatusCode::OK,
        pages::notice(
            true,
            &format!("{} is connected", id.name()),
            &[format!(
                "This app can now call the {} API for you. \
                 <a href=\"/api/{slug}\" id=\"api\">Call the API now</a>.",
                escape(id.name()),
                slug = id.slug()
            )],
        ),
        &cookies,
    )
}

async fn call_api(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((id, connector)) = provider(&app, &slug) else {
        return unknown_provider();
    };
    let key = match connected(&app, id, &headers).await {
        Ok(Some((key, _))) => key,
        Ok(None) => return not_connected(id),
        Err(e) => return store_failed(&e),
    };
    match connector.call_api(&app.store, &key).await {
        Ok(answer) => html(
            StatusCode::OK,
            pages::api_answer(id, &answer.url, answer.status, &answer.body),
            &[],
        ),
        Err(Error::NeedsReauthorization(cause)) => html(
            StatusCode::OK,
            pages::notice(
                false,
                &format!("{} needs you to connect again", id.name()),
                &[
                    escape(&format!("It refused to renew access: {cause}.")),
                    "Go back and press Reconnect.".into(),
                ],
            ),
            &[],
        ),
        Err(e) => html(
            StatusCode::BAD_GATEWAY,
            pages::notice(
                false,
                &format!("The call to {} failed", id.name()),
                &[
                    escape(&e.to_string()),
                    "Try again in a moment; if it keeps failing, disconnect and connect again."
                        .into(),
                ],
            ),
            &[],
        ),
    }
}

async fn disconnect(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((id, connector)) = provider(&app, &slug) else {
        return unknown_provider();
    };
    let (key, token) = match connected(&app, id, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_connected(id),
        Err(e) => return store_failed(&e),
    };
    let outcome = match connector.revoke(&token).await {
        Ok(Revoked::Yes) => format!("{} revoked this app's access.", escape(id.name())),
        Ok(Revoked::NotSupported) => format!(
            "{} has no way for an app to revoke its access: remove this app in your {} \
             settings if you want it gone there too.",
            escape(id.name()),
            escape(id.name())
        ),
        Err(e) => format!(
            "{} did not confirm the revocation ({}): remove this app in your {} settings to \
             be sure.",
            escape(id.name()),
            escape(&e.to_string()),
            escape(id.name())
        ),
    };
    if let Err(e) = app.store.delete(&key).await {
        return store_failed(&e);
    }
    html(
        StatusCode::OK,
        pages::notice(
            true,
            &format!("{} is disconnected", id.name()),
            &[
                outcome,
                "This app no longer keeps a token for it. You can connect again at any time."
                    .into(),
            ],
        ),
        &[],
    )
}

/// The stored connection of this browser with `id`, if any.
async fn connected(
    app: &App,
    id: ProviderId,
    headers: &HeaderMap,
) -> Result<Option<(String, Token)>, oauth_core::StoreError> {
    let Some(sid) = session::session(headers) else {
        return Ok(None);
    };
    let key = store_key(id, &sid);
    Ok(app.store.load(&key).await?.map(|v| (key, v.token)))
}

/// Writes a new authorization over whatever is stored (a reconnect ends a refusal).
async fn save(store: &AnyStore, key: &str, token: &Token) -> Result<(), oauth_core::StoreError> {
    // A conflict means another request wrote in between: read the version again and retry.
    let mut attempts = 0;
    loop {
        let version = store.load(key).await?.map(|v| v.version);
        match store.compare_and_swap(key, version, token).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind == StoreErrorKind::Conflict && attempts < 3 => attempts += 1,
            Err(e) => return Err(e),
        }
    }
}

fn provider<'a>(app: &'a App, slug: &str) -> Option<(ProviderId, &'a Connector)> {
    let id = ProviderId::from_slug(slug)?;
    Some((id, app.connector(id)?))
}

pub fn store_key(id: ProviderId, sid: &str) -> String {
    format!("{}.{sid}", id.slug())
}
