//! Cal.com v2: every operation on the wire (generated and through the layer), decoding of the
//! real server's answers and of broken ones, redaction, and configuration checks.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use calcom_oauth::{AuthorizationRedirect, CalcomClient, types};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use oauth_core::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientSecret, Error, ErrorCode,
    ErrorDetail, ManualClock, PkceVerifier, Provider, RefreshToken, RefreshTokenGrant,
    SessionCookie, Token, TokenType,
};
use oauth_sdk_tests::{
    RESERVED_SECRET, assert_no_secrets, assert_unfollowed_redirect, clock, decode_error,
    server_error, t0,
};
use serde_json::json;
use url::Url;

const CLIENT_ID: &str = "cal-client-31";
const SECRET: &str = RESERVED_SECRET;
const CODE: &str = "cal-code-5f1e9a";
const ACCESS: &str = "cal-access-9b2c4d";
const REFRESH: &str = "cal-refresh-7d4a11";
const OLD_REFRESH: &str = "cal-refresh-old-3e8f";
const SESSION: &str = "__Secure-next-auth.session-token=cal-session-2a6b70";
const SESSION_VALUE: &str = "cal-session-2a6b70";
const CB: &str = "https://app.example/cb";
const JSON: &str = "application/json";
const UA: &str = "calcom-oauth/";
const AUTHORIZE: &str = "/v2/oauth/cal-client-31/authorize";
const EXCHANGE: &str = "/v2/oauth/cal-client-31/exchange";
const REFRESH_PATH: &str = "/v2/oauth/cal-client-31/refresh";
/// `accessTokenExpiresAt` of the samples: t0 + 3599.123 s, in epoch milliseconds.
const ACCESS_EXPIRES_MS: u64 = 1_800_003_599_123;
/// `refreshTokenExpiresAt` of the samples: t0 + 365 days, in epoch milliseconds.
const REFRESH_EXPIRES_MS: u64 = 1_831_536_000_000;

fn client_with(server: &MockServer, clock: Arc<ManualClock>) -> CalcomClient {
    CalcomClient::builder(CLIENT_ID)
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url())
        .clock(clock)
        .build()
        .unwrap()
}

fn client(server: &MockServer) -> CalcomClient {
    client_with(server, clock())
}

fn ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// The answer of a current server (`OAuthFlowService.refreshToken` / `exchangeAuthorizationToken`).
fn keys_with_expiry() -> serde_json::Value {
    json!({
        "status": "success",
        "data": {
            "accessToken": ACCESS,
            "refreshToken": REFRESH,
            "accessTokenExpiresAt": ACCESS_EXPIRES_MS,
            "refreshTokenExpiresAt": REFRESH_EXPIRES_MS
        }
    })
}

/// The answer of an older server: no expiry fields.
fn keys_without_expiry() -> serde_json::Value {
    json!({"status": "success", "data": {"accessToken": ACCESS, "refreshToken": REFRESH}})
}

/// Cal.com's error envelope (`HttpExceptionFilter`).
fn envelope(path: &str, code: &str, message: &str) -> serde_json::Value {
    json!({
        "status": "error",
        "timestamp": "2027-01-15T08:00:00.000Z",
        "path": path,
        "error": {"code": code, "message": message}
    })
}

fn grant() -> AuthorizationGrant {
    AuthorizationGrant::from_code(AuthorizationCode::new(CODE))
}

/// A refresh answered with `status`, `content_type` and `body`.
async fn refresh_answered(
    status: u16,
    content_type: &str,
    body: &str,
) -> oauth_core::Result<Token> {
    let server = MockServer::start_async().await;
    let (content_type, body) = (content_type.to_owned(), body.to_owned());
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST).path(REFRESH_PATH);
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        })
        .await;
    let result = client(&server)
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await;
    mock.assert_async().await;
    result
}

/// A code exchange answered with `status` and the JSON `body`.
async fn exchange_answered(status: u16, body: serde_json::Value) -> oauth_core::Result<Token> {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST).path(EXCHANGE);
            then.status(status).json_body(body);
        })
        .await;
    let result = client(&server).exchange_code(&grant()).await;
    mock.assert_async().await;
    result
}

