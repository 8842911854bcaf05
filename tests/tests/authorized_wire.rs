//! Authorized API calls on the wire (httpmock): the token in a sensitive `Authorization`
//! header, one renewal and one retry on 401 (and Cal.com's 498), no retry of a body that cannot
//! be cloned, no token for other origins or across a redirect to one, Procore's company
//! header, and a dead grant as the typed error. Through the middleware and the plain client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::Method::{GET, POST};
use httpmock::{Mock, MockServer};
use oauth_core::{AccessToken, ClientSecret, Error, RefreshToken, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::access::{
    AccessTokenSource, AuthorizedClient, Authorizer, StaticToken, oauth_error,
};
use oauth_lifecycle::reqwest_middleware::{
    self, ClientBuilder, ClientWithMiddleware, Middleware, Next,
};
use oauth_lifecycle::store::MemoryStore;
use oauth_sdk_tests::{clock, t0};
use reqwest::StatusCode;
use ringcentral_oauth::RingCentralClient;
use serde_json::json;

const INITIAL: &str = "access-1";
const RENEWED: &str = "access-2";

type RcSource = TokenSource<RingCentralClient, MemoryStore>;

/// A RingCentral token source holding `access-1`, whose refresh (to `access-2`) `oauth` answers.
async fn source(oauth: &MockServer) -> (RcSource, Mock<'_>) {
    source_refreshing(oauth, Some("refresh-1")).await
}

/// A source holding `access-1` whose every refresh succeeds (with `access-2` again: a new
/// token each time), and the refresh mock to count them.
async fn source_renewing_any(oauth: &MockServer) -> (RcSource, Mock<'_>) {
    source_refreshing(oauth, None).await
}

/// A source holding `access-1`; `oauth` answers a refresh with `access-2`, when it sends
/// `refresh_token` (any, if `None`).
async fn source_refreshing<'a>(
    oauth: &'a MockServer,
    refresh_token: Option<&str>,
) -> (RcSource, Mock<'a>) {
    let clock = clock();
    let client = RingCentralClient::builder("rc-id")
        .client_secret(ClientSecret::new("rc-secret"))
        .base_url(oauth.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let refresh = oauth
        .mock_async(|when, then| {
            let when = when
                .method(POST)
                .path("/restapi/oauth/token")
                .form_urlencoded_tuple("grant_type", "refresh_token");
            if let Some(refresh_token) = refresh_token {
                when.form_urlencoded_tuple("refresh_token", refresh_token);
            }
            then.status(200).json_body(json!({
                "access_token": RENEWED,
                "refresh_token": "refresh-2",
                "expires_in": 3600,
                "token_type": "bearer"
            }));
        })
        .await;
    let token = Token::new(AccessToken::new(INITIAL), t0())
        .with_expires_in(Some(Duration::from_secs(3600)))
        .with_refresh_token(Some(RefreshToken::new("refresh-1")));
    let source = TokenSource::builder(client, MemoryStore::new(), "acct")
        .initial_token(token)
        .clock(clock)
        .build()
        .await
        .unwrap();
    (source, refresh)
}

/// An OAuth server (for refreshes) and an API server.
async fn servers() -> (MockServer, MockServer) {
    (
        MockServer::start_async().await,
        MockServer::start_async().await,
    )
}

/// An authorizer for the API at `api`.
fn authorizer(source: RcSource, api: &MockServer) -> Authorizer {
    Authorizer::builder(source, api.base_url()).build().unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The SDK's HTTP client (no redirects followed; it also installs the TLS crypto provider that
/// reqwest is built without).
fn http() -> reqwest::Client {
    oauth_core::HttpSettings::new("oauth-sdk-tests")
        .build()
        .unwrap()
}

fn with_middleware(authorizer: Authorizer) -> ClientWithMiddleware {
    with_middleware_over(http(), authorizer)
}

fn with_middleware_over(http: reqwest::Client, authorizer: Authorizer) -> ClientWithMiddleware {
    ClientBuilder::new(http).with(authorizer).build()
}

/// An API mock answering `status` to requests carrying `token`.
async fn answers<'a>(api: &'a MockServer, path: &str, token: &str, status: u16) -> Mock<'a> {
    api.mock_async(|when, then| {
        when.path(path).header("authorization", bearer(token));
        then.status(status).body("{}");
    })
    .await
}

