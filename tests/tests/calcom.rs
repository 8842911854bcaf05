//! Cal.com: every operation on the wire, decoding of real answers, and redaction.

use std::time::{Duration, UNIX_EPOCH};

use calcom_oauth::{CalcomClient, types};
use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientSecret, Error,
    RefreshToken, RefreshTokenGrant, SessionCookie,
};
use oauth_sdk_tests::{RESERVED_SECRET, assert_no_secrets, clock, t0};
use serde_json::json;

fn client(server: &MockServer) -> CalcomClient {
    CalcomClient::builder("cal-client")
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .base_url(server.base_url())
        .clock(clock())
        .build()
        .unwrap()
}

fn keys(with_expiry: bool) -> serde_json::Value {
    let mut data = json!({"accessToken": "cal-access-1", "refreshToken": "cal-refresh-1"});
    if with_expiry {
        data["accessTokenExpiresAt"] = json!(1_800_003_600_000u64);
        data["refreshTokenExpiresAt"] = json!(1_831_536_000_000u64);
    }
    json!({"status": "success", "data": data})
}

#[tokio::test]
async fn authorize_posts_json_with_session_and_returns_the_code_without_following() {
    let server = MockServer::start_async().await;
    let callback = server
        .mock_async(|when, then| {
            when.path("/cb");
            then.status(200);
        })
        .await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/oauth/cal-client/authorize")
                .header("content-type", "application/json")
                .header("cookie", "next-auth.session-token=cal-session-1")
                .header_missing("api-version")
                .json_body(json!({"redirectUri": "https://app.example/cb"}));
            then.status(302)
                .header("location", "https://app.example/cb?code=cal-code-1");
        })
        .await;
    let session = SessionCookie::new("next-auth.session-token=cal-session-1");
    let authorization = client(&server)
        .authorize("https://app.example/cb", Some(&session))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(callback.calls_async().await, 0);
    assert_eq!(authorization.grant.code.secret(), "cal-code-1");
    assert_eq!(authorization.location.path(), "/cb");
}

#[tokio::test]
async fn authorize_errors_are_typed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/oauth/cal-client/authorize");
            then.status(400).json_body(json!({
                "status": "error",
                "timestamp": "2024-01-01T00:00:00.000Z",
                "path": "/v2/oauth/cal-client/authorize",
                "error": {"code": "BadRequestException", "message": "Client has already been authorized"}
            }));
        })
        .await;
    let e = client(&server)
        .authorize("https://app.example/cb", None)
        .await
        .unwrap_err();
    match &e {
        Error::Server(s) => {
            assert_eq!(s.status, 400);
            assert_eq!(
                s.description.as_deref(),
                Some("Client has already been authorized")
            );
            assert_eq!(s.details[0].code.as_deref(), Some("BadRequestException"));
        }
        other => panic!("{other:?}"),
    }

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/oauth/cal-client/authorize");
            then.status(302)
                .header("location", "https://app.example/cb?error=access_denied");
        })
        .await;
    let e = client(&server)
        .authorize("https://app.example/cb", None)
        .await
        .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&oauth_core::ErrorCode::AccessDenied));
}

#[tokio::test]
async fn exchange_sends_code_as_bearer_and_secret_in_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/oauth/cal-client/exchange")
                .header("authorization", "Bearer cal-code-1")
                .header("content-type", "application/json")
                .header_missing("x-cal-secret-key")
                .json_body(json!({"clientSecret": RESERVED_SECRET}));
            then.status(200).json_body(keys(true));
        })
        .await;
    let grant = AuthorizationGrant::from_code(AuthorizationCode::new("cal-code-1"));
    let token = client(&server).exchange_code(&grant).await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "cal-access-1");
    assert_eq!(
        token.expires_at(),
        Some(UNIX_EPOCH + Duration::from_millis(1_800_003_600_000))
    );
    assert_eq!(
        token.refresh_token_expires_at(),
        Some(UNIX_EPOCH + Duration::from_millis(1_831_536_000_000))
    );
}

