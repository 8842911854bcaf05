//! Procore: every operation on the wire, decoding of real answers, and redaction.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use oauth_core::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant,
    ClientCredentialsGrant, ClientSecret, CsrfState, Error, ErrorCode, ErrorDetail, ManualClock,
    RefreshToken, RefreshTokenGrant, RevocableToken, Token, TokenIntrospection, TokenRevocation,
    TokenType,
};
use procore_oauth::{Environment, OUT_OF_BAND_REDIRECT_URI, ProcoreClient, types};
use serde_json::json;

/// A client secret with every character that JSON or form encoding could get wrong.
const SECRET: &str = "p@ss:w/rd+%&= ~!";
const JSON: &str = "application/json";
const UA: &str = "procore-oauth/";
const COMPANY: i64 = 4242;
const CB: &str = "https://app.example/cb";

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn confidential(server: &MockServer) -> ProcoreClient {
    ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new(SECRET))
        .company_id(COMPANY)
        .base_url(server.base_url())
        .clock(Arc::new(ManualClock::new(t0())))
        .build()
        .unwrap()
}

fn public(server: &MockServer) -> ProcoreClient {
    ProcoreClient::builder("pc-public")
        .company_id(COMPANY)
        .base_url(server.base_url())
        .clock(Arc::new(ManualClock::new(t0())))
        .build()
        .unwrap()
}

/// Procore's documented answer, issued 10 s before it was received, plus a field this client
/// does not know.
fn token_body() -> serde_json::Value {
    json!({
        "access_token": "pc-access-1",
        "token_type": "bearer",
        "expires_in": 5400,
        "refresh_token": "pc-refresh-1",
        "created_at": 1_800_000_000u64 - 10,
        "scope": "public",
        "future_field": {"x": 1}
    })
}

fn grant() -> AuthorizationGrant {
    AuthorizationGrant {
        code: AuthorizationCode::new("pc-code-1"),
        pkce_verifier: None,
        redirect_uri: Some(CB.into()),
    }
}

fn issued() -> Token {
    Token::new(AccessToken::new("pc-access-1"), t0())
        .with_refresh_token(Some(RefreshToken::new("pc-refresh-1")))
}

fn server_error(e: &Error) -> &oauth_core::ServerError {
    match e {
        Error::Server(s) => s,
        other => panic!("expected a server error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// (a) Each generated operation reaches its method and path.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn generated_authorize_get_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/authorize")
                .query_param("response_type", "code")
                .query_param("client_id", "pc-id")
                .query_param("redirect_uri", CB)
                .query_param("state", "st-1")
                .header_missing("api-version");
            then.status(302)
                .header("location", "https://app.example/cb?code=c&state=st-1");
        })
        .await;
    let result = confidential(&server)
        .generated()
        .oauth_authorize_get("pc-id", CB, types::ResponseType::Code, Some("st-1"))
        .await;
    mock.assert_async().await;
    oauth_sdk_tests::assert_unfollowed_redirect(result, "https://app.example/cb?code=c&state=st-1");
}

#[tokio::test]
async fn generated_token_post_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", JSON)
                .json_body(json!({
                    "grant_type": "client_credentials",
                    "client_id": "pc-id",
                    "client_secret": SECRET
                }));
            then.status(200).json_body(token_body());
        })
        .await;
    let body = types::TokenRequest {
        grant_type: types::GrantType::ClientCredentials,
        client_id: "pc-id".into(),
        client_secret: ClientSecret::new(SECRET),
        code: None,
        redirect_uri: None,
        refresh_token: None,
    };
    let response = confidential(&server)
        .generated()
        .oauth_token_post(&body)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(response.into_inner().access_token.secret(), "pc-access-1");
}

#[tokio::test]
async fn generated_revoke_post_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/revoke")
                .header("procore-company-id", "7")
                .json_body(json!({"token": "t", "client_id": "pc-id"}));
            then.status(200).json_body(json!({}));
        })
        .await;
    let body = types::RevokeRequest {
        token: RevocableToken::new("t"),
        client_id: "pc-id".into(),
        client_secret: None,
    };
    let response = confidential(&server)
        .generated()
        .oauth_revoke_post(7, &body)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn generated_token_info_get_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/token/info")
                .header("authorization", "Bearer t");
            then.status(200).json_body(json!({"resource_owner_id": 5}));
        })
        .await;
    let response = confidential(&server)
        .generated()
        .oauth_token_info_get("Bearer t")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(response.into_inner().resource_owner_id, Some(5));
}