/// Records what reaches the wire after the authorizer: whether `Authorization` is sensitive,
/// and the request's `Debug`.
#[derive(Clone, Default)]
struct Probe(Arc<Mutex<Vec<(bool, String)>>>);

#[async_trait::async_trait]
impl Middleware for Probe {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let sensitive = request
            .headers()
            .get("authorization")
            .is_some_and(|v| v.is_sensitive());
        self.0
            .lock()
            .unwrap()
            .push((sensitive, format!("{request:?}")));
        next.run(request, extensions).await
    }
}

#[tokio::test]
async fn the_token_goes_in_a_sensitive_authorization_header() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    let me = answers(&api, "/me", INITIAL, 200).await;
    let probe = Probe::default();
    let client = ClientBuilder::new(http())
        .with(authorizer(source, &api))
        .with(probe.clone())
        .build();

    let response = client.get(api.url("/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    me.assert_async().await;
    assert_eq!(refresh.calls_async().await, 0);
    let seen = probe.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].0, "Authorization is not marked sensitive");
    assert!(!seen[0].1.contains(INITIAL), "{}", seen[0].1);
}

#[tokio::test]
async fn a_caller_set_authorization_is_replaced_on_api_requests() {
    let (oauth, api) = servers().await;
    let (source, _) = source(&oauth).await;
    let me = answers(&api, "/me", INITIAL, 200).await;
    let client = with_middleware(authorizer(source, &api));
    let response = client
        .get(api.url("/me"))
        .header("authorization", "Bearer stale-by-hand")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    me.assert_async().await;
}