/// An authorization answered with `status` and, when given, `location`.
async fn authorize_answered(
    status: u16,
    location: Option<&str>,
    body: Option<serde_json::Value>,
) -> oauth_core::Result<AuthorizationRedirect> {
    let server = MockServer::start_async().await;
    let location = location.map(str::to_owned);
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST).path(AUTHORIZE);
            let mut then = then.status(status);
            if let Some(l) = location {
                then = then.header("location", l);
            }
            if let Some(b) = body {
                then.json_body(b);
            }
        })
        .await;
    let result = client(&server).authorize(CB, None).await;
    mock.assert_async().await;
    result
}

// ---------------------------------------------------------------------------------------------
// (a) Each generated operation reaches its method and path.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn generated_authorize_reaches_post_authorize_and_returns_the_302_unfollowed() {
    let server = MockServer::start_async().await;
    let callback = server
        .mock_async(|when, then| {
            when.path("/cb");
            then.status(200);
        })
        .await;
    let target = format!("{}/cb?code={CODE}", server.base_url());
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(AUTHORIZE)
                .header("cookie", SESSION)
                .json_body(json!({"redirectUri": CB}));
            then.status(302).header("location", target.as_str());
        })
        .await;
    let body = types::OAuthAuthorizeInput {
        redirect_uri: CB.into(),
    };
    let result = client(&server)
        .generated()
        .o_auth_flow_controller_authorize(CLIENT_ID, Some(SESSION), &body)
        .await;
    mock.assert_async().await;
    assert_eq!(callback.calls_async().await, 0, "the redirect was followed");
    assert_unfollowed_redirect(result, target.as_str());
}

#[tokio::test]
async fn generated_exchange_reaches_post_exchange() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(EXCHANGE)
                .header("authorization", format!("Bearer {CODE}"))
                .json_body(json!({"clientSecret": SECRET}));
            then.status(200).json_body(keys_with_expiry());
        })
        .await;
    let body = types::ExchangeAuthorizationCodeInput {
        client_secret: ClientSecret::new(SECRET),
    };
    let response = client(&server)
        .generated()
        .o_auth_flow_controller_exchange(CLIENT_ID, &format!("Bearer {CODE}"), &body)
        .await
        .unwrap();
    mock.assert_async().await;
    let keys = response.into_inner();
    assert_eq!(keys.status, "success");
    assert_eq!(keys.data.access_token.secret(), ACCESS);
    assert_eq!(
        keys.data.access_token_expires_at.map(|m| m.0),
        Some(ACCESS_EXPIRES_MS)
    );
}

#[tokio::test]
async fn generated_refresh_reaches_post_refresh() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(REFRESH_PATH)
                .header("x-cal-secret-key", SECRET)
                .json_body(json!({"refreshToken": OLD_REFRESH}));
            then.status(200).json_body(keys_without_expiry());
        })
        .await;
    let body = types::RefreshTokenInput {
        refresh_token: RefreshToken::new(OLD_REFRESH),
    };
    let response = client(&server)
        .generated()
        .o_auth_flow_controller_refresh_access_token(CLIENT_ID, SECRET, &body)
        .await
        .unwrap();
    mock.assert_async().await;
    let keys = response.into_inner();
    assert_eq!(keys.data.refresh_token.secret(), REFRESH);
    assert!(keys.data.access_token_expires_at.is_none());
}

#[tokio::test]
async fn client_id_is_percent_encoded_in_the_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/oauth/c%2Fid%20x/refresh");
            then.status(200).json_body(keys_with_expiry());
        })
        .await;
    let c = CalcomClient::builder("c/id x")
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url())
        .build()
        .unwrap();
    assert_eq!(c.client_id(), "c/id x");
    c.refresh(&RefreshToken::new(OLD_REFRESH)).await.unwrap();
    mock.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// (b) The layer's wire format.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn authorize_posts_json_with_the_session_cookie_and_reads_the_code_from_the_redirect() {
    let server = MockServer::start_async().await;
    let callback = server
        .mock_async(|when, then| {
            when.path("/cb");
            then.status(200);
        })
        .await;
    let target = format!("{}/cb?code={CODE}", server.base_url());
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(AUTHORIZE)
                .header("content-type", JSON)
                .header("cookie", SESSION)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("authorization")
                .header_missing("x-cal-secret-key")
                .query_param_count(".*", ".*", 0)
                .json_body(json!({"redirectUri": CB}));
            then.status(302).header("location", target.as_str());
        })
        .await;
    let session = SessionCookie::new(SESSION);
    let redirect = client(&server).authorize(CB, Some(&session)).await.unwrap();
    mock.assert_async().await;
    assert_eq!(callback.calls_async().await, 0, "the redirect was followed");
    assert_eq!(redirect.code().secret(), CODE);
    assert_eq!(redirect.location().as_str(), target);
    assert_eq!(redirect.grant().code.secret(), CODE);
    let grant = redirect.into_grant();
    assert!(grant.pkce_verifier.is_none() && grant.redirect_uri.is_none());
}

