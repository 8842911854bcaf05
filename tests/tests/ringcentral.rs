//! RingCentral: every operation on the wire, decoding of real answers, and redaction.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use oauth_core::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientSecret,
    Error, JwtAssertion, JwtBearerGrant, ManualClock, PkceVerifier, RefreshToken,
    RefreshTokenGrant, Token, TokenRevocation,
};
use ringcentral_oauth::{AuthorizeParams, RingCentralClient, TokenOptions, types};
use serde_json::json;

const SECRET: &str = "p@ss:w/rd+%&= ~!";
const FORM: &str = "application/x-www-form-urlencoded";

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn confidential(server: &MockServer) -> RingCentralClient {
    RingCentralClient::builder("rc id")
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url())
        .clock(Arc::new(ManualClock::new(t0())))
        .build()
        .unwrap()
}

fn public(server: &MockServer) -> RingCentralClient {
    RingCentralClient::builder("rc-public")
        .base_url(server.base_url())
        .clock(Arc::new(ManualClock::new(t0())))
        .build()
        .unwrap()
}

/// RFC 6749 §2.3.1: each part form-encoded, then joined and base64-encoded.
fn expected_basic() -> String {
    let pair = "rc+id:p%40ss%3Aw%2Frd%2B%25%26%3D+%7E%21";
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn token_body() -> serde_json::Value {
    json!({
        "access_token": "rc-access-1",
        "token_type": "bearer",
        "expires_in": 3600,
        "refresh_token": "rc-refresh-1",
        "refresh_token_expires_in": 604800,
        "scope": "ReadAccounts CallControl",
        "owner_id": "256440016",
        "endpoint_id": "8zXq6oaLT7WvwWITlGiA1A",
        "some_future_field": {"x": 1}
    })
}

fn grant() -> AuthorizationGrant {
    AuthorizationGrant {
        code: AuthorizationCode::new("rc-code-1"),
        pkce_verifier: Some(PkceVerifier::new("rc-verifier-1")),
        redirect_uri: Some("https://app.example/cb".into()),
    }
}

#[tokio::test]
async fn exchange_code_confidential_uses_basic_and_exact_form() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .header("content-type", FORM)
                .header("authorization", expected_basic())
                .header_missing("api-version")
                .body(
                    "code=rc-code-1&code_verifier=rc-verifier-1&grant_type=authorization_code\
                     &redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
                );
            then.status(200).json_body(token_body());
        })
        .await;
    let token = confidential(&server).exchange_code(&grant()).await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "rc-access-1");
    assert_eq!(token.refresh_token().unwrap().secret(), "rc-refresh-1");
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(3600)));
    assert_eq!(
        token.refresh_token_expires_at(),
        Some(t0() + Duration::from_secs(604_800))
    );
    assert_eq!(token.scopes(), ["ReadAccounts", "CallControl"]);
    assert_eq!(token.extra()["owner_id"], "256440016");
    assert_eq!(token.extra()["some_future_field"]["x"], 1);
    assert!(!token.extra().contains_key("session_id"));
}

#[tokio::test]
async fn public_client_sends_client_id_in_body_and_no_authorization() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .header_missing("authorization")
                .form_urlencoded_tuple("client_id", "rc-public")
                .form_urlencoded_tuple("grant_type", "refresh_token")
                .form_urlencoded_tuple("refresh_token", "rc-refresh-0");
            then.status(200).json_body(token_body());
        })
        .await;
    public(&server)
        .refresh(&RefreshToken::new("rc-refresh-0"))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn refresh_sends_ttl_options_only_when_set() {
    let server = MockServer::start_async().await;
    let with = server
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token").body(
                "access_token_ttl=600&endpoint_id=ep-1&grant_type=refresh_token\
                 &refresh_token=rc-refresh-0&refresh_token_ttl=86400",
            );
            then.status(200).json_body(token_body());
        })
        .await;
    let client = RingCentralClient::builder("rc id")
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url())
        .token_options({
            let mut options = TokenOptions::default();
            options.access_token_ttl = Some(600);
            options.refresh_token_ttl = Some(86_400);
            options.endpoint_id = Some("ep-1".into());
            options
        })
        .build()
        .unwrap();
    client
        .refresh(&RefreshToken::new("rc-refresh-0"))
        .await
        .unwrap();
    with.assert_async().await;

    let server = MockServer::start_async().await;
    let without = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .body("grant_type=refresh_token&refresh_token=rc-refresh-0");
            then.status(200).json_body(token_body());
        })
        .await;
    confidential(&server)
        .refresh(&RefreshToken::new("rc-refresh-0"))
        .await
        .unwrap();
    without.assert_async().await;
}