#[tokio::test]
async fn a_401_renews_the_token_and_retries_once_through_the_middleware() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    let rejected = answers(&api, "/me", INITIAL, 401).await;
    let accepted = answers(&api, "/me", RENEWED, 200).await;
    let client = with_middleware(authorizer(source, &api));

    let response = client.get(api.url("/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);
    assert_eq!(refresh.calls_async().await, 1);

    // The renewed token is kept: the next call goes straight through.
    let response = client.get(api.url("/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 2);
    assert_eq!(refresh.calls_async().await, 1);
}

#[tokio::test]
async fn a_401_renews_the_token_and_retries_once_through_the_plain_client() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    let rejected = api
        .mock_async(|when, then| {
            when.method(POST)
                .path("/items")
                .header("authorization", bearer(INITIAL))
                .json_body(json!({"name": "x"}));
            then.status(401);
        })
        .await;
    let accepted = api
        .mock_async(|when, then| {
            when.method(POST)
                .path("/items")
                .header("authorization", bearer(RENEWED))
                .json_body(json!({"name": "x"}));
            then.status(201);
        })
        .await;
    let plain = AuthorizedClient::new(http(), authorizer(source, &api));
    let response = plain
        .send(plain.post("/items").unwrap().json(&json!({"name": "x"})))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);
    assert_eq!(refresh.calls_async().await, 1);
}

#[tokio::test]
async fn a_second_401_comes_back_as_it_is() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    let all = api
        .mock_async(|when, then| {
            when.path("/me");
            then.status(401)
                .header("www-authenticate", "Bearer error=\"invalid_token\"")
                .body("nope");
        })
        .await;
    let client = with_middleware(authorizer(source, &api));
    let response = client.get(api.url("/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.text().await.unwrap(), "nope");
    assert_eq!(all.calls_async().await, 2);
    assert_eq!(refresh.calls_async().await, 1);
}

#[tokio::test]
async fn calcom_498_renews_and_retries_once() {
    let (oauth, api) = servers().await;
    let clock = clock();
    let calcom = calcom_oauth::CalcomClient::builder("cal-client")
        .client_secret(ClientSecret::new("cal-secret"))
        .base_url(oauth.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let refresh = oauth
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/oauth/cal-client/refresh")
                .header("x-cal-secret-key", "cal-secret")
                .json_body(json!({"refreshToken": "cal-refresh-1"}));
            then.status(200).json_body(json!({
                "status": "success",
                "data": {"accessToken": RENEWED, "refreshToken": "cal-refresh-2"}
            }));
        })
        .await;
    let token = Token::new(AccessToken::new(INITIAL), t0())
        .with_expires_in(Some(Duration::from_secs(3600)))
        .with_refresh_token(Some(RefreshToken::new("cal-refresh-1")));
    let source = TokenSource::builder(calcom, MemoryStore::new(), "cal")
        .initial_token(token)
        .clock(clock)
        .build()
        .await
        .unwrap();
    let expired = answers(&api, "/v2/me", INITIAL, 498).await;
    let me = answers(&api, "/v2/me", RENEWED, 200).await;
    let authorizer = calcom_oauth::api::authorizer(source)
        .base_url(api.url("/v2"))
        .build()
        .unwrap();
    let client = with_middleware(authorizer.clone());
    let response = client
        .get(authorizer.url("/me").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(expired.calls_async().await, 1);
    assert_eq!(me.calls_async().await, 1);
    assert_eq!(refresh.calls_async().await, 1);
}

#[tokio::test]
async fn a_498_is_not_a_rejection_elsewhere() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    let odd = answers(&api, "/me", INITIAL, 498).await;
    let client = with_middleware(authorizer(source, &api));
    let response = client.get(api.url("/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 498);
    assert_eq!(odd.calls_async().await, 1);
    assert_eq!(refresh.calls_async().await, 0);
}

#[tokio::test]
async fn a_body_that_cannot_be_cloned_is_not_retried() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    let rejected = answers(&api, "/upload", INITIAL, 401).await;
    let accepted = answers(&api, "/upload", RENEWED, 200).await;
    let authorizer = authorizer(source, &api);
    let streaming = || reqwest::Body::wrap(String::from("a streamed body"));

    for client in [
        Client::Middleware(with_middleware(authorizer.clone())),
        Client::Plain(AuthorizedClient::new(http(), authorizer.clone())),
    ] {
        let before = rejected.calls_async().await;
        let status = client.post(&api.url("/upload"), streaming()).await;
        if before == 0 {
            // The first one carried the old token: its 401 comes back, not retried.
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(rejected.calls_async().await, 1);
            assert_eq!(accepted.calls_async().await, 0);
        } else {
            // The 401 still renewed the token, so the next request carries the new one.
            assert_eq!(status, StatusCode::OK);
        }
    }
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);
    assert_eq!(refresh.calls_async().await, 1);
}

/// Both front ends, to run one scenario through each.
enum Client {
    Middleware(ClientWithMiddleware),
    Plain(AuthorizedClient),
}

impl Client {
    async fn post(&self, url: &str, body: reqwest::Body) -> StatusCode {
        match self {
            Self::Middleware(c) => c.post(url).body(body).send().await.unwrap().status(),
            Self::Plain(c) => c
                .send(c.http().post(url).body(body))
                .await
                .unwrap()
                .status(),
        }
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_does_not_carry_the_token() {
    let (oauth, api, other) = (
        MockServer::start_async().await,
        MockServer::start_async().await,
        MockServer::start_async().await,
    );
    let (source, _) = source(&oauth).await;
    let start = api
        .mock_async(|when, then| {
            when.method(GET)
                .path("/download")
                .header("authorization", bearer(INITIAL));
            then.status(302).header("location", other.url("/file"));
        })
        .await;
    let without = other
        .mock_async(|when, then| {
            when.path("/file").header_missing("authorization");
            then.status(200).body("file");
        })
        .await;
    let with = other
        .mock_async(|when, then| {
            when.path("/file").header_exists("authorization");
            then.status(500);
        })
        .await;
    // A client that follows redirects (reqwest's default policy).
    let following = {
        http();
        reqwest::Client::new()
    };
    let client = with_middleware_over(following, authorizer(source, &api));
    let response = client.get(api.url("/download")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(start.calls_async().await, 1);
    assert_eq!(without.calls_async().await, 1);
    assert_eq!(with.calls_async().await, 0);
}

#[tokio::test]
async fn only_the_api_origins_get_the_token() {
    let (oauth, api, other) = (
        MockServer::start_async().await,
        MockServer::start_async().await,
        MockServer::start_async().await,
    );
    let (source, _) = source(&oauth).await;
    let source = Arc::new(source);
    let without = other
        .mock_async(|when, then| {
            when.path("/x").header_missing("authorization");
            then.status(200);
        })
        .await;
    let with = answers(&other, "/x", INITIAL, 202).await;

    let api_only = with_middleware(
        Authorizer::builder(source.clone(), api.base_url())
            .build()
            .unwrap(),
    );
    assert_eq!(
        api_only.get(other.url("/x")).send().await.unwrap().status(),
        200
    );
    let plain = AuthorizedClient::new(
        http(),
        Authorizer::builder(source.clone(), api.base_url())
            .build()
            .unwrap(),
    );
    assert_eq!(
        plain
            .send(plain.http().get(other.url("/x")))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(without.calls_async().await, 2);

    let allowed = with_middleware(
        Authorizer::builder(source, api.base_url())
            .allow_origin(other.base_url())
            .build()
            .unwrap(),
    );
    assert_eq!(
        allowed.get(other.url("/x")).send().await.unwrap().status(),
        202
    );
    assert_eq!(with.calls_async().await, 1);
}

#[tokio::test]
async fn procore_company_header_per_client_and_per_request() {
    use procore_oauth::api::WithCompany;
    let (login, api, other) = (
        MockServer::start_async().await,
        MockServer::start_async().await,
        MockServer::start_async().await,
    );
    let clock = clock();
    let procore = procore_oauth::ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new("pc-secret"))
        .base_url(login.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let grant = login
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").json_body(json!({
                "grant_type": "client_credentials",
                "client_id": "pc-id",
                "client_secret": "pc-secret"
            }));
            then.status(200).json_body(json!({
                "access_token": "pc-service-1",
                "token_type": "bearer",
                "expires_in": 5400,
                "created_at": 1_800_000_000u64
            }));
        })
        .await;
    let source = oauth_lifecycle::access::ClientCredentials::new(procore)
        .builder(MemoryStore::new(), "pc-service")
        .await
        .unwrap()
        .clock(clock)
        .build()
        .await
        .unwrap();
    let per_client = api
        .mock_async(|when, then| {
            when.path("/rest/v1.0/projects")
                .header("authorization", "Bearer pc-service-1")
                .header("procore-company-id", "111")
                .header_count("procore-company-id", ".*", 1);
            then.status(200).body("[]");
        })
        .await;
    let per_request = api
        .mock_async(|when, then| {
            when.path("/rest/v1.0/projects")
                .header("procore-company-id", "222")
                .header_count("procore-company-id", ".*", 1);
            then.status(200).body("[]");
        })
        .await;
    let elsewhere = other
        .mock_async(|when, then| {
            when.header_missing("procore-company-id")
                .header_missing("authorization");
            then.status(200);
        })
        .await;
    let authorizer = procore_oauth::api::authorizer(source, procore_oauth::Environment::Sandbox)
        .base_url(api.base_url())
        .company_id(111)
        .build()
        .unwrap();
    let client = with_middleware(authorizer.clone());
    let url = authorizer.url("/rest/v1.0/projects").unwrap();
    assert_eq!(client.get(url.clone()).send().await.unwrap().status(), 200);
    assert_eq!(
        client
            .get(url.clone())
            .company_id(222)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let plain = AuthorizedClient::new(http(), authorizer);
    let response = plain
        .send(plain.get("/rest/v1.0/projects").unwrap().company_id(222))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        client.get(other.url("/x")).send().await.unwrap().status(),
        200
    );

    assert_eq!(per_client.calls_async().await, 1);
    assert_eq!(per_request.calls_async().await, 2);
    assert_eq!(elsewhere.calls_async().await, 1);
    assert_eq!(grant.calls_async().await, 1);
}

