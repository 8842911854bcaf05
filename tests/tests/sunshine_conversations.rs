//! Sunshine Conversations: every operation on the wire, decoding of real answers, and
//! redaction.

use std::time::Duration;

use httpmock::Method::{DELETE, GET, POST};
use httpmock::MockServer;
use oauth_core::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientSecret,
    CsrfState, Error, ErrorCode, ErrorDetail, PkceVerifier, ServerError, Token, TokenIntrospection,
    TokenRevocation, TokenType,
};
use oauth_sdk_tests::{
    RESERVED_SECRET as SECRET, assert_no_secrets, assert_unfollowed_redirect, clock, t0,
};
use serde_json::json;
use sunshine_conversations_oauth::{Region, SunshineClient, types};

const CID: &str = "5e4af71a81966cfff3ef6550";
const CB: &str = "https://app.example/cb";
const JSON: &str = "application/json";
const UA: &str = "sunshine-conversations-oauth/";

/// A client on the mock server, below `/sc` like the OAuth bridge.
fn client(server: &MockServer) -> SunshineClient {
    SunshineClient::builder(CID)
        .client_secret(ClientSecret::new(SECRET))
        .base_url(format!("{}/sc", server.base_url()))
        .clock(clock())
        .build()
        .unwrap()
}

fn grant() -> AuthorizationGrant {
    AuthorizationGrant::from_code(AuthorizationCode::new("sc-code-1"))
}

fn issued() -> Token {
    Token::new(AccessToken::new("sc-access-1"), t0())
}

/// The documented token-info answer, plus fields this client does not know.
fn app_body() -> serde_json::Value {
    json!({"app": {
        "id": "5d8cff3cd55b040010928b5b",
        "displayName": "My App",
        "subdomain": "test-domain",
        "settings": {
            "conversationRetentionSeconds": 0,
            "maskCreditCardNumbers": true,
            "useAnimalNames": false,
            "echoPostback": false,
            "ignoreAutoConversationStart": false,
            "multiConvoEnabled": true,
            "appLocalizationEnabled": false,
            "endSessionEnabled": true,
            "disableConversationReopen": false,
            "futureSetting": "x"
        },
        "metadata": {"lang": "en-ca"},
        "futureAppField": 1
    }, "futureTopField": true})
}

fn server_error(e: &Error) -> &ServerError {
    match e {
        Error::Server(s) => s,
        other => panic!("expected a server error, got {other:?}"),
    }
}

fn query(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
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
                .path("/sc/oauth/authorize")
                .query_param("client_id", CID)
                .query_param("response_type", "code")
                .query_param("state", "Pending")
                .query_param("redirect_uri", "https://example.org")
                .header_missing("api-version")
                .header_prefix("user-agent", UA);
            then.status(302)
                .header("content-type", "text/plain")
                .header(
                    "location",
                    "https://oauth-bridge.zendesk.com/oauth_bridge/start",
                )
                .body("Found. Redirecting to https://oauth-bridge.zendesk.com/oauth_bridge/start");
        })
        .await;
    let result = client(&server)
        .generated()
        .authorize(CID, Some("https://example.org"), "code", Some("Pending"))
        .await;
    mock.assert_async().await;
    assert_unfollowed_redirect(
        result,
        "https://oauth-bridge.zendesk.com/oauth_bridge/start",
    );
}

#[tokio::test]
async fn generated_get_token_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/sc/oauth/token")
                .header("content-type", JSON)
                .json_body(json!({
                    "code": "c",
                    "grant_type": "authorization_code",
                    "client_id": "other-id",
                    "client_secret": "other-secret"
                }));
            then.status(200)
                .json_body(json!({"access_token": "sc-access-1", "token_type": "Bearer"}));
        })
        .await;
    let body = types::GetTokenRequest {
        code: AuthorizationCode::new("c"),
        grant_type: "authorization_code".into(),
        client_id: "other-id".into(),
        client_secret: ClientSecret::new("other-secret"),
    };
    let response = client(&server).generated().get_token(&body).await.unwrap();
    mock.assert_async().await;
    let token = response.into_inner();
    assert_eq!(token.access_token.secret(), "sc-access-1");
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
}