// ---------------------------------------------------------------------------------------------
// (b) The layer's wire format, and (c) decoding of the success answers.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn authorization_url_is_on_the_login_host_with_state_and_no_pkce() {
    let server = MockServer::start_async().await;
    let client = confidential(&server);
    let request = client.authorization_request(CB);
    let url = request.url().clone();
    assert_eq!(url.path(), "/oauth/authorize");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".to_owned(), "pc-id".to_owned()),
            ("redirect_uri".to_owned(), CB.to_owned()),
            ("state".to_owned(), request.state().secret().to_owned()),
        ]
    );
    // 256 random bits, fresh each time.
    assert_eq!(request.state().secret().len(), 43);
    assert_ne!(
        client.authorization_request(CB).state().secret(),
        request.state().secret()
    );
    assert!(request.pkce_verifier().is_none());

    // The URL reaches the authorize endpoint as the spec describes it.
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/authorize")
                .query_param("response_type", "code")
                .query_param("client_id", "pc-id")
                .query_param("redirect_uri", CB)
                .query_param_exists("state")
                .query_param_missing("code_challenge")
                .query_param_missing("code_challenge_method");
            then.status(302).header("location", CB);
        })
        .await;
    // oauth-core's HTTP client: redirects off, TLS provider installed.
    let response = oauth_core::HttpSettings::new("test")
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    mock.assert_async().await;

    // The redirect back is checked against the state and carries the redirect URI along.
    let state = request.state().secret().to_owned();
    let grant = request
        .verify_redirect(&format!("{CB}?code=pc-code-9&state={state}"))
        .unwrap();
    assert_eq!(grant.code.secret(), "pc-code-9");
    assert_eq!(grant.redirect_uri.as_deref(), Some(CB));
    let forged = client
        .authorization_request(CB)
        .verify_redirect(&format!("{CB}?code=pc-code-9&state={state}"));
    assert!(matches!(forged, Err(Error::StateMismatch)));
}

#[test]
fn authorization_url_keeps_a_chosen_state_and_the_out_of_band_uri() {
    let client = ProcoreClient::builder("pc-id").build().unwrap();
    let request = client.authorization_request_with_state(
        OUT_OF_BAND_REDIRECT_URI,
        CsrfState::new("st-chosen").unwrap(),
    );
    let q: HashMap<_, _> = request.url().query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st-chosen");
    assert_eq!(q["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob");
    assert_eq!(request.redirect_uri(), Some("urn:ietf:wg:oauth:2.0:oob"));
}

#[test]
fn environments_map_to_their_login_hosts() {
    let url = |builder: procore_oauth::ProcoreClientBuilder| {
        let request = builder.build().unwrap().authorization_request(CB);
        let mut url = request.url().clone();
        url.set_query(None);
        url.to_string()
    };
    assert_eq!(
        url(ProcoreClient::builder("id")),
        "https://login.procore.com/oauth/authorize"
    );
    for (env, host) in [
        (Environment::Production, "https://login.procore.com"),
        (Environment::Sandbox, "https://login-sandbox.procore.com"),
        (
            Environment::MonthlySandbox,
            "https://login-sandbox-monthly.procore.com",
        ),
    ] {
        assert_eq!(env.login_url(), host);
        assert_eq!(
            url(ProcoreClient::builder("id").environment(env)),
            format!("{host}/oauth/authorize")
        );
    }
    assert_eq!(Environment::default(), Environment::Production);
    assert_eq!(Environment::Production.api_url(), "https://api.procore.com");
    assert_eq!(
        Environment::Sandbox.api_url(),
        "https://sandbox.procore.com"
    );
    assert_eq!(
        Environment::MonthlySandbox.api_url(),
        "https://api-monthly.procore.com"
    );
    // A base URL set after the environment wins (tests, proxies).
    assert_eq!(
        url(ProcoreClient::builder("id")
            .environment(Environment::Sandbox)
            .base_url("https://proxy.example/procore/")),
        "https://proxy.example/procore/oauth/authorize"
    );
}

#[tokio::test]
async fn exchange_code_sends_exact_json_and_counts_expiry_from_created_at() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", JSON)
                .header("accept", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("authorization")
                .header_missing("procore-company-id")
                .query_param_count(".*", ".*", 0)
                .json_body(json!({
                    "grant_type": "authorization_code",
                    "client_id": "pc-id",
                    "client_secret": SECRET,
                    "code": "pc-code-1",
                    "redirect_uri": CB
                }));
            then.status(200).json_body(token_body());
        })
        .await;
    let token = confidential(&server).exchange_code(&grant()).await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "pc-access-1");
    assert_eq!(token.refresh_token().unwrap().secret(), "pc-refresh-1");
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert_eq!(token.received_at(), t0());
    // Issued 10 s before receipt: the expiry counts from then, not from receipt.
    assert_eq!(token.expires_at(), Some(t0() - secs(10) + secs(5400)));
    assert_eq!(token.refresh_token_expires_at(), None);
    assert_eq!(token.scopes(), ["public"]);
    assert_eq!(token.extra()["created_at"], 1_800_000_000u64 - 10);
    assert_eq!(token.extra()["future_field"]["x"], 1);
    assert_eq!(token.authorization_header(), "Bearer pc-access-1");
}