#[tokio::test]
async fn jwt_bearer_grant() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .header("authorization", expected_basic())
                .body("assertion=eyJ.jwt.sig&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
            then.status(200).json_body(token_body());
        })
        .await;
    confidential(&server)
        .jwt_bearer(&JwtAssertion::new("eyJ.jwt.sig"))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn revoke_sends_the_refresh_token_in_the_body_never_the_query() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/revoke")
                .header("content-type", FORM)
                .header("authorization", expected_basic())
                .query_param_missing("token")
                .body("token=rc-refresh-1");
            then.status(200);
        })
        .await;
    let token = Token::new(AccessToken::new("rc-access-1"), t0())
        .with_refresh_token(Some(RefreshToken::new("rc-refresh-1")));
    confidential(&server).revoke(&token).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn authorization_url_has_pkce_s256_state_and_every_parameter() {
    let server = MockServer::start_async().await;
    let client = confidential(&server);
    let mut params = AuthorizeParams::new("https://app.example/cb");
    params.scope = Some("ReadAccounts".into());
    params.display = Some(types::DisplayModes::Popup);
    params.prompt = Some("login consent".into());
    params.ui_locales = Some("en-US".into());
    params.locale_id = Some("en-GB".into());
    params.nonce = Some("n-1".into());
    params.ui_options = Some("hide_logo".into());
    params.login_hint = Some("alice@example.com".into());
    params.brand_id = Some("1210".into());
    let request = client.authorization_request(&params);
    let url = request.url().clone();
    assert_eq!(url.path(), "/restapi/oauth/authorize");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    for (k, v) in [
        ("client_id", "rc id"),
        ("response_type", "code"),
        ("redirect_uri", "https://app.example/cb"),
        ("scope", "ReadAccounts"),
        ("display", "popup"),
        ("prompt", "login consent"),
        ("ui_locales", "en-US"),
        ("locale_id", "en-GB"),
        ("code_challenge_method", "S256"),
        ("nonce", "n-1"),
        ("ui_options", "hide_logo"),
        ("login_hint", "alice@example.com"),
        ("brand_id", "1210"),
    ] {
        assert_eq!(q.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["state"], request.state().secret());
    let verifier = request.pkce_verifier().unwrap().clone();
    assert_eq!(
        oauth_core::Pkce::from_verifier(verifier).challenge(),
        q["code_challenge"]
    );

    // The same URL reaches the generated GET operation as the spec describes it.
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restapi/oauth/authorize")
                .query_param("client_id", "rc id")
                .query_param("response_type", "code")
                .query_param("code_challenge_method", "S256");
            then.status(302)
                .header("location", "https://login.example/form");
        })
        .await;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    mock.assert_async().await;
}

#[tokio::test]
async fn generated_authorize_get_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restapi/oauth/authorize")
                .query_param("client_id", "cid")
                .query_param("response_type", "code")
                .query_param("code_challenge_method", "S256")
                .query_param("display", "page");
            then.status(302)
                .header("location", "https://login.example/form");
        })
        .await;
    let client = confidential(&server);
    let result = client
        .generated()
        .authorize(
            None,
            "cid",
            Some("challenge"),
            Some(types::CodeChallengeMethod::S256),
            Some(types::DisplayModes::Page),
            None,
            None,
            None,
            None,
            None,
            types::AuthorizeResponseType::Code,
            None,
            None,
            None,
            None,
        )
        .await;
    mock.assert_async().await;
    oauth_sdk_tests::assert_unfollowed_redirect(result, "https://login.example/form");
}

