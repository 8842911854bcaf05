//! Procore: every operation on the wire, decoding of real answers, and redaction.

use std::time::Duration;

use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use oauth_core::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant,
    ClientCredentialsGrant, ClientSecret, Error, ErrorCode, RefreshToken, RefreshTokenGrant, Token,
    TokenIntrospection, TokenRevocation,
};
use oauth_sdk_tests::{RESERVED_SECRET, assert_no_secrets, clock, t0};
use procore_oauth::{Environment, ProcoreClient, types};
use serde_json::json;

fn client(server: &MockServer) -> ProcoreClient {
    ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .company_id(42)
        .base_url(server.base_url())
        .clock(clock())
        .build()
        .unwrap()
}

fn token_body() -> serde_json::Value {
    json!({
        "access_token": "pc-access-1",
        "token_type": "bearer",
        "expires_in": 5400,
        "refresh_token": "pc-refresh-1",
        "created_at": 1_800_000_000u64 - 10
    })
}

#[tokio::test]
async fn exchange_code_sends_exact_json() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", "application/json")
                .header_missing("api-version")
                .header_missing("authorization")
                .json_body(json!({
                    "grant_type": "authorization_code",
                    "client_id": "pc-id",
                    "client_secret": RESERVED_SECRET,
                    "code": "pc-code-1",
                    "redirect_uri": "https://app.example/cb"
                }));
            then.status(200).json_body(token_body());
        })
        .await;
    let grant = AuthorizationGrant {
        code: AuthorizationCode::new("pc-code-1"),
        pkce_verifier: None,
        redirect_uri: Some("https://app.example/cb".into()),
    };
    let token = client(&server).exchange_code(&grant).await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "pc-access-1");
    assert_eq!(token.refresh_token().unwrap().secret(), "pc-refresh-1");
    // Counted from created_at (10 s before receipt), not from receipt.
    assert_eq!(
        token.expires_at(),
        Some(t0() - Duration::from_secs(10) + Duration::from_secs(5400))
    );
    assert_eq!(token.received_at(), t0());
    assert_eq!(token.extra()["created_at"], 1_800_000_000u64 - 10);
}

#[tokio::test]
async fn refresh_sends_only_the_refresh_fields() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").json_body(json!({
                "grant_type": "refresh_token",
                "client_id": "pc-id",
                "client_secret": RESERVED_SECRET,
                "refresh_token": "pc-refresh-0"
            }));
            then.status(200).json_body(token_body());
        })
        .await;
    client(&server)
        .refresh(&RefreshToken::new("pc-refresh-0"))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn client_credentials_for_service_accounts_have_no_refresh_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").json_body(json!({
                "grant_type": "client_credentials",
                "client_id": "pc-id",
                "client_secret": RESERVED_SECRET
            }));
            then.status(200).json_body(json!({
                "access_token": "pc-service-1",
                "token_type": "bearer",
                "expires_in": "5400"
            }));
        })
        .await;
    let token = client(&server).client_credentials().await.unwrap();
    mock.assert_async().await;
    assert!(token.refresh_token().is_none());
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(5400)));
}

#[tokio::test]
async fn revoke_sends_company_header_and_json_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/revoke")
                .header("procore-company-id", "42")
                .header("content-type", "application/json")
                .json_body(json!({
                    "token": "pc-access-1",
                    "client_id": "pc-id",
                    "client_secret": RESERVED_SECRET
                }));
            then.status(200).json_body(json!({}));
        })
        .await;
    let token = Token::new(AccessToken::new("pc-access-1"), t0())
        .with_refresh_token(Some(RefreshToken::new("pc-refresh-1")));
    client(&server).revoke(&token).await.unwrap();
    mock.assert_async().await;

    let without_company = ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new("s"))
        .base_url(server.base_url())
        .build()
        .unwrap();
    assert!(matches!(
        without_company.revoke(&token).await,
        Err(Error::Config(_))
    ));
}