#[tokio::test]
async fn authorize_without_a_session_sends_no_cookie() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(AUTHORIZE)
                .header("content-type", JSON)
                .header_missing("cookie")
                .header_missing("api-version")
                .json_body(json!({"redirectUri": CB}));
            then.status(302)
                .header("location", format!("{CB}?code={CODE}"));
        })
        .await;
    let redirect = client(&server).authorize(CB, None).await.unwrap();
    mock.assert_async().await;
    assert_eq!(redirect.code().secret(), CODE);
}

#[tokio::test]
async fn exchange_sends_the_code_as_bearer_and_only_the_secret_in_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(EXCHANGE)
                .header("content-type", JSON)
                .header("accept", JSON)
                .header("authorization", format!("Bearer {CODE}"))
                .header_prefix("user-agent", UA)
                .header_missing("x-cal-secret-key")
                .header_missing("cookie")
                .header_missing("api-version")
                .query_param_count(".*", ".*", 0)
                .json_body(json!({"clientSecret": SECRET}));
            then.status(200).json_body(keys_with_expiry());
        })
        .await;
    // A verifier and a redirect URI in the grant are not Cal.com parameters: not sent.
    let grant = AuthorizationGrant {
        code: AuthorizationCode::new(CODE),
        pkce_verifier: Some(PkceVerifier::new("cal-verifier-0c1d")),
        redirect_uri: Some(CB.into()),
    };
    client(&server).exchange_code(&grant).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn refresh_sends_the_secret_as_x_cal_secret_key_and_the_token_in_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(REFRESH_PATH)
                .header("content-type", JSON)
                .header("accept", JSON)
                .header("x-cal-secret-key", SECRET)
                .header_prefix("user-agent", UA)
                .header_missing("authorization")
                .header_missing("cookie")
                .header_missing("api-version")
                .query_param_count(".*", ".*", 0)
                .json_body(json!({"refreshToken": OLD_REFRESH}));
            then.status(200).json_body(keys_with_expiry());
        })
        .await;
    client(&server)
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await
        .unwrap();
    mock.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// (c) Decoding: success answers.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn expiry_fields_are_the_absolute_expiries_and_unknown_fields_are_kept() {
    let mut body = keys_with_expiry();
    body["data"]["ownerId"] = json!(42);
    body["requestId"] = json!("req-1");
    let token = exchange_answered(200, body).await.unwrap();
    assert_eq!(token.access_token().secret(), ACCESS);
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert_eq!(token.received_at(), t0());
    assert_eq!(token.expires_at(), Some(ms(ACCESS_EXPIRES_MS)));
    assert_eq!(token.refresh_token().unwrap().secret(), REFRESH);
    assert_eq!(
        token.refresh_token_expires_at(),
        Some(ms(REFRESH_EXPIRES_MS))
    );
    assert!(token.scopes().is_empty());
    assert_eq!(token.extra().get("ownerId"), Some(&json!(42)));
    assert_eq!(token.extra().get("requestId"), Some(&json!("req-1")));
    assert_eq!(
        token.extra().len(),
        2,
        "known fields are not repeated: {:?}",
        token.extra()
    );
    assert_eq!(token.authorization_header(), format!("Bearer {ACCESS}"));
}

#[tokio::test]
async fn without_expiry_fields_the_access_token_lasts_sixty_minutes_from_receipt() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(REFRESH_PATH);
            then.status(200).json_body(keys_without_expiry());
        })
        .await;
    let clock = clock();
    let c = client_with(&server, clock.clone());
    clock.advance(Duration::from_secs(90));
    let token = c.refresh(&RefreshToken::new(OLD_REFRESH)).await.unwrap();
    let received = t0() + Duration::from_secs(90);
    assert_eq!(token.received_at(), received);
    assert_eq!(
        token.expires_at(),
        Some(received + Duration::from_secs(3600))
    );
    assert_eq!(token.refresh_token().unwrap().secret(), REFRESH);
    assert_eq!(token.refresh_token_expires_at(), None);
    assert!(token.extra().is_empty());
}