#[tokio::test]
async fn authorize_with_post_sends_a_form_and_returns_the_location() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/authorize")
                .header("content-type", FORM)
                .form_urlencoded_tuple("client_id", "rc id")
                .form_urlencoded_tuple("response_type", "code")
                .form_urlencoded_tuple("redirect_uri", "https://app.example/cb")
                .form_urlencoded_tuple("code_challenge_method", "S256")
                .form_urlencoded_tuple_exists("code_challenge")
                .form_urlencoded_tuple_exists("state");
            then.status(302).header("location", "/login?session=abc");
        })
        .await;
    let (request, location) = confidential(&server)
        .authorize_with_post(&AuthorizeParams::new("https://app.example/cb"))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(location.path(), "/login");
    assert!(request.pkce_verifier().is_some());
}

#[tokio::test]
async fn lenient_token_fields() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(200).json_body(json!({
                "access_token": "rc-access-2",
                "expires_in": "7199",
                "token_type": "BEARER"
            }));
        })
        .await;
    let token = confidential(&server)
        .refresh(&RefreshToken::new("r"))
        .await
        .unwrap();
    assert_eq!(token.expires_at(), Some(t0() + Duration::from_secs(7199)));
    assert_eq!(token.token_type(), &oauth_core::TokenType::Bearer);
    assert!(token.refresh_token().is_none());
    assert!(token.scopes().is_empty());
}