#[tokio::test]
async fn generated_get_token_info_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/sc/v2/tokenInfo")
                .header("authorization", "Bearer t");
            then.status(200).json_body(app_body());
        })
        .await;
    let response = client(&server)
        .generated()
        .get_token_info("Bearer t")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        response.into_inner().app.unwrap().id.as_deref(),
        Some("5d8cff3cd55b040010928b5b")
    );
}

#[tokio::test]
async fn generated_revoke_access_reaches_method_and_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/sc/oauth/authorization")
                .header("authorization", "Basic a2V5OnNlY3JldA==");
            then.status(200).json_body(json!({}));
        })
        .await;
    let response = client(&server)
        .generated()
        .revoke_access("Basic a2V5OnNlY3JldA==")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(response.status(), 200);
    assert!(response.into_inner().is_empty());
}

// ---------------------------------------------------------------------------------------------
// (b) The layer's requests, exactly.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn authorization_url_is_on_the_bridge_path_with_state_and_no_pkce() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let request = c.authorization_request(Some(CB));
    let url = request.url();
    assert_eq!(
        format!("{}://{}{}", url.scheme(), url.authority(), url.path()),
        format!("{}/sc/oauth/authorize", server.base_url())
    );
    let state = request.state().secret().to_owned();
    assert_eq!(state.len(), 43, "256 random bits, base64url");
    assert_eq!(
        query(url),
        [
            ("response_type".into(), "code".into()),
            ("client_id".into(), CID.into()),
            ("redirect_uri".into(), CB.into()),
            ("state".into(), state.clone()),
        ]
    );
    assert!(
        url.as_str()
            .contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcb")
    );
    assert_eq!(request.redirect_uri(), Some(CB));
    assert!(request.pkce_verifier().is_none());

    // Without a redirect URI the server picks the integration's first one: none is sent.
    let without = c.authorization_request(None);
    let pairs = query(without.url());
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["response_type", "client_id", "state"]);
    assert_eq!(without.redirect_uri(), None);
    assert_ne!(without.state().secret(), state, "a fresh state per request");
}

#[tokio::test]
async fn a_chosen_state_is_sent_and_checked_on_the_redirect() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let request = c.authorization_request_with_state(None, CsrfState::new("st-chosen-1").unwrap());
    assert_eq!(
        query(request.url()).last(),
        Some(&("state".into(), "st-chosen-1".into()))
    );

    let forged = request
        .clone()
        .verify_redirect(&format!("{CB}?code=sc-code-1&state=st-other"))
        .unwrap_err();
    assert!(matches!(forged, Error::StateMismatch), "{forged:?}");

    let denied = request
        .clone()
        .verify_redirect("?error=access_denied&state=st-chosen-1")
        .unwrap_err();
    assert_eq!(denied.oauth_code(), Some(&ErrorCode::AccessDenied));

    let grant = request
        .verify_redirect(&format!("{CB}?code=sc-code-1&state=st-chosen-1"))
        .unwrap();
    assert_eq!(grant.code.secret(), "sc-code-1");
    assert!(grant.pkce_verifier.is_none() && grant.redirect_uri.is_none());
}