#[tokio::test]
async fn expiry_fields_are_read_leniently() {
    let cases = [
        (json!("1800003599123"), ms(ACCESS_EXPIRES_MS)),
        (json!(" 1800003599123 "), ms(ACCESS_EXPIRES_MS)),
        (json!(1_800_000_600_000.0), t0() + Duration::from_secs(600)),
        (json!("1800000600000.0"), t0() + Duration::from_secs(600)),
        // null is the same as absent: 60 minutes from receipt.
        (json!(null), t0() + Duration::from_secs(3600)),
    ];
    for (value, expected) in cases {
        let body = json!({"status": "success", "data": {
            "accessToken": ACCESS, "refreshToken": REFRESH,
            "accessTokenExpiresAt": value, "refreshTokenExpiresAt": value
        }})
        .to_string();
        let token = refresh_answered(200, JSON, &body).await.unwrap();
        assert_eq!(token.expires_at(), Some(expected), "{value}");
        let refresh_expected = (!value.is_null()).then_some(expected);
        assert_eq!(
            token.refresh_token_expires_at(),
            refresh_expected,
            "{value}"
        );
    }
}

#[tokio::test]
async fn an_access_expiry_not_after_receipt_falls_back_to_sixty_minutes() {
    // A server clock far behind ours, the receipt instant itself, and seconds sent as if they
    // were milliseconds: a token that would look expired forever.
    for value in [1_799_990_000_000u64, 1_800_000_000_000, 1_800_003_600] {
        let body = json!({"status": "success", "data": {
            "accessToken": ACCESS, "refreshToken": REFRESH, "accessTokenExpiresAt": value
        }})
        .to_string();
        let token = refresh_answered(200, JSON, &body).await.unwrap();
        assert_eq!(
            token.expires_at(),
            Some(t0() + Duration::from_secs(3600)),
            "{value}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Decoding: documented errors.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn exchange_400_envelope_is_a_permanent_server_error() {
    let e = exchange_answered(
        400,
        envelope(
            EXCHANGE,
            "BadRequestException",
            "Invalid Authorization Token.",
        ),
    )
    .await
    .unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(e.status(), Some(400));
    // Cal.com's exception names are no RFC 6749 codes, but this fixed refusal sentence of the
    // platform flow stands for `invalid_grant`.
    assert_eq!(e.oauth_code(), Some(&oauth_core::ErrorCode::InvalidGrant));
    assert_eq!(
        s.description.as_deref(),
        Some("Invalid Authorization Token.")
    );
    assert_eq!(
        s.details,
        [ErrorDetail::new(
            Some("BadRequestException".into()),
            Some("Invalid Authorization Token.".into()),
            None
        )]
    );
    assert_eq!(s.retry_after, None);
    assert!(e.is_permanent() && !e.is_transient());
    let text = e.to_string();
    assert!(
        text.contains("400") && text.contains("Invalid Authorization Token."),
        "{text}"
    );
}

#[tokio::test]
async fn refresh_400_envelope_with_details_keeps_message_and_drops_details() {
    // Non-production servers add `details` (the exception's response); it is not kept.
    let body = json!({
        "status": "error",
        "timestamp": "2027-01-15T08:00:00.000Z",
        "path": REFRESH_PATH,
        "error": {
            "code": "BadRequestException",
            "message": "Invalid refresh token",
            "details": {"message": ["refreshToken cal-detail-echo"], "statusCode": 400}
        }
    })
    .to_string();
    let e = refresh_answered(400, JSON, &body).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(s.description.as_deref(), Some("Invalid refresh token"));
    assert_eq!(s.details.len(), 1);
    assert_eq!(s.details[0].code.as_deref(), Some("BadRequestException"));
    assert!(e.is_permanent());
    assert_no_secrets(&format!("{e} {e:?}"), &["cal-detail-echo"]);
}

#[tokio::test]
async fn refresh_401_envelope_without_a_refusal_sentence_is_no_refusal() {
    let body = envelope(
        REFRESH_PATH,
        "UnauthorizedException",
        "Invalid Access Token.",
    )
    .to_string();
    let e = refresh_answered(401, JSON, &body).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 401);
    assert_eq!(s.description.as_deref(), Some("Invalid Access Token."));
    assert_eq!(s.details[0].code.as_deref(), Some("UnauthorizedException"));
    // Not one of the platform flow's refusal sentences: retried, never the grant's death.
    assert!(!e.is_permanent());
}

#[tokio::test]
async fn an_error_envelope_inside_a_200_is_a_server_error() {
    let body = envelope(REFRESH_PATH, "BadRequestException", "Invalid refresh token").to_string();
    let e = refresh_answered(200, JSON, &body).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 200);
    assert_eq!(s.description.as_deref(), Some("Invalid refresh token"));
    assert_eq!(
        s.details,
        [ErrorDetail::new(
            Some("BadRequestException".into()),
            Some("Invalid refresh token".into()),
            None
        )]
    );
    // Only `status: "error"`, no error object: still an error.
    let e = refresh_answered(200, JSON, r#"{"status":"error"}"#)
        .await
        .unwrap_err();
    assert_eq!(server_error(&e).status, 200);
    assert!(server_error(&e).details.is_empty());
}

#[tokio::test]
async fn internal_server_error_envelope_is_transient() {
    let body = envelope(
        REFRESH_PATH,
        "INTERNAL_SERVER_ERROR",
        "Internal server error.",
    )
    .to_string();
    let e = refresh_answered(500, JSON, &body).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 500);
    assert_eq!(s.description.as_deref(), Some("Internal server error."));
    assert!(e.is_transient() && !e.is_permanent());
}