#[tokio::test]
async fn exchange_code_without_a_redirect_uri_leaves_it_out() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").json_body(json!({
                "grant_type": "authorization_code",
                "client_id": "pc-id",
                "client_secret": SECRET,
                "code": "pc-code-1"
            }));
            then.status(200).json_body(token_body());
        })
        .await;
    confidential(&server)
        .exchange_code(&AuthorizationGrant::from_code(AuthorizationCode::new(
            "pc-code-1",
        )))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn refresh_sends_only_the_refresh_fields_and_returns_the_rotated_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("authorization")
                .json_body(json!({
                    "grant_type": "refresh_token",
                    "client_id": "pc-id",
                    "client_secret": SECRET,
                    "refresh_token": "pc-refresh-0"
                }));
            then.status(200).json_body(token_body());
        })
        .await;
    let token = confidential(&server)
        .refresh(&RefreshToken::new("pc-refresh-0"))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(token.refresh_token().unwrap().secret(), "pc-refresh-1");
}

#[tokio::test]
async fn client_credentials_send_no_code_and_get_no_refresh_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("authorization")
                .json_body(json!({
                    "grant_type": "client_credentials",
                    "client_id": "pc-id",
                    "client_secret": SECRET
                }));
            then.status(200).json_body(json!({
                "access_token": "pc-service-1",
                "token_type": "bearer",
                "expires_in": 5400,
                "created_at": 1_800_000_000u64
            }));
        })
        .await;
    let token = confidential(&server).client_credentials().await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "pc-service-1");
    assert!(token.refresh_token().is_none());
    assert_eq!(token.expires_at(), Some(t0() + secs(5400)));
    assert!(token.scopes().is_empty());
}

