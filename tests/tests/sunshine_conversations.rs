//! Sunshine Conversations: every operation on the wire, decoding of real answers, and
//! redaction.

use httpmock::Method::{DELETE, GET, POST};
use httpmock::MockServer;
use oauth_core::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientSecret,
    Error, Token, TokenIntrospection, TokenRevocation,
};
use oauth_sdk_tests::{RESERVED_SECRET, assert_no_secrets, clock, t0};
use serde_json::json;
use sunshine_conversations_oauth::{Region, SunshineClient};

fn client(server: &MockServer) -> SunshineClient {
    SunshineClient::builder("5e4af71a81966cfff3ef6550")
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .base_url(format!("{}/sc", server.base_url()))
        .clock(clock())
        .build()
        .unwrap()
}

#[tokio::test]
async fn exchange_code_sends_exact_json_and_the_token_never_expires() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/sc/oauth/token")
                .header("content-type", "application/json")
                .header_missing("authorization")
                .header_missing("api-version")
                .json_body(json!({
                    "code": "sc-code-1",
                    "grant_type": "authorization_code",
                    "client_id": "5e4af71a81966cfff3ef6550",
                    "client_secret": RESERVED_SECRET
                }));
            then.status(200)
                .json_body(json!({"access_token": "sc-access-1", "token_type": "Bearer"}));
        })
        .await;
    let grant = AuthorizationGrant::from_code(AuthorizationCode::new("sc-code-1"));
    let token = client(&server).exchange_code(&grant).await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.access_token().secret(), "sc-access-1");
    assert_eq!(token.expires_at(), None);
    assert!(token.refresh_token().is_none());
    assert_eq!(token.authorization_header(), "Bearer sc-access-1");
}

#[tokio::test]
async fn token_info_with_bearer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/sc/v2/tokenInfo")
                .header("authorization", "Bearer sc-access-1");
            then.status(200).json_body(json!({"app": {
                "id": "5d8cff3cd55b040010928b5b",
                "displayName": "My App",
                "subdomain": "test-domain",
                "settings": {"multiConvoEnabled": true, "conversationRetentionSeconds": 0},
                "metadata": {"lang": "en-ca"}
            }}));
        })
        .await;
    let info = client(&server)
        .token_info(&AccessToken::new("sc-access-1"))
        .await
        .unwrap();
    mock.assert_async().await;
    let app = info.app.unwrap();
    assert_eq!(app.id.as_deref(), Some("5d8cff3cd55b040010928b5b"));
    assert_eq!(app.subdomain.as_deref(), Some("test-domain"));
    assert_eq!(app.settings.unwrap().multi_convo_enabled, Some(true));
    assert_eq!(app.metadata.unwrap()["lang"], "en-ca");
}

#[tokio::test]
async fn revoke_is_a_delete_with_bearer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/sc/oauth/authorization")
                .header("authorization", "Bearer sc-access-1");
            then.status(200).json_body(json!({}));
        })
        .await;
    let token = Token::new(AccessToken::new("sc-access-1"), t0());
    client(&server).revoke(&token).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn authorization_url_with_state_and_generated_authorize() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let request = c.authorization_request(Some("https://example.org"));
    let url = request.url().clone();
    assert_eq!(url.path(), "/sc/oauth/authorize");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "5e4af71a81966cfff3ef6550");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["redirect_uri"], "https://example.org");
    assert_eq!(q["state"], request.state().secret());
    let without = c.authorization_request(None);
    assert!(
        !without
            .url()
            .query_pairs()
            .any(|(k, _)| k == "redirect_uri")
    );

    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/sc/oauth/authorize")
                .query_param("client_id", "cid")
                .query_param("response_type", "code")
                .query_param("state", "Pending");
            then.status(302)
                .header("content-type", "text/plain")
                .header(
                    "location",
                    "https://oauth-bridge.zendesk.com/oauth_bridge/start",
                )
                .body("Found. Redirecting to https://oauth-bridge.zendesk.com/oauth_bridge/start");
        })
        .await;
    let r = c
        .generated()
        .authorize("cid", None, "code", Some("Pending"))
        .await;
    mock.assert_async().await;
    assert!(matches!(r, Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status() == 302));
}

async fn exchange_answer(status: u16, body: &str) -> Error {
    let server = MockServer::start_async().await;
    let body = body.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/sc/oauth/token");
            then.status(status)
                .header("content-type", "application/json")
                .header("retry-after", "7")
                .body(body);
        })
        .await;
    let grant = AuthorizationGrant::from_code(AuthorizationCode::new("sc-code-x"));
    client(&server).exchange_code(&grant).await.unwrap_err()
}

#[tokio::test]
async fn sunshine_error_shape_is_typed() {
    let e = exchange_answer(
        401,
        r#"{"errors":[{"code":"unauthorized","title":"Authorization is required"}]}"#,
    )
    .await;
    match &e {
        Error::Server(s) => {
            assert_eq!(s.status, 401);
            assert_eq!(s.description.as_deref(), Some("Authorization is required"));
            assert_eq!(s.details[0].code.as_deref(), Some("unauthorized"));
        }
        other => panic!("{other:?}"),
    }
    let limited = exchange_answer(
        429,
        r#"{"errors":[{"code":"too_many_requests","title":"Slow down"}]}"#,
    )
    .await;
    assert!(limited.is_transient());
    assert_eq!(
        limited.retry_after(),
        Some(std::time::Duration::from_secs(7))
    );
}

#[tokio::test]
async fn malformed_answers_are_clear_errors() {
    let e = exchange_answer(200, "").await;
    assert!(
        matches!(&e, Error::Decode(d) if d.problem.contains("empty")),
        "{e:?}"
    );
    let e = exchange_answer(200, r#"{"token_type":"Bearer"}"#).await;
    assert!(
        matches!(&e, Error::Decode(d) if d.problem.contains("access_token")),
        "{e:?}"
    );
    let e = exchange_answer(502, "<html>Bad Gateway</html>").await;
    assert_eq!(e.status(), Some(502));
}

#[test]
fn configuration_is_checked() {
    assert!(matches!(
        SunshineClient::builder("id").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        SunshineClient::builder("id")
            .client_secret(ClientSecret::new("s"))
            .base_url("http://api.smooch.io")
            .build(),
        Err(Error::Config(_))
    ));
    assert_eq!(Region::Eu.base_url(), "https://api.eu-1.smooch.io");
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let request = c.authorization_request(None);
    let state = request.state().secret().to_owned();
    let e = exchange_answer(
        400,
        r#"{"errors":[{"code":"bad_request","title":"Invalid code"}]}"#,
    )
    .await;
    let text = format!(
        "{c:?} {request:?} {e:?} {e} {:?}",
        SunshineClient::builder("x").client_secret(ClientSecret::new(RESERVED_SECRET))
    );
    assert_no_secrets(&text, &[RESERVED_SECRET, &state, "sc-code-x"]);
}