#[tokio::test]
async fn a_dead_grant_is_the_needs_reauthorization_error() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    refresh.delete_async().await;
    let refused = oauth
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(400).json_body(json!({
                "error": "invalid_grant",
                "error_description": "Token not found"
            }));
        })
        .await;
    let rejected = answers(&api, "/me", INITIAL, 401).await;
    let authorizer = authorizer(source, &api);

    let e = with_middleware(authorizer.clone())
        .get(api.url("/me"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(oauth_error(&e), Some(Error::NeedsReauthorization(_))),
        "{e:?}"
    );
    assert!(!format!("{e:?}").contains(INITIAL));
    // The source stays dead, and nothing more is sent until the user authorizes again.
    let plain = AuthorizedClient::new(http(), authorizer);
    let e = plain.send(plain.get("/me").unwrap()).await.unwrap_err();
    assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(refused.calls_async().await, 1);
}

#[tokio::test]
async fn a_rejected_static_token_needs_reauthorization_without_a_retry() {
    let api = MockServer::start_async().await;
    let rejected = answers(&api, "/v2/apps/app-1", "sunshine-token", 401).await;
    let source = StaticToken::new(Token::new(AccessToken::new("sunshine-token"), t0()));
    let authorizer = sunshine_conversations_oauth::api::authorizer(
        source,
        &sunshine_conversations_oauth::api::ApiHost::Us,
    )
    .unwrap()
    .base_url(api.base_url())
    .build()
    .unwrap();
    let e = with_middleware(authorizer)
        .get(api.url("/v2/apps/app-1"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(oauth_error(&e), Some(Error::NeedsReauthorization(_))),
        "{e:?}"
    );
    assert_eq!(rejected.calls_async().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_401s_for_one_token_cause_one_refresh() {
    let (oauth, api) = servers().await;
    let (source, refresh) = source(&oauth).await;
    let rejected = api
        .mock_async(|when, then| {
            when.path("/me").header("authorization", bearer(INITIAL));
            // Keeps the first requests in flight while the others start.
            then.status(401).delay(Duration::from_millis(100));
        })
        .await;
    let accepted = answers(&api, "/me", RENEWED, 200).await;
    let client = with_middleware(authorizer(source, &api));
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            let url = api.url("/me");
            tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), StatusCode::OK);
    }
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 50);
    assert!(rejected.calls_async().await >= 1);
}