#[tokio::test]
async fn grants_without_a_client_secret_are_config_errors_and_send_nothing() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).json_body(token_body());
        })
        .await;
    let client = public(&server);
    let results = [
        client.exchange_code(&grant()).await,
        client.refresh(&RefreshToken::new("pc-refresh-0")).await,
        client.client_credentials().await,
    ];
    for result in results {
        assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
    }
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn revoke_sends_the_access_token_with_company_header_and_exact_json() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/revoke")
                .header("procore-company-id", "4242")
                .header("content-type", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("authorization")
                .query_param_count(".*", ".*", 0)
                .json_body(json!({
                    "token": "pc-access-1",
                    "client_id": "pc-id",
                    "client_secret": SECRET
                }));
            then.status(200).json_body(json!({}));
        })
        .await;
    confidential(&server).revoke(&issued()).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn revoke_from_a_public_client_leaves_the_secret_out() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/revoke")
                .header("procore-company-id", "4242")
                .header("content-type", JSON)
                .json_body(json!({"token": "pc-access-1", "client_id": "pc-public"}));
            then.status(200).json_body(json!({}));
        })
        .await;
    public(&server).revoke(&issued()).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn revoke_without_a_company_id_is_a_config_error_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({}));
        })
        .await;
    let client = ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url())
        .build()
        .unwrap();
    assert_eq!(client.company_id(), None);
    let e = client.revoke(&issued()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("company")),
        "{e:?}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn revoke_succeeds_on_any_2xx_whatever_the_body() {
    for (status, body) in [(200, ""), (200, "OK"), (204, "")] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path("/oauth/revoke");
                then.status(status).body(body);
            })
            .await;
        let result = confidential(&server).revoke(&issued()).await;
        mock.assert_async().await;
        assert!(result.is_ok(), "{status} {body:?}: {result:?}");
    }
}

#[tokio::test]
async fn revoke_errors_are_typed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/revoke");
            then.status(403).json_body(json!({
                "error": "unauthorized_client",
                "error_description": "You are not authorized to revoke this token"
            }));
        })
        .await;
    let e = confidential(&server).revoke(&issued()).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 403);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::UnauthorizedClient));
    assert_eq!(
        s.description.as_deref(),
        Some("You are not authorized to revoke this token")
    );
    assert!(e.is_permanent());

    // Procore's general shape with a string code and per-field messages still decodes: an
    // error body that does not would lose its status.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/revoke");
            then.status(422).json_body(json!({
                "code": "invalid_company",
                "message": "Company not found",
                "fields": {"Procore-Company-Id": ["is not valid"]}
            }));
        })
        .await;
    let e = confidential(&server).revoke(&issued()).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 422);
    assert_eq!(s.code, None);
    assert_eq!(s.description.as_deref(), Some("Company not found"));
    assert_eq!(
        s.details,
        [ErrorDetail::new(
            Some("invalid_company".into()),
            Some("Company not found".into()),
            Some("Procore-Company-Id".into()),
        )]
    );
}

#[tokio::test]
async fn token_info_sends_bearer_and_decodes_the_answer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/token/info")
                .header("authorization", "Bearer pc-access-1")
                .header("accept", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("content-type")
                .header_missing("procore-company-id")
                .query_param_count(".*", ".*", 0);
            then.status(200).json_body(json!({
                "resource_owner_id": 1,
                "scopes": ["public"],
                "expires_in_seconds": "5378",
                "application": {"uid": "pc-id", "name": "My app"},
                "created_at": 1440460991,
                "future_field": true
            }));
        })
        .await;
    let info = confidential(&server)
        .token_info(&AccessToken::new("pc-access-1"))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(info.resource_owner_id, Some(1));
    assert_eq!(info.scopes, ["public"]);
    assert_eq!(
        info.expires_in_seconds.map(|s| s.duration()),
        Some(secs(5378))
    );
    assert_eq!(
        info.created_at.map(|c| c.time()),
        Some(UNIX_EPOCH + secs(1440460991))
    );
    let application = info.application.unwrap();
    assert_eq!(application.uid.as_deref(), Some("pc-id"));
    assert_eq!(application.extra["name"], "My app");
    assert_eq!(info.extra["future_field"], true);
}

#[tokio::test]
async fn token_info_works_without_a_secret_and_reports_invalid_tokens() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/token/info")
                .header("authorization", "Bearer pc-expired");
            then.status(401)
                .header("www-authenticate", "Bearer realm=\"Doorkeeper\"")
                .json_body(json!({
                    "error": "invalid_token",
                    "error_description": "The access token expired",
                    "state": "unauthorized"
                }));
        })
        .await;
    let e = public(&server)
        .token_info(&AccessToken::new("pc-expired"))
        .await
        .unwrap_err();
    assert_eq!(server_error(&e).status, 401);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidToken));
    assert_eq!(
        server_error(&e).description.as_deref(),
        Some("The access token expired")
    );
    // The access token's rejection, not a refusal of the grant.
    assert!(!e.is_permanent());
}

