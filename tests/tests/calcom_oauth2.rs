//! Cal.com's OAuth 2.0 flow (`CalcomOAuth2Client`): the authorization URL, the token endpoint on
//! the wire for both grants and both client kinds, decoding of every answer shape Cal.com's
//! server versions send (bare or enveloped, snake_case or camelCase), errors in either shape,
//! broken answers, and configuration checks. The platform flow is in `calcom.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use calcom_oauth::{AuthorizeParams, CalcomOAuth2Client, ClientKind, types};
use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientSecret, Error, ErrorCode,
    ErrorDetail, Pkce, PkceVerifier, Provider, RefreshToken, RefreshTokenGrant, Token, TokenType,
};
use oauth_sdk_tests::{RESERVED_SECRET, assert_no_secrets, clock, decode_error, server_error, t0};
use serde_json::json;

const PUBLIC_ID: &str = "cal-oauth2-public";
const CONFIDENTIAL_ID: &str = "cal-oauth2-conf";
/// `RESERVED_SECRET` form-encoded.
const SECRET_FORM: &str = "p%40ss%3Aw%2Frd%2B%25%26%3D+%7E%21";
const CODE: &str = "cal-o2-code-41c2";
const VERIFIER: &str = "cal-o2-verifier-9d3e7a0b";
const ACCESS: &str = "cal-o2-access-5e1b";
const REFRESH: &str = "cal-o2-refresh-77aa";
const OLD_REFRESH: &str = "cal-o2-refresh-old-3c90";
const CB: &str = "https://app.example/cb?tab=cal";
/// `CB` form-encoded.
const CB_FORM: &str = "https%3A%2F%2Fapp.example%2Fcb%3Ftab%3Dcal";
const TOKEN_PATH: &str = "/v2/auth/oauth2/token";
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

fn builder(server: &MockServer, id: &str) -> calcom_oauth::CalcomOAuth2ClientBuilder {
    CalcomOAuth2Client::builder(id)
        .base_url(server.base_url())
        .clock(clock())
}

fn public(server: &MockServer) -> CalcomOAuth2Client {
    builder(server, PUBLIC_ID).build().unwrap()
}

fn confidential(server: &MockServer) -> CalcomOAuth2Client {
    builder(server, CONFIDENTIAL_ID)
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .build()
        .unwrap()
}

fn grant() -> AuthorizationGrant {
    AuthorizationGrant {
        code: AuthorizationCode::new(CODE),
        pkce_verifier: Some(PkceVerifier::new(VERIFIER)),
        redirect_uri: Some(CB.into()),
    }
}

/// Today's answer (`OAuth2Controller_token`, docs page): bare, snake_case.
fn bare() -> serde_json::Value {
    json!({
        "access_token": ACCESS,
        "token_type": "bearer",
        "refresh_token": REFRESH,
        "expires_in": 1800,
        "scope": "BOOKING_READ PROFILE_READ"
    })
}

/// A refresh by the public client answered with `status`, `content_type` and `body`.
async fn refresh_answered(
    status: u16,
    content_type: &str,
    body: &str,
) -> oauth_core::Result<Token> {
    let server = MockServer::start_async().await;
    let (content_type, body) = (content_type.to_owned(), body.to_owned());
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST).path(TOKEN_PATH);
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        })
        .await;
    let result = public(&server)
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await;
    mock.assert_async().await;
    result
}

async fn refresh_json(status: u16, body: serde_json::Value) -> oauth_core::Result<Token> {
    refresh_answered(status, JSON, &body.to_string()).await
}

fn assert_today_token(token: &Token) {
    assert_eq!(token.access_token().secret(), ACCESS);
    assert_eq!(token.refresh_token().unwrap().secret(), REFRESH);
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert_eq!(token.received_at(), t0());
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(1800)));
    assert_eq!(token.scopes(), ["BOOKING_READ", "PROFILE_READ"]);
    assert_eq!(token.refresh_token_expires_at(), None);
}