#[tokio::test]
async fn an_error_body_of_another_shape_keeps_its_status() {
    // NestJS's default shape, and an `error` that is a string, not Cal.com's object.
    for body in [
        r#"{"statusCode":400,"message":["refreshToken must be a string"],"error":"Bad Request"}"#,
        r#"{"error":"invalid_grant"}"#,
    ] {
        let e = refresh_answered(400, JSON, body).await.unwrap_err();
        let s = server_error(&e);
        assert_eq!(s.status, 400, "{body}");
        // Only the RFC 6749 code refuses the grant; NestJS's "Bad Request" does not.
        assert_eq!(e.is_permanent(), body.contains("invalid_grant"), "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Decoding: malformed answers.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn html_502_is_a_transient_server_error() {
    let e = refresh_answered(
        502,
        "text/html",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
    .await
    .unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 502);
    assert_eq!(s.description, None);
    assert!(s.details.is_empty());
    assert!(e.is_transient());
}

#[tokio::test]
async fn truncated_json_in_a_200_is_a_decode_error() {
    let e = refresh_answered(
        200,
        JSON,
        r#"{"status":"success","data":{"accessToken":"cal-a"#,
    )
    .await
    .unwrap_err();
    let d = decode_error(&e);
    assert_eq!(d.status, Some(200));
    assert_eq!(d.problem, "the body is truncated JSON");
    assert!(!e.is_transient() && !e.is_permanent());
}

#[tokio::test]
async fn an_empty_200_is_a_decode_error() {
    let e = refresh_answered(200, JSON, "").await.unwrap_err();
    let d = decode_error(&e);
    assert_eq!(d.status, Some(200));
    assert_eq!(d.problem, "the body is empty");
}

#[tokio::test]
async fn wrong_types_in_a_200_name_the_field_without_its_value() {
    let cases = [
        (
            r#"{"status":"success","data":{"accessToken":42,"refreshToken":"r"}}"#,
            "data.accessToken",
        ),
        (
            r#"{"status":"success","data":{"accessToken":"a","refreshToken":"r","accessTokenExpiresAt":"cal-not-a-time-secret"}}"#,
            "data.accessTokenExpiresAt",
        ),
        (
            r#"{"status":"success","data":{"accessToken":"a","refreshToken":"r","refreshTokenExpiresAt":true}}"#,
            "data.refreshTokenExpiresAt",
        ),
        (r#"{"status":"success","data":"cal-not-an-object"}"#, "data"),
    ];
    for (body, path) in cases {
        let e = refresh_answered(200, JSON, body).await.unwrap_err();
        let d = decode_error(&e);
        assert_eq!(d.status, Some(200), "{body}");
        assert_eq!(d.path, path, "{body}");
        assert_no_secrets(
            &format!("{e} {e:?}"),
            &["cal-not-a-time-secret", "cal-not-an-object"],
        );
    }
    let e = refresh_answered(
        200,
        JSON,
        r#"{"status":"success","data":{"accessToken":"a"}}"#,
    )
    .await
    .unwrap_err();
    let d = decode_error(&e);
    assert_eq!(d.path, "data");
    assert!(d.problem.contains("refreshToken"), "{}", d.problem);
}

#[tokio::test]
async fn a_429_carries_retry_after() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(REFRESH_PATH);
            then.status(429)
                .header("retry-after", "7")
                .json_body(envelope(
                    REFRESH_PATH,
                    "ThrottlerException",
                    "ThrottlerException: Too Many Requests",
                ));
        })
        .await;
    let e = client(&server)
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await
        .unwrap_err();
    assert_eq!(server_error(&e).status, 429);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_redirect_on_a_token_call_is_an_error_and_never_followed() {
    for status in [302, 307] {
        let server = MockServer::start_async().await;
        let elsewhere = server
            .mock_async(|when, then| {
                when.path("/elsewhere");
                then.status(200).json_body(keys_with_expiry());
            })
            .await;
        let target = format!("{}/elsewhere", server.base_url());
        for path in [EXCHANGE, REFRESH_PATH] {
            server
                .mock_async(|when, then| {
                    when.method(POST).path(path);
                    then.status(status).header("location", target.as_str());
                })
                .await;
        }
        let c = client(&server);
        let e = c.exchange_code(&grant()).await.unwrap_err();
        assert!(
            matches!(e, Error::UnexpectedRedirect { status: s } if s == status),
            "{e:?}"
        );
        let e = c
            .refresh(&RefreshToken::new(OLD_REFRESH))
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::UnexpectedRedirect { status: s } if s == status),
            "{e:?}"
        );
        assert_eq!(elsewhere.calls_async().await, 0, "a redirect was followed");
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Decoding: the authorization redirect and authorization errors.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_relative_location_resolves_against_the_request() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(AUTHORIZE);
            then.status(302)
                .header("location", format!("/cb?code={CODE}"));
        })
        .await;
    let redirect = client(&server).authorize(CB, None).await.unwrap();
    assert_eq!(
        redirect.location().as_str(),
        format!("{}/cb?code={CODE}", server.base_url())
    );
    assert_eq!(redirect.code().secret(), CODE);
}