// ---------------------------------------------------------------------------------------------
// (c) Lenient success answers, error shapes and malformed answers.
// ---------------------------------------------------------------------------------------------

/// The token endpoint's answer to a refresh, as a result.
async fn refresh_result(
    status: u16,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> oauth_core::Result<Token> {
    let server = MockServer::start_async().await;
    let (content_type, body) = (content_type.to_owned(), body.to_owned());
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST).path("/oauth/token");
            let mut then = then
                .status(status)
                .header("content-type", content_type)
                .body(body);
            for (k, v) in headers {
                then = then.header(k, v);
            }
        })
        .await;
    let result = confidential(&server)
        .refresh(&RefreshToken::new("pc-refresh-x"))
        .await;
    mock.assert_async().await;
    result
}

async fn refresh_error(status: u16, body: &str) -> Error {
    refresh_result(status, JSON, body, &[]).await.unwrap_err()
}

#[tokio::test]
async fn token_type_and_expires_in_are_read_leniently() {
    for (token_type, expires_in) in [
        (json!("bearer"), json!(5400)),
        (json!("Bearer"), json!("5400")),
        (json!("BEARER"), json!(5400.0)),
        (serde_json::Value::Null, json!(" 5400 ")),
    ] {
        let mut body = json!({"access_token": "pc-access-2", "expires_in": expires_in});
        if !token_type.is_null() {
            body["token_type"] = token_type.clone();
        }
        let token = refresh_result(200, JSON, &body.to_string(), &[])
            .await
            .unwrap();
        assert_eq!(token.token_type(), &TokenType::Bearer, "{token_type}");
        // No created_at: counted from receipt.
        assert_eq!(token.expires_at(), Some(t0() + secs(5400)), "{expires_in}");
        assert!(!token.extra().contains_key("created_at"));
    }
    let token = refresh_result(
        200,
        JSON,
        r#"{"access_token":"pc-access-2","token_type":"mac","created_at":"1799999990"}"#,
        &[],
    )
    .await
    .unwrap();
    assert_eq!(token.token_type(), &TokenType::Other("mac".into()));
    assert_eq!(token.expires_at(), None);
    assert_eq!(token.extra()["created_at"], 1_799_999_990u64);
}

#[tokio::test]
async fn expiry_counts_from_receipt_when_created_at_contradicts_the_local_clock() {
    // Issued "after" receipt (the local clock is behind): never later than receipt + lifetime.
    let ahead = json!({"access_token": "a", "expires_in": 5400, "created_at": 1_800_000_060u64});
    // Expired before it arrived (the local clock is ahead): a fresh token is not dead on arrival.
    let behind = json!({"access_token": "a", "expires_in": 5400, "created_at": 1_799_990_000u64});
    for body in [ahead, behind] {
        let token = refresh_result(200, JSON, &body.to_string(), &[])
            .await
            .unwrap();
        assert_eq!(token.expires_at(), Some(t0() + secs(5400)), "{body}");
    }
}

#[tokio::test]
async fn rfc6749_error_shape_is_typed() {
    let e = refresh_error(
        400,
        r#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}"#,
    )
    .await;
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert!(
        s.description
            .as_deref()
            .unwrap()
            .starts_with("The provided authorization grant is invalid")
    );
    assert!(s.details.is_empty());
    assert!(e.is_permanent() && !e.is_transient());
    assert!(e.to_string().contains("invalid_grant"), "{e}");

    let e = refresh_error(401, r#"{"error":"invalid_client"}"#).await;
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidClient));
    assert_eq!(server_error(&e).description, None);
}