// ---------------------------------------------------------------------------------------------
// (a) The authorization URL.
// ---------------------------------------------------------------------------------------------

#[test]
fn authorization_url_is_on_the_web_app_with_pkce_s256_state_and_space_separated_scopes() {
    let client = CalcomOAuth2Client::builder(PUBLIC_ID).build().unwrap();
    let params = AuthorizeParams::new(CB)
        .scope("BOOKING_READ")
        .scope("EVENT_TYPE_WRITE");
    let request = client.authorization_request(&params);
    let url = request.url();
    assert_eq!(
        url.as_str().split('?').next(),
        Some("https://app.cal.com/auth/oauth2/authorize")
    );
    let names: Vec<_> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(
        names,
        [
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "code_challenge",
            "code_challenge_method",
            "state"
        ]
    );
    // Each one is a parameter the spec declares for the page.
    let declared = calcom_oauth::generated::pages::O_AUTH2_AUTHORIZE_PAGE_QUERY;
    for name in &names {
        assert!(
            declared.contains(&name.as_str()),
            "{name} not in {declared:?}"
        );
    }
    let query: BTreeMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], PUBLIC_ID);
    assert_eq!(query["redirect_uri"], CB);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["scope"], "BOOKING_READ EVENT_TYPE_WRITE");
    assert!(url.as_str().contains("scope=BOOKING_READ+EVENT_TYPE_WRITE"));
    assert_eq!(query["code_challenge_method"], "S256");
    let verifier = request.pkce_verifier().expect("PKCE always");
    // S256 of the kept verifier (oauth-core's S256 is checked against RFC 7636's vector).
    let challenge = Pkce::from_verifier(verifier.clone());
    assert_eq!(query["code_challenge"], challenge.challenge());
    assert_eq!(query["state"], request.state().secret());
    assert_eq!(request.redirect_uri(), Some(CB));
}

#[test]
fn a_confidential_client_sends_pkce_too_and_no_scope_when_none_is_asked() {
    let client = CalcomOAuth2Client::builder(CONFIDENTIAL_ID)
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .app_url("https://cal.example.org/")
        .build()
        .unwrap();
    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let url = request.url();
    assert!(
        url.as_str().starts_with(
            "https://cal.example.org/auth/oauth2/authorize?client_id=cal-oauth2-conf&"
        ),
        "{url}"
    );
    let query: BTreeMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(!query.contains_key("scope"));
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(request.pkce_verifier().is_some());
    assert_no_secrets(url.as_str(), &[RESERVED_SECRET, SECRET_FORM]);
}

#[test]
fn the_redirect_back_gives_a_grant_with_verifier_and_redirect_uri() {
    let client = CalcomOAuth2Client::builder(PUBLIC_ID).build().unwrap();
    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let state = request.state().secret().to_owned();
    let verifier = request.pkce_verifier().unwrap().secret().to_owned();
    // Cal.com appends its parameters to a redirect URI that has a query of its own.
    let grant = request
        .verify_redirect(&format!("{CB}&code={CODE}&state={state}"))
        .unwrap();
    assert_eq!(grant.code.secret(), CODE);
    assert_eq!(grant.pkce_verifier.unwrap().secret(), verifier);
    assert_eq!(grant.redirect_uri.as_deref(), Some(CB));

    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let state = request.state().secret().to_owned();
    let e = request
        .verify_redirect(&format!("{CB}&error=access_denied&state={state}"))
        .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::AccessDenied));
}

// ---------------------------------------------------------------------------------------------
// (b) The token endpoint on the wire.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn generated_token_operation_posts_the_form() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TOKEN_PATH)
                .header("content-type", FORM)
                .body(format!(
                    "client_id={PUBLIC_ID}&grant_type=refresh_token&refresh_token={REFRESH}"
                ));
            then.status(200).json_body(bare());
        })
        .await;
    let body = types::OAuth2TokenRequest {
        grant_type: types::OAuth2GrantType::RefreshToken,
        client_id: PUBLIC_ID.into(),
        client_secret: None,
        code: None,
        redirect_uri: None,
        code_verifier: None,
        refresh_token: Some(RefreshToken::new(REFRESH)),
    };
    let response = public(&server)
        .generated()
        .o_auth2_controller_token(&body)
        .await
        .unwrap();
    mock.assert_async().await;
    let answer = response.into_inner();
    assert_eq!(answer.access_token.unwrap().secret(), ACCESS);
    assert_eq!(answer.expires_in.map(|s| s.0), Some(1800));
}