#[test]
fn regions_map_to_their_hosts() {
    assert_eq!(Region::default(), Region::OAuthBridge);
    for (region, base) in [
        (None, "https://oauth-bridge.zendesk.com/sc"),
        (
            Some(Region::OAuthBridge),
            "https://oauth-bridge.zendesk.com/sc",
        ),
        (Some(Region::Us), "https://api.smooch.io"),
        (Some(Region::Eu), "https://api.eu-1.smooch.io"),
    ] {
        let mut builder = SunshineClient::builder(CID).client_secret(ClientSecret::new(SECRET));
        if let Some(region) = region {
            assert_eq!(region.base_url(), base);
            builder = builder.region(region);
        }
        let request = builder.build().unwrap().authorization_request(None);
        let url = request.url().as_str();
        assert!(
            url.starts_with(&format!("{base}/oauth/authorize?")),
            "{region:?}: {url}"
        );
    }
    // An override wins over a region chosen before it, and loses its trailing slash.
    let c = SunshineClient::builder(CID)
        .client_secret(ClientSecret::new(SECRET))
        .region(Region::Eu)
        .base_url("https://acme.zendesk.com/sc/")
        .build()
        .unwrap();
    assert!(
        c.authorization_request(None)
            .url()
            .as_str()
            .starts_with("https://acme.zendesk.com/sc/oauth/authorize?")
    );
}

#[tokio::test]
async fn exchange_code_sends_exact_json_with_the_secret_in_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/sc/oauth/token")
                .header("content-type", JSON)
                .header("accept", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("authorization")
                .header_missing("api-version")
                .query_param_count(".*", ".*", 0)
                .json_body(json!({
                    "code": "sc-code-1",
                    "grant_type": "authorization_code",
                    "client_id": CID,
                    "client_secret": SECRET
                }));
            then.status(200).json_body(json!({
                "access_token": "sc-access-1",
                "token_type": "Bearer",
                "future_field": {"x": 1}
            }));
        })
        .await;
    // A redirect URI or PKCE verifier in the grant is not sent: the endpoint takes neither
    // (the exact body above would not match).
    let grant = AuthorizationGrant {
        code: AuthorizationCode::new("sc-code-1"),
        pkce_verifier: Some(PkceVerifier::new("sc-verifier-1")),
        redirect_uri: Some(CB.into()),
    };
    let token = client(&server).exchange_code(&grant).await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "sc-access-1");
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert_eq!(token.expires_at(), None, "Sunshine tokens never expire");
    assert!(!token.expires_within(
        t0() + Duration::from_secs(10 * 365 * 86_400),
        Duration::ZERO
    ));
    assert!(token.refresh_token().is_none());
    assert_eq!(token.refresh_token_expires_at(), None);
    assert!(token.scopes().is_empty());
    assert_eq!(token.received_at(), t0());
    assert_eq!(token.extra()["future_field"]["x"], 1);
    assert_eq!(token.extra().len(), 1);
    assert_eq!(token.authorization_header(), "Bearer sc-access-1");
}

#[tokio::test]
async fn full_flow_from_the_redirect_to_the_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/sc/oauth/token").json_body(json!({
                "code": "sc-code-9",
                "grant_type": "authorization_code",
                "client_id": CID,
                "client_secret": SECRET
            }));
            then.status(200)
                .json_body(json!({"access_token": "sc-access-9", "token_type": "Bearer"}));
        })
        .await;
    let c = client(&server);
    let request = c.authorization_request(Some(CB));
    let redirect = format!("{CB}?code=sc-code-9&state={}", request.state().secret());
    let grant = request.verify_redirect(&redirect).unwrap();
    let token = c.exchange_code(&grant).await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "sc-access-9");
}

#[tokio::test]
async fn token_info_sends_bearer_and_decodes_the_app() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/sc/v2/tokenInfo")
                .header("authorization", "Bearer sc-access-1")
                .header("accept", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("content-type")
                .query_param_count(".*", ".*", 0);
            then.status(200).json_body(app_body());
        })
        .await;
    let info = client(&server)
        .token_info(&AccessToken::new("sc-access-1"))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(info.extra["futureTopField"], true);
    let app = info.app.unwrap();
    assert_eq!(app.id.as_deref(), Some("5d8cff3cd55b040010928b5b"));
    assert_eq!(app.display_name.as_deref(), Some("My App"));
    assert_eq!(app.subdomain.as_deref(), Some("test-domain"));
    assert_eq!(app.metadata.unwrap()["lang"], "en-ca");
    assert_eq!(app.extra["futureAppField"], 1);
    let s = app.settings.unwrap();
    assert_eq!(s.conversation_retention_seconds, Some(0));
    assert_eq!(s.mask_credit_card_numbers, Some(true));
    assert_eq!(s.use_animal_names, Some(false));
    assert_eq!(s.echo_postback, Some(false));
    assert_eq!(s.ignore_auto_conversation_start, Some(false));
    assert_eq!(s.multi_convo_enabled, Some(true));
    assert_eq!(s.app_localization_enabled, Some(false));
    assert_eq!(s.end_session_enabled, Some(true));
    assert_eq!(s.disable_conversation_reopen, Some(false));
    assert_eq!(s.extra["futureSetting"], "x");
}