#[tokio::test]
async fn procore_general_error_shape_is_typed() {
    let e = refresh_error(
        401,
        r#"{"code":401,"message":"Unauthorized","reason":"token_expired","fields":"refresh_token","error":"Invalid Token"}"#,
    )
    .await;
    let s = server_error(&e);
    assert_eq!(s.status, 401);
    // A sentence in `error` is a description, not an RFC 6749 code.
    assert_eq!(s.code, None);
    assert_eq!(s.description.as_deref(), Some("Invalid Token"));
    assert_eq!(
        s.details,
        [ErrorDetail::new(
            Some("401 token_expired".into()),
            Some("Unauthorized".into()),
            Some("refresh_token".into()),
        )]
    );
    // No RFC 6749 code: a 401 a proxy could have sent as well, not the grant's refusal.
    assert!(!e.is_permanent());
    let text = e.to_string();
    assert!(
        text.contains("Invalid Token") && text.contains("token_expired"),
        "{text}"
    );

    // The shape with an RFC 6749 code in `error`, and with a message only.
    let e = refresh_error(
        400,
        r#"{"error":"invalid_request","message":"Missing grant_type"}"#,
    )
    .await;
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidRequest));
    assert_eq!(
        server_error(&e).description.as_deref(),
        Some("Missing grant_type")
    );
    let e = refresh_error(500, r#"{"message":"Internal error","code":500}"#).await;
    assert_eq!(e.oauth_code(), None);
    assert_eq!(
        server_error(&e).description.as_deref(),
        Some("Internal error")
    );
    assert_eq!(server_error(&e).details[0].code.as_deref(), Some("500"));
    assert!(e.is_transient());
}

#[tokio::test]
async fn an_error_inside_a_200_is_a_server_error() {
    let e = refresh_error(200, r#"{"error":"invalid_grant"}"#).await;
    assert_eq!(server_error(&e).status, 200);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
}

#[tokio::test]
async fn an_html_502_is_a_transient_server_error() {
    let e = refresh_result(
        502,
        "text/html",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        &[],
    )
    .await
    .unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 502);
    assert_eq!(s.code, None);
    assert!(e.is_transient() && !e.is_permanent());
}

#[tokio::test]
async fn a_429_carries_retry_after() {
    let e = refresh_result(
        429,
        JSON,
        r#"{"code":429,"message":"Too Many Requests"}"#,
        &[("retry-after", "7")],
    )
    .await
    .unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.retry_after(), Some(secs(7)));
    assert!(e.is_transient());
    assert_eq!(
        server_error(&e).details[0].message.as_deref(),
        Some("Too Many Requests")
    );
}