#[tokio::test]
async fn public_exchange_sends_id_code_verifier_and_redirect_uri_in_the_form_and_no_secret() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TOKEN_PATH)
                .header("content-type", FORM)
                .header("accept", JSON)
                .header_prefix("user-agent", "calcom-oauth/")
                .header_missing("authorization")
                .header_missing("x-cal-secret-key")
                .header_missing("cookie")
                .header_missing("api-version")
                .query_param_count(".*", ".*", 0)
                .body(format!(
                    "client_id={PUBLIC_ID}&code={CODE}&code_verifier={VERIFIER}\
                     &grant_type=authorization_code&redirect_uri={CB_FORM}"
                ));
            then.status(200).json_body(bare());
        })
        .await;
    let token = public(&server).exchange_code(&grant()).await.unwrap();
    mock.assert_async().await;
    assert_today_token(&token);
}

#[tokio::test]
async fn confidential_exchange_adds_the_form_encoded_secret_to_the_body_only() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TOKEN_PATH)
                .header("content-type", FORM)
                .header_missing("authorization")
                .header_missing("x-cal-secret-key")
                .query_param_count(".*", ".*", 0)
                .body(format!(
                    "client_id={CONFIDENTIAL_ID}&client_secret={SECRET_FORM}&code={CODE}\
                     &code_verifier={VERIFIER}&grant_type=authorization_code\
                     &redirect_uri={CB_FORM}"
                ));
            then.status(200).json_body(bare());
        })
        .await;
    let token = confidential(&server).exchange_code(&grant()).await.unwrap();
    mock.assert_async().await;
    assert_today_token(&token);
}

#[tokio::test]
async fn confidential_exchange_of_a_code_without_pkce_sends_no_verifier() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(TOKEN_PATH).body(format!(
                "client_id={CONFIDENTIAL_ID}&client_secret={SECRET_FORM}&code={CODE}\
                 &grant_type=authorization_code&redirect_uri={CB_FORM}"
            ));
            then.status(200).json_body(bare());
        })
        .await;
    let grant = AuthorizationGrant {
        pkce_verifier: None,
        ..grant()
    };
    confidential(&server).exchange_code(&grant).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn public_refresh_sends_exactly_id_grant_type_and_refresh_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TOKEN_PATH)
                .header("content-type", FORM)
                .header_missing("authorization")
                .header_missing("x-cal-secret-key")
                .query_param_count(".*", ".*", 0)
                .body(format!(
                    "client_id={PUBLIC_ID}&grant_type=refresh_token&refresh_token={OLD_REFRESH}"
                ));
            then.status(200).json_body(bare());
        })
        .await;
    let token = public(&server)
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_today_token(&token);
}

#[tokio::test]
async fn confidential_refresh_adds_the_secret_to_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TOKEN_PATH)
                .header("content-type", FORM)
                .header_missing("authorization")
                .body(format!(
                    "client_id={CONFIDENTIAL_ID}&client_secret={SECRET_FORM}\
                     &grant_type=refresh_token&refresh_token={OLD_REFRESH}"
                ));
            then.status(200).json_body(bare());
        })
        .await;
    confidential(&server)
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn grants_cal_com_would_refuse_fail_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(bare());
        })
        .await;
    // No redirect URI: Cal.com requires it at the token endpoint.
    let no_redirect = AuthorizationGrant::from_code(AuthorizationCode::new(CODE));
    for client in [public(&server), confidential(&server)] {
        let e = client.exchange_code(&no_redirect).await.unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.contains("redirect URI")),
            "{e:?}"
        );
    }
    // A public client without the PKCE verifier.
    let no_verifier = AuthorizationGrant {
        pkce_verifier: None,
        ..grant()
    };
    let e = public(&server)
        .exchange_code(&no_verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("PKCE verifier")),
        "{e:?}"
    );
    assert_no_secrets(&format!("{e}"), &[CODE]);
    mock.assert_calls_async(0).await;
}