#[tokio::test]
async fn token_info_accepts_nulls_and_a_bare_app() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/sc/v2/tokenInfo");
            then.status(200)
                .json_body(json!({"app": {"id": "a1", "displayName": null, "metadata": null}}));
        })
        .await;
    let app = client(&server)
        .token_info(&AccessToken::new("t"))
        .await
        .unwrap()
        .app
        .unwrap();
    assert_eq!(app.id.as_deref(), Some("a1"));
    assert_eq!((app.display_name, app.metadata), (None, None));
    assert!(app.settings.is_none() && app.subdomain.is_none());
}

#[tokio::test]
async fn revoke_is_a_bodiless_delete_with_bearer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/sc/oauth/authorization")
                .header("authorization", "Bearer sc-access-1")
                .header("accept", JSON)
                .header_prefix("user-agent", UA)
                .header_missing("api-version")
                .header_missing("content-type")
                .query_param_count(".*", ".*", 0)
                .body("");
            then.status(200).json_body(json!({}));
        })
        .await;
    client(&server).revoke(&issued()).await.unwrap();
    // The scheme is Bearer whatever type the stored token claims.
    let odd = issued().with_token_type(TokenType::Other("mac".into()));
    client(&server).revoke(&odd).await.unwrap();
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn revoke_succeeds_on_any_2xx_without_an_error_body() {
    for (status, body) in [
        (200, "{}"),
        (200, r#"{"note":"removed"}"#),
        (200, ""),
        (200, "OK"),
        (200, "[]"),
        (204, ""),
        (202, "{}"),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(DELETE).path("/sc/oauth/authorization");
                then.status(status).body(body);
            })
            .await;
        let result = client(&server).revoke(&issued()).await;
        mock.assert_async().await;
        assert!(result.is_ok(), "{status} {body:?}: {result:?}");
    }
}