#[tokio::test]
async fn malformed_200_answers_are_decode_errors() {
    let truncated = refresh_error(200, r#"{"access_token":"pc-leak-1","expi"#).await;
    assert!(
        matches!(&truncated, Error::Decode(d) if d.status == Some(200) && d.problem.contains("truncated")),
        "{truncated:?}"
    );

    let empty = refresh_error(200, "").await;
    assert!(
        matches!(&empty, Error::Decode(d) if d.problem.contains("empty")),
        "{empty:?}"
    );

    for (body, path) in [
        (r#"{"access_token":12}"#, "access_token"),
        (
            r#"{"access_token":"pc-leak-1","expires_in":"soon"}"#,
            "expires_in",
        ),
        (
            r#"{"access_token":"pc-leak-1","created_at":"yesterday"}"#,
            "created_at",
        ),
        (
            r#"{"access_token":"pc-leak-1","refresh_token":["x"]}"#,
            "refresh_token",
        ),
    ] {
        let e = refresh_error(200, body).await;
        assert!(
            matches!(&e, Error::Decode(d) if d.path == path),
            "{body}: {e:?}"
        );
        assert!(e.to_string().contains(&format!("`{path}`")), "{e}");
    }

    let missing = refresh_error(200, r#"{"token_type":"bearer"}"#).await;
    assert!(
        matches!(&missing, Error::Decode(d) if d.problem.contains("access_token")),
        "{missing:?}"
    );

    let info_server = MockServer::start_async().await;
    info_server
        .mock_async(|when, then| {
            when.method(GET).path("/oauth/token/info");
            then.status(200)
                .json_body(json!({"resource_owner_id": "me"}));
        })
        .await;
    let e = confidential(&info_server)
        .token_info(&AccessToken::new("t"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode(d) if d.path == "resource_owner_id"),
        "{e:?}"
    );
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let server = MockServer::start_async().await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/elsewhere");
            then.status(200).json_body(token_body());
        })
        .await;
    for (method, path) in [
        (POST, "/oauth/token"),
        (POST, "/oauth/revoke"),
        (GET, "/oauth/token/info"),
    ] {
        server
            .mock_async(|when, then| {
                when.method(method).path(path);
                then.status(307).header("location", "/elsewhere");
            })
            .await;
    }
    let client = confidential(&server);
    let errors = [
        client.refresh(&RefreshToken::new("r")).await.unwrap_err(),
        client.client_credentials().await.unwrap_err(),
        client.revoke(&issued()).await.unwrap_err(),
        client.token_info(&AccessToken::new("t")).await.unwrap_err(),
    ];
    for e in errors {
        assert!(
            matches!(e, Error::UnexpectedRedirect { status: 307 }),
            "{e:?}"
        );
    }
    assert_eq!(elsewhere.calls_async().await, 0);
}

// ---------------------------------------------------------------------------------------------
// (d) Redaction and (e) configuration.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn debug_and_display_never_show_secrets() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .json_body_includes(r#"{"grant_type":"authorization_code"}"#);
            then.status(200).json_body(token_body());
        })
        .await;
    // Error answers that echo what was sent.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .json_body_includes(r#"{"grant_type":"refresh_token"}"#);
            then.status(400).json_body(json!({
                "error": "invalid_grant",
                "refresh_token": "pc-refresh-1",
                "client_secret": SECRET
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .json_body_includes(r#"{"grant_type":"client_credentials"}"#);
            then.status(200)
                .body(r#"{"access_token":"pc-access-1","expires_in":"pc-refresh-1"}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/revoke");
            then.status(400).json_body(json!({
                "code": 400,
                "message": "Bad request",
                "token": "pc-access-1"
            }));
        })
        .await;

    let client = confidential(&server);
    let builder = ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new(SECRET))
        .company_id(COMPANY);
    let request = client.authorization_request(CB);
    let state = request.state().secret().to_owned();
    let token = client.exchange_code(&grant()).await.unwrap();
    let refresh_error = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();
    let decode_error = client.client_credentials().await.unwrap_err();
    let revoke_error = client.revoke(&token).await.unwrap_err();
    let body = types::TokenRequest {
        grant_type: types::GrantType::AuthorizationCode,
        client_id: "pc-id".into(),
        client_secret: ClientSecret::new(SECRET),
        code: Some(AuthorizationCode::new("pc-code-1")),
        redirect_uri: None,
        refresh_token: Some(RefreshToken::new("pc-refresh-1")),
    };

    let mut text = format!(
        "{client:?} {builder:?} {request:?} {token:?} {:?} {body:?}",
        grant()
    );
    for e in [&refresh_error, &decode_error, &revoke_error] {
        text.push_str(&format!(" {e:?} {e}"));
    }
    for secret in [
        SECRET,
        "pc-access-1",
        "pc-refresh-1",
        "pc-code-1",
        state.as_str(),
    ] {
        assert!(!text.contains(secret), "`{secret}` leaked in: {text}");
    }
    // What the errors are about is still there.
    assert!(text.contains("invalid_grant") && text.contains("Bad request"));
    assert!(matches!(decode_error, Error::Decode(_)), "{decode_error:?}");
}

#[test]
fn configuration_is_checked() {
    for bad in [
        "http://login.procore.com",
        "http://10.0.0.1:8080",
        "ftp://login.procore.com",
        "login.procore.com",
        "https://login.procore.com/?x=1",
    ] {
        let e = ProcoreClient::builder("id")
            .client_secret(ClientSecret::new(SECRET))
            .base_url(bad)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad}: {e:?}");
    }
    for good in [
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
        "https://login.example",
    ] {
        assert!(
            ProcoreClient::builder("id").base_url(good).build().is_ok(),
            "{good}"
        );
    }
    assert!(matches!(
        ProcoreClient::builder("").build(),
        Err(Error::Config(_))
    ));
    for company in [0, -5] {
        assert!(matches!(
            ProcoreClient::builder("id").company_id(company).build(),
            Err(Error::Config(_))
        ));
    }
    let client = ProcoreClient::builder("id").company_id(7).build().unwrap();
    assert_eq!((client.client_id(), client.company_id()), ("id", Some(7)));
}