async fn refresh_answer(status: u16, body: &str, content_type: &str) -> Error {
    let server = MockServer::start_async().await;
    let (body, content_type) = (body.to_owned(), content_type.to_owned());
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(status)
                .header("content-type", content_type)
                .header("retry-after", "7")
                .body(body);
        })
        .await;
    confidential(&server)
        .refresh(&RefreshToken::new("rc-refresh-x"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn ringcentral_error_shape_is_typed() {
    let e = refresh_answer(
        400,
        r#"{"error":"invalid_grant","error_description":"Token is revoked",
            "errors":[{"errorCode":"OAU-211","message":"Token is revoked","parameterName":"refresh_token","parameterValue":"rc-refresh-x"}]}"#,
        "application/json",
    )
    .await;
    match &e {
        Error::Server(s) => {
            assert_eq!(s.status, 400);
            assert_eq!(s.code, Some(oauth_core::ErrorCode::InvalidGrant));
            assert_eq!(s.description.as_deref(), Some("Token is revoked"));
            assert_eq!(s.details[0].code.as_deref(), Some("OAU-211"));
            assert_eq!(s.details[0].target.as_deref(), Some("refresh_token"));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_permanent());
    assert!(!format!("{e:?}{e}").contains("rc-refresh-x"));
    // `errors` and `error_description` may each be absent.
    let e = refresh_answer(400, r#"{"error":"invalid_request"}"#, "application/json").await;
    assert_eq!(e.oauth_code(), Some(&oauth_core::ErrorCode::InvalidRequest));
}

#[tokio::test]
async fn an_oau_refusal_code_without_an_error_field_refuses_the_grant() {
    for (status, code, expected) in [
        (400, "OAU-211", oauth_core::ErrorCode::InvalidGrant),
        (401, "OAU-213", oauth_core::ErrorCode::InvalidGrant),
        (401, "OAU-123", oauth_core::ErrorCode::InvalidClient),
        (403, "OAU-112", oauth_core::ErrorCode::UnauthorizedClient),
    ] {
        let body = format!(r#"{{"errors":[{{"errorCode":"{code}","message":"refused"}}]}}"#);
        let e = refresh_answer(status, &body, "application/json").await;
        assert_eq!(e.oauth_code(), Some(&expected), "{code}");
        assert!(e.is_permanent(), "{code}");
    }
    // An `error` field, when present, is what counts.
    let e = refresh_answer(
        400,
        r#"{"error":"invalid_request","errors":[{"errorCode":"OAU-211"}]}"#,
        "application/json",
    )
    .await;
    assert_eq!(e.oauth_code(), Some(&oauth_core::ErrorCode::InvalidRequest));
    assert!(!e.is_permanent());
    // Another `OAU-` code (a rate or a request problem) is no refusal.
    let e = refresh_answer(
        400,
        r#"{"errors":[{"errorCode":"OAU-101"}]}"#,
        "application/json",
    )
    .await;
    assert_eq!(e.oauth_code(), None);
    assert!(!e.is_permanent());
}

#[tokio::test]
async fn malformed_answers_are_clear_errors() {
    let html = refresh_answer(502, "<html><body>Bad gateway</body></html>", "text/html").await;
    assert_eq!(html.status(), Some(502));
    assert!(html.is_transient());

    // JSON, but not RingCentral's error shape (`errorCode` a number): still the typed status.
    let odd = refresh_answer(401, r#"{"errors":[{"errorCode":401}]}"#, "application/json").await;
    assert!(
        matches!(&odd, Error::Server(s) if s.status == 401),
        "{odd:?}"
    );
    // No RFC 6749 code and no known `OAU-` code: not the grant's refusal.
    assert!(!odd.is_permanent());

    let limited = refresh_answer(
        429,
        r#"{"errors":[{"errorCode":"CMN-301","message":"Request rate exceeded"}]}"#,
        "application/json",
    )
    .await;
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
    assert!(limited.is_transient());

    let truncated = refresh_answer(200, r#"{"access_token":"rc-acc"#, "application/json").await;
    assert!(
        matches!(&truncated, Error::Decode(d) if d.problem.contains("truncated")),
        "{truncated:?}"
    );
    assert!(!truncated.to_string().contains("rc-acc"));

    let empty = refresh_answer(200, "", "application/json").await;
    assert!(
        matches!(&empty, Error::Decode(d) if d.problem.contains("empty")),
        "{empty:?}"
    );

    let wrong = refresh_answer(
        200,
        r#"{"access_token":"rc-acc","expires_in":"soon"}"#,
        "application/json",
    )
    .await;
    assert!(
        matches!(&wrong, Error::Decode(d) if d.path == "expires_in"),
        "{wrong:?}"
    );

    let error_in_200 =
        refresh_answer(200, r#"{"error":"invalid_grant"}"#, "application/json").await;
    assert_eq!(
        error_in_200.oauth_code(),
        Some(&oauth_core::ErrorCode::InvalidGrant)
    );
}

#[tokio::test]
async fn redirects_on_token_calls_are_not_followed() {
    let server = MockServer::start_async().await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/elsewhere");
            then.status(200).json_body(token_body());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(307).header("location", "/elsewhere");
        })
        .await;
    let e = confidential(&server)
        .refresh(&RefreshToken::new("r"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::UnexpectedRedirect { status: 307 }),
        "{e:?}"
    );
    assert_eq!(elsewhere.calls_async().await, 0);
}

#[tokio::test]
async fn sends_a_user_agent_naming_the_crate() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                // Every workspace crate shares one version (`version.workspace`), so this
                // package's version is the provider crate's.
                .header(
                    "user-agent",
                    concat!("ringcentral-oauth/", env!("CARGO_PKG_VERSION")),
                );
            then.status(200).json_body(token_body());
        })
        .await;
    confidential(&server)
        .refresh(&RefreshToken::new("r"))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[test]
fn configuration_is_checked() {
    for bad in ["http://platform.example.com", "ftp://x"] {
        let e = RingCentralClient::builder("id")
            .base_url(bad)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad}");
    }
    let e = RingCentralClient::builder("id")
        .token_options({
            let mut options = TokenOptions::default();
            options.access_token_ttl = Some(60);
            options
        })
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let server = MockServer::start_async().await;
    let client = confidential(&server);
    let request = client.authorization_request(&AuthorizeParams::new("https://app.example/cb"));
    let token = Token::new(AccessToken::new("rc-access-1"), t0())
        .with_refresh_token(Some(RefreshToken::new("rc-refresh-1")));
    let state = request.state().secret().to_owned();
    let verifier = request.pkce_verifier().unwrap().secret().to_owned();
    let text = format!(
        "{client:?} {request:?} {token:?} {:?} {:?}",
        grant(),
        RingCentralClient::builder("x").client_secret(ClientSecret::new(SECRET))
    );
    for secret in [
        SECRET,
        "rc-access-1",
        "rc-refresh-1",
        "rc-code-1",
        "rc-verifier-1",
        &state,
        &verifier,
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn the_parameter_name_is_read_from_the_parameters_list() {
    let e = refresh_answer(
        400,
        r#"{"error":"invalid_grant","errors":[
            {"errorCode":"OAU-101","message":"Parameter [refresh_token] is invalid",
             "parameters":[{"parameterName":"refresh_token","parameterValue":"rc-refresh-x"}]},
            {"errorCode":"OAU-102","message":"Two are missing",
             "parameters":[{"parameterName":"client_id"},{"parameterName":""},
                           {"parameterName":"grant_type","parameterValue":"rc-refresh-x"},
                           {"parameterName":"client_id"}]},
            {"errorCode":"OAU-103","message":"Both places","parameterName":"scope",
             "parameters":[{"parameterName":"scope"},{"parameterName":"endpoint_id"}]},
            {"errorCode":"OAU-104","message":"None named","parameters":[{"parameterValue":"v"}]}]}"#,
        "application/json",
    )
    .await;
    let Error::Server(s) = &e else {
        panic!("{e:?}");
    };
    let targets: Vec<_> = s.details.iter().map(|d| d.target.as_deref()).collect();
    assert_eq!(
        targets,
        [
            Some("refresh_token"),
            Some("client_id, grant_type"),
            Some("scope, endpoint_id"),
            None
        ]
    );
    let text = format!("{e} {e:?}");
    assert!(text.contains("(parameter `refresh_token`)"), "{text}");
    assert!(!text.contains("rc-refresh-x"), "{text}");
}

proptest::proptest! {
    /// Whatever names and values an entry lists, every name is the target (once, in order)
    /// and no value is ever shown.
    #[test]
    fn every_parameter_name_and_no_value_is_kept(
        params in proptest::collection::vec(("[a-z_]{0,6}", "Val[a-zA-Z0-9]{4}"), 0..5),
        top in proptest::option::of("[a-z_]{1,6}"),
    ) {
        use oauth_core::runtime::response::ErrorBody;
        let listed: Vec<_> = params
            .iter()
            .map(|(n, v)| json!({"parameterName": n, "parameterValue": v}))
            .collect();
        let mut entry = json!({"errorCode": "OAU-101", "parameters": listed});
        if let Some(top) = &top {
            entry["parameterName"] = json!(top);
        }
        let body: types::ErrorResponse =
            serde_json::from_value(json!({"errors": [entry]})).unwrap();
        let e = body.into_server_error(400);
        let mut expected: Vec<&str> = Vec::new();
        for name in top.iter().map(String::as_str).chain(params.iter().map(|(n, _)| n.as_str())) {
            if !name.is_empty() && !expected.contains(&name) {
                expected.push(name);
            }
        }
        let expected = (!expected.is_empty()).then(|| expected.join(", "));
        proptest::prop_assert_eq!(e.details[0].target.clone(), expected);
        let text = format!("{e} {e:?}");
        for (_, value) in &params {
            proptest::prop_assert!(!text.contains(value.as_str()), "{}", text);
        }
    }
}

/// The exchange's future is part of every caller's future and, with many exchanges in flight,
/// of the working set: it holds no copy of the request, of what scrubbing needs or of the error
/// path's state (2.5 KB before they were taken out, 816 bytes after; raw reqwest's is 720).
#[test]
fn the_exchange_future_stays_small() {
    let server = MockServer::start();
    let client = confidential(&server);
    let grant = grant();
    let size = std::mem::size_of_val(&client.exchange_code(&grant));
    assert!(size <= 1024, "the code exchange's future is {size} bytes");
}