#[tokio::test]
async fn revoke_never_takes_an_unreadable_error_answer_for_success() {
    // An error body that is a JSON object but not Sunshine's shape cannot be read as an error;
    // the revocation must still fail rather than pass for a 2xx with an odd body.
    for body in [
        r#"{"errors":[{"code":401,"title":"Unauthorized"}]}"#,
        r#"{"errors":"nope"}"#,
    ] {
        let result = answer(Op::Revoke, 401, JSON, body, &[]).await;
        assert!(
            matches!(result, Err(Error::Decode(_) | Error::Server(_))),
            "{body}: {result:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Lenient success answers, error shapes and malformed answers.
// ---------------------------------------------------------------------------------------------

/// Which operation a canned answer is for.
#[derive(Debug, Clone, Copy)]
enum Op {
    Token,
    Info,
    Revoke,
}

const OPS: [Op; 3] = [Op::Token, Op::Info, Op::Revoke];

impl Op {
    fn route(self) -> (httpmock::Method, &'static str) {
        match self {
            Op::Token => (POST, "/sc/oauth/token"),
            Op::Info => (GET, "/sc/v2/tokenInfo"),
            Op::Revoke => (DELETE, "/sc/oauth/authorization"),
        }
    }
}

/// Calls `op` against a server answering `status`, `content_type`, `body` and `headers`; the
/// success value is dropped (each test that needs it calls the operation itself).
async fn answer(
    op: Op,
    status: u16,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> oauth_core::Result<()> {
    let server = MockServer::start_async().await;
    let (method, path) = op.route();
    let (content_type, body) = (content_type.to_owned(), body.to_owned());
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mock = server
        .mock_async(move |when, then| {
            when.method(method).path(path);
            let mut then = then
                .status(status)
                .header("content-type", content_type)
                .body(body);
            for (k, v) in headers {
                then = then.header(k, v);
            }
        })
        .await;
    let c = client(&server);
    let result = match op {
        Op::Token => c.exchange_code(&grant()).await.map(drop),
        Op::Info => c.token_info(&AccessToken::new("t")).await.map(drop),
        Op::Revoke => c.revoke(&issued()).await,
    };
    mock.assert_async().await;
    result
}

async fn error(op: Op, status: u16, body: &str) -> Error {
    answer(op, status, JSON, body, &[]).await.unwrap_err()
}

async fn token_answer(body: serde_json::Value) -> oauth_core::Result<Token> {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/sc/oauth/token");
            then.status(200).json_body(body);
        })
        .await;
    client(&server).exchange_code(&grant()).await
}

#[tokio::test]
async fn token_type_is_read_leniently() {
    for token_type in [
        json!("Bearer"),
        json!("bearer"),
        json!("BEARER"),
        json!(""),
        json!(null),
    ] {
        let mut body = json!({"access_token": "sc-access-2"});
        if !token_type.is_null() {
            body["token_type"] = token_type.clone();
        }
        let token = token_answer(body).await.unwrap();
        assert_eq!(token.token_type(), &TokenType::Bearer, "{token_type}");
        assert_eq!(token.expires_at(), None);
        assert!(token.extra().is_empty(), "{:?}", token.extra());
    }
    let token = token_answer(json!({"access_token": "sc-access-2", "token_type": "mac"}))
        .await
        .unwrap();
    assert_eq!(token.token_type(), &TokenType::Other("mac".into()));
    // Fields Sunshine does not document are kept as sent, not interpreted.
    let token = token_answer(json!({"access_token": "a", "scope": "integration", "app_id": "x"}))
        .await
        .unwrap();
    assert!(token.scopes().is_empty());
    assert_eq!(token.extra()["scope"], "integration");
    assert_eq!(token.extra()["app_id"], "x");
}

#[tokio::test]
async fn sunshine_error_shape_is_typed_on_every_operation() {
    for op in OPS {
        let e = error(
            op,
            401,
            r#"{"errors":[{"code":"unauthorized","title":"Authorization is required"}]}"#,
        )
        .await;
        let s = server_error(&e);
        assert_eq!(s.status, 401, "{op:?}");
        // Sunshine's own code stays a detail: it is not an RFC 6749 `error`.
        assert_eq!(e.oauth_code(), None, "{op:?}");
        assert_eq!(s.description.as_deref(), Some("Authorization is required"));
        assert_eq!(
            s.details,
            [ErrorDetail::new(
                Some("unauthorized".into()),
                Some("Authorization is required".into()),
                None
            )],
            "{op:?}"
        );
        // No RFC 6749 code: not the grant's refusal (see `Error::is_permanent`).
        assert!(!e.is_permanent() && !e.is_transient(), "{op:?}");
        let text = e.to_string();
        assert!(
            text.contains("401") && text.contains("[unauthorized]"),
            "{text}"
        );
    }

    // Several entries (only a 400 has them): one detail each, the first title describes.
    let e = error(
        Op::Token,
        400,
        r#"{"errors":[{"code":"invalid_grant","title":"Invalid authorization code"},
                      {"code":"bad_request","title":"client_id is required"}]}"#,
    )
    .await;
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(s.code, None);
    assert_eq!(s.description.as_deref(), Some("Invalid authorization code"));
    assert_eq!(
        s.details,
        [
            ErrorDetail::new(
                Some("invalid_grant".into()),
                Some("Invalid authorization code".into()),
                None
            ),
            ErrorDetail::new(
                Some("bad_request".into()),
                Some("client_id is required".into()),
                None
            ),
        ]
    );

    // A 5xx in the same shape is transient.
    let e = error(
        Op::Info,
        503,
        r#"{"errors":[{"code":"service_unavailable","title":"Try later"}]}"#,
    )
    .await;
    assert!(e.is_transient() && !e.is_permanent());
    assert_eq!(server_error(&e).status, 503);
}