#[test]
fn bad_authorizer_configuration_is_a_clear_error() {
    let source = || StaticToken::new(Token::new(AccessToken::new("t"), t0()));
    for (builder, needle) in [
        (Authorizer::builder(source(), "http://example.com"), "http"),
        (
            Authorizer::builder(source(), "https://api.example").allow_origin("ftp://x"),
            "scheme",
        ),
        (
            Authorizer::builder(source(), "https://api.example").reject_status(200),
            "4xx",
        ),
        (
            Authorizer::builder(source(), "https://api.example").header(
                reqwest::header::AUTHORIZATION,
                reqwest::header::HeaderValue::from_static("Bearer x"),
            ),
            "Authorization",
        ),
    ] {
        let e = builder.build().unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert!(e.to_string().contains(needle), "{e}");
    }
    let a = Authorizer::builder(source(), "https://api.example/v2")
        .build()
        .unwrap();
    assert_eq!(a.url("/me").unwrap().as_str(), "https://api.example/v2/me");
    assert!(a.url("me").is_err());
    assert!(a.covers(&"https://api.example:443/x".parse().unwrap()));
    assert!(!a.covers(&"http://api.example/x".parse().unwrap()));
    assert!(!a.covers(&"https://api.example.evil/x".parse().unwrap()));
}

/// An API mock answering every request to `path` with `status` and, if given, a
/// `WWW-Authenticate` challenge.
async fn refuses<'a>(
    api: &'a MockServer,
    path: &str,
    status: u16,
    challenge: Option<&str>,
) -> Mock<'a> {
    api.mock_async(|when, then| {
        when.path(path);
        let then = then.status(status).body("{}");
        if let Some(challenge) = challenge {
            then.header("www-authenticate", challenge);
        }
    })
    .await
}