// ---------------------------------------------------------------------------------------------
// (c) Decoding every shape of success answer.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_version_shape_gives_the_same_token() {
    let camel = json!({
        "accessToken": ACCESS,
        "tokenType": "bearer",
        "refreshToken": REFRESH,
        "expiresIn": 1800,
        "scope": "BOOKING_READ PROFILE_READ"
    });
    for (name, body) in [
        ("today: bare snake_case", bare()),
        (
            "envelope with snake_case data (e2e spec @26e194db)",
            json!({"status": "success", "data": bare()}),
        ),
        (
            "envelope with camelCase data (e2e spec @0078a16e)",
            json!({"status": "success", "data": camel.clone()}),
        ),
        ("bare camelCase", camel.clone()),
    ] {
        let token = refresh_json(200, body).await.unwrap();
        assert_today_token(&token);
        assert!(
            !token.extra().contains_key("accessToken")
                && !token.extra().contains_key("refreshToken")
                && !token.extra().contains_key("expiresIn"),
            "{name}: camelCase fields are consumed, not kept twice"
        );
    }
}

#[tokio::test]
async fn unknown_fields_are_kept_and_numbers_read_leniently() {
    let token = refresh_json(
        200,
        json!({
            "status": "success",
            "data": {"accessToken": ACCESS, "refreshToken": REFRESH, "expiresIn": "900",
                     "tokenType": "Bearer", "teamId": 7},
            "requestId": "r-1"
        }),
    )
    .await
    .unwrap();
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(900)));
    assert_eq!(token.extra()["teamId"], 7);
    assert_eq!(token.extra()["requestId"], "r-1");
    assert!(!token.extra().contains_key("status"));
}

#[tokio::test]
async fn without_expires_in_the_access_token_lasts_cal_coms_thirty_minutes() {
    let token = refresh_json(
        200,
        json!({"access_token": ACCESS, "refresh_token": REFRESH}),
    )
    .await
    .unwrap();
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(1800)));
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert!(token.scopes().is_empty());
}

#[tokio::test]
async fn snake_case_wins_over_camel_case_in_the_same_object() {
    let token = refresh_json(
        200,
        json!({"data": {"access_token": ACCESS, "accessToken": "cal-o2-other", "refresh_token": REFRESH}}),
    )
    .await
    .unwrap();
    assert_eq!(token.access_token().secret(), ACCESS);
}

#[tokio::test]
async fn a_lifetime_no_clock_can_hold_is_capped_not_a_panic() {
    let token = refresh_json(200, json!({"access_token": ACCESS, "expires_in": u64::MAX}))
        .await
        .unwrap();
    assert_eq!(
        token.expires_at(),
        Some(token.received_at() + oauth_core::runtime::time::MAX_LIFETIME)
    );
}

#[tokio::test]
async fn an_answer_without_an_access_token_names_the_field() {
    for (body, path) in [
        (json!({"refresh_token": REFRESH}), "access_token"),
        (
            json!({"status": "success", "data": {"refreshToken": REFRESH}}),
            "data.access_token",
        ),
    ] {
        let e = refresh_json(200, body).await.unwrap_err();
        let d = decode_error(&e);
        assert_eq!(d.status, Some(200));
        assert_eq!(d.path, path);
        assert_no_secrets(&format!("{e} {e:?}"), &[REFRESH]);
    }
}