#[tokio::test]
async fn a_redirect_uri_with_its_own_query_still_yields_the_code() {
    // Cal.com appends `?code=` to the redirect URI as given.
    let redirect = authorize_answered(302, Some(&format!("{CB}?tenant=7?code={CODE}")), None)
        .await
        .unwrap();
    assert_eq!(redirect.code().secret(), CODE);
    let redirect = authorize_answered(303, Some(&format!("{CB}?tenant=7&code={CODE}")), None)
        .await
        .unwrap();
    assert_eq!(redirect.code().secret(), CODE);
}

#[tokio::test]
async fn a_redirect_with_error_is_an_authorization_error() {
    let e = authorize_answered(
        302,
        Some(&format!(
            "{CB}?error=access_denied&error_description=User+said+no&error_uri=https%3A%2F%2Fcal.com%2Fe"
        )),
        None,
    )
    .await
    .unwrap_err();
    match &e {
        Error::Authorization(a) => {
            assert_eq!(a.code, ErrorCode::AccessDenied);
            assert_eq!(a.description.as_deref(), Some("User said no"));
            assert_eq!(a.uri.as_deref(), Some("https://cal.com/e"));
        }
        other => panic!("expected an authorization error, got {other:?}"),
    }
    assert_eq!(e.oauth_code(), Some(&ErrorCode::AccessDenied));
    // `error` wins over a code in the same redirect.
    let e = authorize_answered(
        302,
        Some(&format!("{CB}?code={CODE}&error=server_error")),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::ServerError));
}

#[tokio::test]
async fn a_redirect_without_a_code_is_missing_code() {
    for location in [
        CB.to_owned(),
        format!("{CB}?code="),
        format!("{CB}?state=x"),
    ] {
        let e = authorize_answered(302, Some(&location), None)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::MissingCode), "{location}: {e:?}");
    }
}