#[tokio::test]
async fn rfc6749_error_fields_are_typed_when_present() {
    let e = error(
        Op::Token,
        400,
        r#"{"error":"invalid_grant","error_description":"The code has expired"}"#,
    )
    .await;
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert_eq!(s.description.as_deref(), Some("The code has expired"));
    assert!(s.details.is_empty());
    assert!(e.is_permanent());
    assert!(e.to_string().contains("invalid_grant"), "{e}");

    let e = error(Op::Token, 401, r#"{"error":"invalid_client"}"#).await;
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidClient));
    assert_eq!(server_error(&e).description, None);

    // Both shapes at once: the code from `error`, the description from the first title.
    let e = error(
        Op::Token,
        400,
        r#"{"error":"invalid_request","errors":[{"code":"bad_request","title":"code is required"}]}"#,
    )
    .await;
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidRequest));
    assert_eq!(
        server_error(&e).description.as_deref(),
        Some("code is required")
    );
    assert_eq!(server_error(&e).details.len(), 1);
}

#[tokio::test]
async fn an_error_inside_a_200_is_a_server_error() {
    for op in OPS {
        let e = error(
            op,
            200,
            r#"{"errors":[{"code":"unauthorized","title":"Invalid token"}]}"#,
        )
        .await;
        let s = server_error(&e);
        assert_eq!(s.status, 200, "{op:?}");
        assert_eq!(s.description.as_deref(), Some("Invalid token"), "{op:?}");
        assert_eq!(s.details[0].code.as_deref(), Some("unauthorized"));
    }
    let e = error(Op::Token, 200, r#"{"error":"invalid_grant"}"#).await;
    assert_eq!(server_error(&e).status, 200);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
}

#[tokio::test]
async fn an_html_502_is_a_transient_server_error() {
    for op in OPS {
        let e = answer(
            op,
            502,
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            &[],
        )
        .await
        .unwrap_err();
        let s = server_error(&e);
        assert_eq!(s.status, 502, "{op:?}");
        assert_eq!((s.code.as_ref(), s.description.as_ref()), (None, None));
        assert!(s.details.is_empty());
        assert!(e.is_transient() && !e.is_permanent(), "{op:?}");
    }
}

#[tokio::test]
async fn a_429_carries_retry_after() {
    for op in OPS {
        let e = answer(
            op,
            429,
            JSON,
            r#"{"errors":[{"code":"too_many_requests","title":"Too many requests"}]}"#,
            &[("retry-after", "7")],
        )
        .await
        .unwrap_err();
        assert_eq!(e.status(), Some(429), "{op:?}");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)), "{op:?}");
        assert!(e.is_transient() && !e.is_permanent());
        assert_eq!(
            server_error(&e).details[0].code.as_deref(),
            Some("too_many_requests")
        );
    }
    // Without a body the status and delay are kept all the same.
    let e = answer(Op::Token, 429, "text/plain", "", &[("retry-after", "7")])
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.retry_after()),
        (Some(429), Some(Duration::from_secs(7)))
    );
}