#[tokio::test]
async fn wrong_types_name_the_field_without_its_value() {
    for (body, path) in [
        (
            json!({"data": {"accessToken": 12345678, "refreshToken": REFRESH}}),
            "data.accessToken",
        ),
        (
            json!({"accessToken": ACCESS, "refreshToken": ["cal-o2-arr-1"]}),
            "refreshToken",
        ),
    ] {
        let e = refresh_json(200, body).await.unwrap_err();
        let d = decode_error(&e);
        assert_eq!(d.path, path);
        assert_no_secrets(&format!("{e} {e:?}"), &[ACCESS, "12345678", "cal-o2-arr-1"]);
    }
    let e = refresh_json(200, json!({"access_token": ACCESS, "expires_in": "soon"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    assert_no_secrets(&format!("{e} {e:?}"), &[ACCESS]);
}

#[tokio::test]
async fn truncated_or_non_json_200s_are_decode_errors() {
    for body in [r#"{"access_token":"cal-o2-acc"#, "<html>ok</html>", ""] {
        let e = refresh_answered(200, JSON, body).await.unwrap_err();
        assert_eq!(decode_error(&e).status, Some(200), "{body}");
        assert_no_secrets(&format!("{e} {e:?}"), &["cal-o2-acc"]);
    }
}

// ---------------------------------------------------------------------------------------------
// (d) Errors in either shape.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc_6749_errors_of_todays_server_carry_their_code_and_reason() {
    for (status, error, reason, code) in [
        (
            400,
            "invalid_grant",
            "refresh_token_revoked",
            ErrorCode::InvalidGrant,
        ),
        (
            400,
            "invalid_grant",
            "code_invalid_or_expired",
            ErrorCode::InvalidGrant,
        ),
        (
            400,
            "invalid_request",
            "client_id is required",
            ErrorCode::InvalidRequest,
        ),
        (
            401,
            "invalid_client",
            "invalid_client_credentials",
            ErrorCode::InvalidClient,
        ),
        (
            401,
            "unauthorized_client",
            "client_not_approved",
            ErrorCode::UnauthorizedClient,
        ),
        (
            400,
            "unsupported_grant_type",
            "unsupported_grant_type",
            ErrorCode::UnsupportedGrantType,
        ),
    ] {
        let e = refresh_json(status, json!({"error": error, "error_description": reason}))
            .await
            .unwrap_err();
        let s = server_error(&e);
        assert_eq!(s.status, status);
        assert_eq!(s.code.as_ref(), Some(&code), "{error}");
        assert_eq!(s.description.as_deref(), Some(reason));
        assert!(s.details.is_empty());
        assert_eq!(e.is_permanent(), code.refuses_grant(), "{error}");
        assert_no_secrets(&format!("{e} {e:?}"), &[OLD_REFRESH]);
    }
}

#[tokio::test]
async fn a_500_server_error_is_transient() {
    let e = refresh_json(
        500,
        json!({"error": "server_error", "error_description": "An unexpected error occurred"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::ServerError));
    assert!(e.is_transient() && !e.is_permanent());
}

#[tokio::test]
async fn envelope_errors_of_older_servers_carry_the_code_from_their_message() {
    let body = json!({
        "status": "error",
        "timestamp": "2027-01-15T08:00:00.000Z",
        "path": "/v2/auth/oauth2/token",
        "error": {"code": "BadRequestException", "message": "invalid_grant",
                  "details": {"refresh_token": OLD_REFRESH}}
    });
    let e = refresh_json(400, body).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(s.code, Some(ErrorCode::InvalidGrant));
    assert_eq!(
        s.details,
        [ErrorDetail::new(
            Some("BadRequestException".into()),
            Some("invalid_grant".into()),
            None
        )]
    );
    assert!(e.is_permanent());
    // `details` can echo the request: dropped.
    assert_no_secrets(&format!("{e} {e:?}"), &[OLD_REFRESH]);

    // The platform endpoints' fixed refusal sentence stands for `invalid_grant`...
    let body = json!({"status": "error", "error": {"code": "UnauthorizedException",
                      "message": "Invalid Refresh Token"}});
    let e = refresh_json(401, body).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.code, Some(ErrorCode::InvalidGrant));
    assert_eq!(s.description.as_deref(), Some("Invalid Refresh Token"));
    assert!(e.is_permanent());
    // ...any other sentence is no RFC 6749 code, and no refusal.
    let body = json!({"status": "error", "error": {"code": "UnauthorizedException",
                      "message": "Unauthorized"}});
    let e = refresh_json(401, body).await.unwrap_err();
    assert_eq!(server_error(&e).code, None);
    assert!(!e.is_permanent());
}

#[tokio::test]
async fn an_error_inside_a_200_is_a_server_error_in_either_shape() {
    for body in [
        json!({"status": "error", "error": {"code": "BadRequestException", "message": "invalid_grant"}}),
        json!({"error": "invalid_grant", "error_description": "refresh_token_revoked"}),
    ] {
        let e = refresh_json(200, body.clone()).await.unwrap_err();
        let s = server_error(&e);
        assert_eq!(s.status, 200, "{body}");
        assert_eq!(s.code, Some(ErrorCode::InvalidGrant), "{body}");
    }
}

#[tokio::test]
async fn error_bodies_of_other_shapes_keep_their_status() {
    for (status, ctype, body) in [
        (
            400,
            JSON,
            r#"{"statusCode":400,"message":["x"],"error":"Bad Request"}"#,
        ),
        (502, "text/html", "<html><h1>502 Bad Gateway</h1></html>"),
        (400, JSON, r#"{"error": 42}"#),
    ] {
        let e = refresh_answered(status, ctype, body).await.unwrap_err();
        let s = server_error(&e);
        assert_eq!(s.status, status, "{body}");
        assert_eq!(s.code, None, "{body}");
    }
}

#[tokio::test]
async fn a_429_carries_retry_after_and_is_transient() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(TOKEN_PATH);
            then.status(429)
                .header("retry-after", "7")
                .json_body(json!({"error": "temporarily_unavailable"}));
        })
        .await;
    let e = public(&server)
        .refresh(&RefreshToken::new(OLD_REFRESH))
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_not_followed() {
    let server = MockServer::start_async().await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/elsewhere");
            then.status(200).json_body(bare());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(TOKEN_PATH);
            then.status(307).header("location", "/elsewhere");
        })
        .await;
    let e = confidential(&server)
        .exchange_code(&grant())
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::UnexpectedRedirect { status: 307 }),
        "{e:?}"
    );
    elsewhere.assert_calls_async(0).await;
}