#[test]
fn token_info_reports_an_error_body_inside_a_200() {
    let body = |v: serde_json::Value| v.as_object().unwrap().clone();
    let e = token_info_from_shared_server(body(json!({
        "error": "invalid_token",
        "error_description": "The access token is invalid",
        "state": "unauthorized"
    })))
    .unwrap_err();
    assert_eq!(server_error(&e).status, 200);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidToken));
    assert_eq!(
        server_error(&e).description.as_deref(),
        Some("The access token is invalid")
    );

    // Procore's general shape.
    let e = token_info_from_shared_server(body(json!({
        "code": 401, "message": "Unauthorized", "reason": "token_revoked"
    })))
    .unwrap_err();
    assert_eq!(
        server_error(&e).details,
        [ErrorDetail::new(
            Some("401 token_revoked".into()),
            Some("Unauthorized".into()),
            None
        )]
    );
    assert!(!format!("{e} {e:?}").contains("pc-info-token"));

    // An info is an info, even with a field named `error`, and so is an empty answer.
    let info =
        token_info_from_shared_server(body(json!({"resource_owner_id": 7, "error": "x"}))).unwrap();
    assert_eq!(info.resource_owner_id, Some(7));
    assert!(token_info_from_shared_server(body(json!({}))).is_ok());
}

/// The token-info answer to a `200` with `body`, from one server and client shared by the
/// tests below (a fresh server and client for each case of the property would make it slow).
fn token_info_from_shared_server(
    body: serde_json::Map<String, serde_json::Value>,
) -> oauth_core::Result<types::TokenInfo> {
    use std::sync::{LazyLock, Mutex};
    static SHARED: LazyLock<Mutex<(tokio::runtime::Runtime, MockServer, ProcoreClient)>> =
        LazyLock::new(|| {
            let server = MockServer::start();
            let client = public(&server);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            Mutex::new((runtime, server, client))
        });
    let shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    let (runtime, server, client) = &*shared;
    let mut mock = server.mock(|when, then| {
        when.method(GET).path("/oauth/token/info");
        then.status(200).json_body(serde_json::Value::Object(body));
    });
    let answer = runtime.block_on(client.token_info(&AccessToken::new("pc-info-token")));
    mock.delete();
    answer
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any error body, of either shape and with any other fields, is an error in a 200; the
    /// same body beside a field of the info is an info.
    #[test]
    fn any_error_body_in_a_200_token_info_is_an_error(
        error in proptest::option::of("[a-z_]{1,12}|[A-Z][a-z ]{1,12}"),
        description in proptest::option::of("[a-zA-Z ]{0,12}"),
        code in proptest::option::of(proptest::prop_oneof![
            proptest::strategy::Strategy::prop_map(proptest::num::i64::ANY, serde_json::Value::from),
            proptest::strategy::Strategy::prop_map("[A-Z0-9]{1,5}", serde_json::Value::from),
        ]),
        message in proptest::option::of("[a-zA-Z ]{0,12}"),
        reason in proptest::option::of("[a-z_]{0,12}"),
        other in proptest::collection::btree_map("x_[a-z]{1,6}", "[a-z]{0,6}", 0..3),
    ) {
        let mut body = serde_json::Map::new();
        let mut put = |k: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                body.insert(k.to_owned(), v);
            }
        };
        put("error", error.map(Into::into));
        put("error_description", description.map(Into::into));
        put("code", code);
        put("message", message.map(Into::into));
        put("reason", reason.map(Into::into));
        let reports_error = !body.is_empty();
        for (k, v) in other {
            body.insert(k, v.into());
        }
        let with_info = {
            let mut body = body.clone();
            body.insert("resource_owner_id".into(), 1.into());
            body
        };
        match token_info_from_shared_server(body) {
            Err(Error::Server(e)) => proptest::prop_assert!(reports_error && e.status == 200),
            Ok(_) => proptest::prop_assert!(!reports_error),
            Err(other) => proptest::prop_assert!(false, "{other:?}"),
        }
        let answer = token_info_from_shared_server(with_info);
        proptest::prop_assert!(answer.is_ok(), "{answer:?}");
    }
}