#[tokio::test]
async fn a_redirect_without_location_is_a_decode_error() {
    let e = authorize_answered(302, None, None).await.unwrap_err();
    let d = decode_error(&e);
    assert_eq!(d.status, Some(302));
    assert!(d.problem.contains("no Location"), "{}", d.problem);
}

#[tokio::test]
async fn an_authorize_answer_that_is_not_a_redirect_is_a_decode_error() {
    // The published spec says 200; the real server redirects. A 200 means the redirect was
    // lost (an HTTP client following it) or the server is not Cal.com's.
    let e = authorize_answered(200, None, Some(json!({"status": "success"})))
        .await
        .unwrap_err();
    let d = decode_error(&e);
    assert_eq!(d.status, Some(200));
    assert!(d.problem.contains("without a redirect"), "{}", d.problem);
}

#[tokio::test]
async fn authorize_400_and_401_envelopes_are_server_errors() {
    let message = "User with id=5 has already authorized client with id=cal-client-31.";
    let e = authorize_answered(
        400,
        None,
        Some(envelope(AUTHORIZE, "BadRequestException", message)),
    )
    .await
    .unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(s.description.as_deref(), Some(message));
    assert_eq!(
        s.details,
        [ErrorDetail::new(
            Some("BadRequestException".into()),
            Some(message.into()),
            None
        )]
    );
    assert_eq!(e.oauth_code(), None);

    // No session: NextAuthGuard refuses.
    let e = authorize_answered(
        401,
        None,
        Some(envelope(AUTHORIZE, "UnauthorizedException", "Unauthorized")),
    )
    .await
    .unwrap_err();
    assert_eq!(server_error(&e).status, 401);
    assert_eq!(
        server_error(&e).description.as_deref(),
        Some("Unauthorized")
    );
}

#[tokio::test]
async fn a_caller_supplied_client_that_follows_redirects_fails_clearly() {
    let server = MockServer::start_async().await;
    // Building one of this crate's clients first installs the TLS crypto provider that a plain
    // reqwest client needs.
    let _ = client(&server);
    let callback = server
        .mock_async(|when, then| {
            when.method(GET).path("/cb");
            then.status(200).body("welcome back");
        })
        .await;
    let target = format!("{}/cb?code={CODE}", server.base_url());
    server
        .mock_async(|when, then| {
            when.method(POST).path(AUTHORIZE);
            then.status(302).header("location", target.as_str());
        })
        .await;
    let following = CalcomClient::builder(CLIENT_ID)
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url())
        .http_client(reqwest::Client::builder().build().unwrap())
        .build()
        .unwrap();
    let e = following.authorize(CB, None).await.unwrap_err();
    assert_eq!(callback.calls_async().await, 1);
    // The answer came from the redirect target, not the authorization endpoint: refused.
    assert!(
        matches!(e, Error::RedirectFollowed { status: 200 }),
        "{e:?}"
    );
    assert!(e.to_string().contains("Policy::none()"), "{e}");
    assert_no_secrets(&format!("{e} {e:?}"), &[CODE]);
}

#[test]
fn authorization_redirect_reads_a_location_without_the_network() {
    let redirect =
        AuthorizationRedirect::from_location(Url::parse(&format!("{CB}?code={CODE}")).unwrap())
            .unwrap();
    assert_eq!(redirect.code().secret(), CODE);
    // Percent-encoded codes are decoded; two codes are refused (RFC 6749 §3.1).
    let redirect = AuthorizationRedirect::from_location(
        Url::parse(&format!("{CB}?tenant=7?code=a%2Bb%20c")).unwrap(),
    )
    .unwrap();
    assert_eq!(redirect.code().secret(), "a+b c");
    assert!(matches!(
        AuthorizationRedirect::from_location(
            Url::parse(&format!("{CB}?code=first?code=a%2Bb%20c")).unwrap()
        ),
        Err(Error::DuplicateParameter { name: "code" })
    ));
    assert!(matches!(
        AuthorizationRedirect::from_location(Url::parse(CB).unwrap()),
        Err(Error::MissingCode)
    ));
}