/// Sends `requests` requests (through the middleware, or the plain client) to an API path
/// that answers each 401, with `challenge` as `WWW-Authenticate` if given; each comes back as
/// that 401. Returns how many refreshes and API calls they made.
async fn after_401s(challenge: Option<&str>, requests: usize, middleware: bool) -> (usize, usize) {
    let (oauth, api) = servers().await;
    let (source, refresh) = source_renewing_any(&oauth).await;
    let admin = refuses(&api, "/admin", 401, challenge).await;
    let authorizer = authorizer(source, &api);
    let (through_middleware, plain) = (
        with_middleware(authorizer.clone()),
        AuthorizedClient::new(http(), authorizer),
    );
    for _ in 0..requests {
        let response = if middleware {
            through_middleware
                .get(api.url("/admin"))
                .send()
                .await
                .unwrap()
        } else {
            plain.send(plain.get("/admin").unwrap()).await.unwrap()
        };
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    (refresh.calls_async().await, admin.calls_async().await)
}

#[tokio::test]
async fn a_plain_401_for_a_missing_permission_renews_once_not_on_every_request() {
    // The first 401 renewed `access-1` and retried; the renewed token's 401 showed that the
    // token is not the problem, so no request after it renews again.
    assert_eq!(after_401s(None, 5, true).await, (1, 6));
    assert_eq!(after_401s(None, 5, false).await, (1, 6));
}

#[tokio::test]
async fn a_401_that_blames_the_scope_is_returned_without_renewing() {
    let scope = r#"Bearer realm="api", error="insufficient_scope", scope="admin""#;
    assert_eq!(after_401s(Some(scope), 3, true).await, (0, 3));
}

#[tokio::test]
async fn an_invalid_token_challenge_renews_every_token_it_names() {
    let invalid = r#"Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid""#;
    // The server said each time that the token itself is dead: each is renewed (the first
    // request's retry token is the second request's token, so 1 + 1 + 1 renewals).
    assert_eq!(after_401s(Some(invalid), 3, false).await, (3, 6));
}

#[tokio::test]
async fn a_plain_401_leaves_a_static_token_usable_for_other_requests() {
    let api = MockServer::start_async().await;
    let admin = refuses(&api, "/admin", 401, None).await;
    let me = answers(&api, "/me", "long-lived", 200).await;
    let source = Arc::new(StaticToken::new(Token::new(
        AccessToken::new("long-lived"),
        t0(),
    )));
    let client = with_middleware(
        Authorizer::builder(source.clone(), api.base_url())
            .build()
            .unwrap(),
    );
    let response = client.get(api.url("/admin")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(source.needs_reauthorization().is_none());
    let response = client.get(api.url("/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!((admin.calls_async().await, me.calls_async().await), (1, 1));
}

#[tokio::test]
async fn a_static_token_rejected_by_name_is_reported_and_its_replacement_works() {
    let api = MockServer::start_async().await;
    let rejected = api
        .mock_async(|when, then| {
            when.path("/me").header("authorization", bearer("old"));
            then.status(401)
                .header("www-authenticate", r#"Bearer error="invalid_token""#);
        })
        .await;
    let accepted = answers(&api, "/me", "new", 200).await;
    let source = Arc::new(StaticToken::new(Token::new(AccessToken::new("old"), t0())));
    let client = AuthorizedClient::new(
        http(),
        Authorizer::builder(source.clone(), api.base_url())
            .build()
            .unwrap(),
    );
    let old = source.access_token().await.unwrap();
    let e = client.send(client.get("/me").unwrap()).await.unwrap_err();
    assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    assert!(source.needs_reauthorization().is_some());
    source.replace(Token::new(AccessToken::new("new"), t0()));
    // A report about the old token arriving late leaves the new one alone.
    source.invalidate(&old);
    let response = client.send(client.get("/me").unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        (rejected.calls_async().await, accepted.calls_async().await),
        (1, 1)
    );
}