// ---------------------------------------------------------------------------------------------
// (e) Configuration and redaction.
// ---------------------------------------------------------------------------------------------

#[test]
fn configuration_is_checked_at_build() {
    let e = CalcomOAuth2Client::builder("").build().unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let e = CalcomOAuth2Client::builder(PUBLIC_ID)
        .client_secret(ClientSecret::new(""))
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("secret")),
        "{e:?}"
    );
    for url in ["http://cal.example.org", "ftp://cal.example.org"] {
        let e = CalcomOAuth2Client::builder(PUBLIC_ID)
            .app_url(url)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{url}");
        let e = CalcomOAuth2Client::builder(PUBLIC_ID)
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{url}");
    }
    let client = CalcomOAuth2Client::builder(PUBLIC_ID)
        .app_url("http://127.0.0.1:3000")
        .build()
        .unwrap();
    assert_eq!(client.kind(), ClientKind::Public);
    assert_eq!(client.client_id(), PUBLIC_ID);
    assert_eq!(CalcomOAuth2Client::NAME, "calcom-oauth2");
}

#[test]
fn debug_output_redacts_the_secret() {
    let builder = CalcomOAuth2Client::builder(CONFIDENTIAL_ID)
        .client_secret(ClientSecret::new(RESERVED_SECRET));
    let text = format!("{builder:?}");
    let client = builder.build().unwrap();
    assert_eq!(client.kind(), ClientKind::Confidential);
    let text = format!("{text} {client:?}");
    assert!(
        text.contains(CONFIDENTIAL_ID) && text.contains("https://app.cal.com"),
        "{text}"
    );
    assert_no_secrets(&text, &[RESERVED_SECRET, SECRET_FORM]);
}