// ---------------------------------------------------------------------------------------------
// (d) Redaction.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn debug_and_display_never_show_secrets() {
    let server = MockServer::start_async().await;
    let target = format!("{CB}?code={CODE}");
    server
        .mock_async(|when, then| {
            when.method(POST).path(AUTHORIZE);
            then.status(302).header("location", target.as_str());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(EXCHANGE);
            then.status(200).json_body(keys_with_expiry());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(REFRESH_PATH);
            then.status(400).json_body(envelope(
                REFRESH_PATH,
                "BadRequestException",
                "Invalid refresh token",
            ));
        })
        .await;
    let c = client(&server);
    let session = SessionCookie::new(SESSION);
    let redirect = c.authorize(CB, Some(&session)).await.unwrap();
    let token = c.exchange_code(redirect.grant()).await.unwrap();
    let refresh_error = c
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await
        .unwrap_err();
    let decode = refresh_answered(
        200,
        JSON,
        &format!(r#"{{"status":"success","data":{{"accessToken":"{ACCESS}","refreshToken":7}}}}"#),
    )
    .await
    .unwrap_err();
    let authorization = AuthorizationRedirect::from_location(
        Url::parse(&format!("{CB}?error=access_denied&code={CODE}")).unwrap(),
    )
    .unwrap_err();
    let builder = CalcomClient::builder(CLIENT_ID).client_secret(ClientSecret::new(SECRET));

    let text = format!(
        "{c:?} {builder:?} {redirect:?} {:?} {token:?} {:?} {refresh_error:?} {refresh_error} \
         {decode:?} {decode} {authorization:?} {authorization} {session:?} {:?}",
        redirect.grant(),
        token.refresh_token(),
        ClientSecret::new(SECRET),
    );
    assert_no_secrets(
        &text,
        &[SECRET, CODE, ACCESS, REFRESH, OLD_REFRESH, SESSION_VALUE],
    );
    // What is shown is still useful.
    assert!(text.contains(CLIENT_ID), "{text}");
    assert!(text.contains("https://app.example/cb"), "{text}");
    assert!(text.contains("Invalid refresh token"), "{text}");
}

#[test]
fn a_rejected_secret_is_not_echoed() {
    let e = CalcomClient::builder(CLIENT_ID)
        .client_secret(ClientSecret::new("cal-bad\nsecret-51"))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert_no_secrets(&format!("{e} {e:?}"), &["cal-bad", "secret-51"]);
}

// ---------------------------------------------------------------------------------------------
// (e) Configuration.
// ---------------------------------------------------------------------------------------------

#[test]
fn configuration_is_checked() {
    let with_secret = || CalcomClient::builder(CLIENT_ID).client_secret(ClientSecret::new(SECRET));
    for bad in [
        "http://api.cal.example.com",
        "http://10.0.0.7:8080",
        "ftp://api.cal.com",
        "https://api.cal.com/?x=1",
        "not a url",
    ] {
        assert!(
            matches!(with_secret().base_url(bad).build(), Err(Error::Config(_))),
            "{bad}"
        );
    }
    for good in [
        "https://cal.internal.example/api",
        "http://127.0.0.1:9",
        "http://localhost:9",
    ] {
        assert!(with_secret().base_url(good).build().is_ok(), "{good}");
    }
    // The secret is mandatory, and so is a client ID.
    let e = CalcomClient::builder(CLIENT_ID).build().unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("client secret")),
        "{e:?}"
    );
    assert!(matches!(
        CalcomClient::builder(CLIENT_ID)
            .client_secret(ClientSecret::new(""))
            .build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        CalcomClient::builder("")
            .client_secret(ClientSecret::new(SECRET))
            .build(),
        Err(Error::Config(_))
    ));
    // The default host is Cal.com's cloud API.
    let c = with_secret().build().unwrap();
    assert!(
        format!("{c:?}").contains("\"https://api.cal.com\""),
        "{c:?}"
    );
    assert_eq!(calcom_oauth::DEFAULT_BASE_URL, "https://api.cal.com");
    assert_eq!(CalcomClient::NAME, "calcom");
}

#[tokio::test]
async fn the_timeout_applies_to_calls() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(REFRESH_PATH);
            then.status(200)
                .delay(Duration::from_millis(500))
                .json_body(keys_with_expiry());
        })
        .await;
    let c = CalcomClient::builder(CLIENT_ID)
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url())
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let e = c
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await
        .unwrap_err();
    match e {
        Error::Transport(t) => assert_eq!(t.kind, oauth_core::TransportKind::Timeout),
        other => panic!("expected a timeout, got {other:?}"),
    }
}