#[tokio::test]
async fn malformed_200_answers_are_decode_errors() {
    let truncated = error(Op::Token, 200, r#"{"access_token":"sc-leak-1","tok"#).await;
    assert!(
        matches!(&truncated, Error::Decode(d) if d.status == Some(200) && d.problem.contains("truncated")),
        "{truncated:?}"
    );
    let truncated = error(Op::Info, 200, r#"{"app":{"id":"a"#).await;
    assert!(
        matches!(&truncated, Error::Decode(d) if d.problem.contains("truncated")),
        "{truncated:?}"
    );

    for op in [Op::Token, Op::Info] {
        let empty = error(op, 200, "").await;
        assert!(
            matches!(&empty, Error::Decode(d) if d.status == Some(200) && d.problem.contains("empty")),
            "{op:?}: {empty:?}"
        );
    }

    for (op, body, path) in [
        (Op::Token, r#"{"access_token":12}"#, "access_token"),
        (
            Op::Token,
            r#"{"access_token":"sc-leak-1","token_type":["Bearer"]}"#,
            "token_type",
        ),
        (Op::Info, r#"{"app":"sc-leak-1"}"#, "app"),
        (Op::Info, r#"{"app":{"id":5}}"#, "app.id"),
        (
            Op::Info,
            r#"{"app":{"settings":{"multiConvoEnabled":"yes"}}}"#,
            "app.settings.multiConvoEnabled",
        ),
        (
            Op::Info,
            r#"{"app":{"settings":{"conversationRetentionSeconds":"sc-leak-1"}}}"#,
            "app.settings.conversationRetentionSeconds",
        ),
        (
            Op::Info,
            r#"{"app":{"metadata":"sc-leak-1"}}"#,
            "app.metadata",
        ),
    ] {
        let e = error(op, 200, body).await;
        assert!(
            matches!(&e, Error::Decode(d) if d.path == path),
            "{op:?} {body}: {e:?}"
        );
        assert!(!e.to_string().contains("sc-leak-1"), "{e}");
    }

    let missing = error(Op::Token, 200, r#"{"token_type":"Bearer"}"#).await;
    assert!(
        matches!(&missing, Error::Decode(d) if d.problem.contains("access_token")),
        "{missing:?}"
    );
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let server = MockServer::start_async().await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/elsewhere");
            then.status(200)
                .json_body(json!({"access_token": "sc-access-1", "app": {}}));
        })
        .await;
    for (op, status) in [(Op::Token, 302), (Op::Info, 307), (Op::Revoke, 303)] {
        let (method, path) = op.route();
        server
            .mock_async(|when, then| {
                when.method(method).path(path);
                then.status(status).header("location", "/elsewhere");
            })
            .await;
    }
    let c = client(&server);
    let errors = [
        (302, c.exchange_code(&grant()).await.unwrap_err()),
        (307, c.token_info(&AccessToken::new("t")).await.unwrap_err()),
        (303, c.revoke(&issued()).await.unwrap_err()),
    ];
    for (status, e) in errors {
        assert!(
            matches!(e, Error::UnexpectedRedirect { status: s } if s == status),
            "{e:?}"
        );
    }
    assert_eq!(elsewhere.calls_async().await, 0);
}

#[tokio::test]
async fn an_access_token_unfit_for_a_header_is_a_config_error_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({}));
        })
        .await;
    let c = client(&server);
    let bad = AccessToken::new("sc-access-1\nX-Injected: 1");
    let info = c.token_info(&bad).await.unwrap_err();
    let revoke = c.revoke(&Token::new(bad, t0())).await.unwrap_err();
    for e in [info, revoke] {
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert_no_secrets(&format!("{e:?} {e}"), &["sc-access-1"]);
    }
    assert_eq!(any.calls_async().await, 0);
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
                .path("/sc/oauth/token")
                .json_body_includes(r#"{"code":"sc-code-1"}"#);
            then.status(200).json_body(json!({
                "access_token": "sc-access-1",
                "token_type": "Bearer",
                "echo": "sc-access-1"
            }));
        })
        .await;
    // Answers that echo what was sent.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/sc/oauth/token")
                .json_body_includes(r#"{"code":"sc-code-2"}"#);
            then.status(400).json_body(json!({
                "errors": [{"code": "bad_request", "title": "Invalid code", "value": "sc-code-2"}],
                "client_secret": SECRET
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/sc/oauth/token")
                .json_body_includes(r#"{"code":"sc-code-3"}"#);
            then.status(200)
                .body(r#"{"access_token":"sc-access-1","token_type":{"sc-code-3":1}}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(DELETE).path("/sc/oauth/authorization");
            then.status(401).json_body(json!({
                "errors": [{"code": "unauthorized", "title": "Bad token", "token": "sc-access-1"}]
            }));
        })
        .await;

    let c = client(&server);
    let builder = SunshineClient::builder(CID)
        .client_secret(ClientSecret::new(SECRET))
        .base_url(server.base_url());
    let request = c.authorization_request(Some(CB));
    let state = request.state().secret().to_owned();
    let token = c.exchange_code(&grant()).await.unwrap();
    let server_error = c
        .exchange_code(&AuthorizationGrant::from_code(AuthorizationCode::new(
            "sc-code-2",
        )))
        .await
        .unwrap_err();
    let decode_error = c
        .exchange_code(&AuthorizationGrant::from_code(AuthorizationCode::new(
            "sc-code-3",
        )))
        .await
        .unwrap_err();
    let revoke_error = c.revoke(&token).await.unwrap_err();
    let body = types::GetTokenRequest {
        code: AuthorizationCode::new("sc-code-1"),
        grant_type: "authorization_code".into(),
        client_id: CID.into(),
        client_secret: ClientSecret::new(SECRET),
    };
    let config_error = SunshineClient::builder(CID)
        .client_secret(ClientSecret::new(SECRET))
        .base_url("http://example.com")
        .build()
        .unwrap_err();

    let mut text = format!(
        "{c:?} {builder:?} {request:?} {token:?} {:?} {body:?}",
        grant()
    );
    for e in [&server_error, &decode_error, &revoke_error, &config_error] {
        text.push_str(&format!(" {e:?} {e}"));
    }
    assert_no_secrets(
        &text,
        &[
            SECRET,
            "sc-access-1",
            "sc-code-1",
            "sc-code-2",
            "sc-code-3",
            &state,
        ],
    );
    // What the errors are about is still there.
    assert!(
        text.contains("Invalid code") && text.contains("Bad token"),
        "{text}"
    );
    assert!(matches!(decode_error, Error::Decode(ref d) if d.path == "token_type"));
    assert!(text.contains(CID), "the client ID is not a secret: {text}");
}

#[test]
fn configuration_is_checked() {
    let no_secret = SunshineClient::builder(CID).build().unwrap_err();
    assert!(
        matches!(&no_secret, Error::Config(m) if m.contains("client secret")),
        "{no_secret:?}"
    );
    let empty_secret = SunshineClient::builder(CID)
        .client_secret(ClientSecret::new(""))
        .build()
        .unwrap_err();
    assert!(matches!(empty_secret, Error::Config(_)));
    let no_id = SunshineClient::builder("")
        .client_secret(ClientSecret::new(SECRET))
        .build()
        .unwrap_err();
    assert!(matches!(no_id, Error::Config(_)));

    for bad in [
        "http://oauth-bridge.zendesk.com/sc",
        "http://api.smooch.io",
        "http://10.0.0.1:8080",
        "ftp://api.smooch.io",
        "api.smooch.io",
        "https://api.smooch.io/?x=1",
    ] {
        let e = SunshineClient::builder(CID)
            .client_secret(ClientSecret::new(SECRET))
            .base_url(bad)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad}: {e:?}");
    }
    for good in [
        "http://127.0.0.1:9/sc",
        "http://localhost:9",
        "http://[::1]:9",
        "https://acme.zendesk.com/sc",
    ] {
        let c = SunshineClient::builder(CID)
            .client_secret(ClientSecret::new(SECRET))
            .base_url(good)
            .timeout(Duration::from_secs(5))
            .http_client(oauth_core::HttpSettings::new("test").build().unwrap())
            .build();
        assert!(c.is_ok(), "{good}: {c:?}");
    }
    let c = SunshineClient::builder(CID)
        .client_secret(ClientSecret::new(SECRET))
        .build()
        .unwrap();
    assert_eq!(c.client_id(), CID);
    let debug = format!("{c:?}");
    assert!(debug.contains("oauth-bridge.zendesk.com/sc"), "{debug}");
}