#[tokio::test]
async fn token_info_uses_bearer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/token/info")
                .header("authorization", "Bearer pc-access-1");
            then.status(200).json_body(json!({
                "resource_owner_id": 1,
                "scopes": ["public"],
                "expires_in_seconds": 5378,
                "application": {"uid": "pc-id"},
                "created_at": 1440460991
            }));
        })
        .await;
    let info = client(&server)
        .token_info(&AccessToken::new("pc-access-1"))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(info.resource_owner_id, Some(1));
    assert_eq!(info.scopes, ["public"]);
    assert_eq!(info.expires_in_seconds.map(|s| s.0), Some(5378));
    assert_eq!(info.application.unwrap().uid.as_deref(), Some("pc-id"));
}

#[tokio::test]
async fn authorization_url_and_generated_authorize_get() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let request = c.authorization_request("urn:ietf:wg:oauth:2.0:oob");
    let url = request.url().clone();
    assert_eq!(url.path(), "/oauth/authorize");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "pc-id");
    assert_eq!(q["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob");
    assert_eq!(q["state"], request.state().secret());
    assert!(!q.contains_key("code_challenge"));

    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/authorize")
                .query_param("response_type", "code")
                .query_param("client_id", "pc-id")
                .query_param("redirect_uri", "http://localhost");
            then.status(302)
                .header("location", "http://localhost?code=abc");
        })
        .await;
    let result = c
        .generated()
        .oauth_authorize_get("pc-id", "http://localhost", types::ResponseType::Code, None)
        .await;
    mock.assert_async().await;
    assert!(
        matches!(result, Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status() == 302)
    );
}

async fn token_answer(status: u16, body: &str) -> Error {
    let server = MockServer::start_async().await;
    let body = body.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/oauth/token");
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    client(&server)
        .refresh(&RefreshToken::new("pc-refresh-x"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn both_procore_error_shapes_are_typed() {
    let e = token_answer(
        400,
        r#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked"}"#,
    )
    .await;
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert!(e.is_permanent());
    assert!(e.to_string().contains("authorization grant is invalid"));

    let e = token_answer(
        401,
        r#"{"code":401,"message":"Unauthorized","reason":"token_expired","error":"Invalid Token"}"#,
    )
    .await;
    match &e {
        Error::Server(s) => {
            assert_eq!(s.status, 401);
            assert_eq!(s.code, None);
            assert_eq!(s.description.as_deref(), Some("Invalid Token"));
            assert_eq!(s.details[0].code.as_deref(), Some("401"));
            assert_eq!(s.details[0].message.as_deref(), Some("Unauthorized"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn malformed_answers_are_clear_errors() {
    let e = token_answer(200, r#"{"access_token": "pc-acc"#).await;
    assert!(
        matches!(&e, Error::Decode(d) if d.problem.contains("truncated")),
        "{e:?}"
    );
    let e = token_answer(200, r#"{"access_token": 12}"#).await;
    assert!(
        matches!(&e, Error::Decode(d) if d.path == "access_token"),
        "{e:?}"
    );
    let e = token_answer(500, "<!doctype html><title>Oops</title>").await;
    assert_eq!(e.status(), Some(500));
    assert!(e.is_transient());
}

#[test]
fn configuration_is_checked() {
    assert!(matches!(
        ProcoreClient::builder("id").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        ProcoreClient::builder("id")
            .client_secret(ClientSecret::new("s"))
            .base_url("http://login.procore.com")
            .build(),
        Err(Error::Config(_))
    ));
    assert_eq!(
        Environment::MonthlySandbox.login_url(),
        "https://login-sandbox-monthly.procore.com"
    );
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let request = c.authorization_request("https://app.example/cb");
    let state = request.state().secret().to_owned();
    let e = token_answer(400, r#"{"error":"invalid_grant"}"#).await;
    let text = format!(
        "{c:?} {request:?} {e:?} {e} {:?}",
        ProcoreClient::builder("x").client_secret(ClientSecret::new(RESERVED_SECRET))
    );
    assert_no_secrets(&text, &[RESERVED_SECRET, &state, "pc-refresh-x"]);
}