#[tokio::test]
async fn refresh_sends_secret_header_and_refresh_token_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/oauth/cal-client/refresh")
                .header("x-cal-secret-key", RESERVED_SECRET)
                .header_missing("authorization")
                .header("content-type", "application/json")
                .json_body(json!({"refreshToken": "cal-refresh-0"}));
            then.status(200).json_body(keys(false));
        })
        .await;
    let token = client(&server)
        .refresh(&RefreshToken::new("cal-refresh-0"))
        .await
        .unwrap();
    mock.assert_async().await;
    // Older servers send no expiry: Cal.com's documented 60 minutes from receipt.
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(3600)));
    assert_eq!(token.refresh_token().unwrap().secret(), "cal-refresh-1");
    assert_eq!(token.refresh_token_expires_at(), None);
}

#[tokio::test]
async fn generated_operations_reach_method_and_path() {
    let server = MockServer::start_async().await;
    let authorize = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/oauth/c%2Fid/authorize");
            then.status(302)
                .header("location", "https://a.example/?code=x");
        })
        .await;
    let c = client(&server);
    let body = types::OAuthAuthorizeInput {
        redirect_uri: "https://a.example/".into(),
    };
    let r = c
        .generated()
        .o_auth_flow_controller_authorize("c/id", None, &body)
        .await;
    authorize.assert_async().await;
    assert!(matches!(r, Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status() == 302));
}

async fn refresh_answer(status: u16, body: &str) -> Error {
    let server = MockServer::start_async().await;
    let body = body.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/v2/oauth/cal-client/refresh");
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    client(&server)
        .refresh(&RefreshToken::new("cal-refresh-x"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn error_envelope_in_a_200_is_an_error() {
    let e = refresh_answer(
        200,
        r#"{"status":"error","timestamp":"t","path":"/v2/oauth/cal-client/refresh","error":{"code":"UnauthorizedException","message":"Invalid Refresh Token"}}"#,
    )
    .await;
    match &e {
        Error::Server(s) => {
            assert_eq!(s.status, 200);
            assert_eq!(s.description.as_deref(), Some("Invalid Refresh Token"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn malformed_answers_are_clear_errors() {
    let e = refresh_answer(
        200,
        r#"{"status":"success","data":{"accessToken":"cal-acc"}}"#,
    )
    .await;
    assert!(
        matches!(&e, Error::Decode(d) if d.path == "data" && d.problem.contains("refreshToken")),
        "{e:?}"
    );
    let e = refresh_answer(200, r#"{"status":"success","data":{"accessToken":"a","refreshToken":"r","accessTokenExpiresAt":"later"}}"#).await;
    assert!(
        matches!(&e, Error::Decode(d) if d.path == "data.accessTokenExpiresAt"),
        "{e:?}"
    );
    let e = refresh_answer(401, r#"{"status":"error","error":{"code":"UnauthorizedException","message":"Invalid Refresh Token"}}"#).await;
    assert!(e.is_permanent());
    let e = refresh_answer(503, "upstream connect error").await;
    assert!(e.is_transient());
}

#[tokio::test]
async fn epoch_millis_as_strings_are_accepted() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/oauth/cal-client/refresh");
            then.status(200)
                .json_body(json!({"status": "success", "data": {
                    "accessToken": "a", "refreshToken": "r", "accessTokenExpiresAt": "1800000600000"
                }}));
        })
        .await;
    let token = client(&server)
        .refresh(&RefreshToken::new("r0"))
        .await
        .unwrap();
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(600)));
}

#[test]
fn configuration_is_checked() {
    assert!(matches!(
        CalcomClient::builder("id").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        CalcomClient::builder("id")
            .client_secret(ClientSecret::new("s"))
            .base_url("http://cal.example.com")
            .build(),
        Err(Error::Config(_))
    ));
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let e = refresh_answer(
        400,
        r#"{"status":"error","error":{"code":"X","message":"bad"}}"#,
    )
    .await;
    let text = format!(
        "{c:?} {e:?} {e} {:?} {:?}",
        CalcomClient::builder("x").client_secret(ClientSecret::new(RESERVED_SECRET)),
        SessionCookie::new("cal-session-1"),
    );
    assert_no_secrets(&text, &[RESERVED_SECRET, "cal-refresh-x", "cal-session-1"]);
}
