//! RingCentral's discovery document and key set as the sign-in path reads them, from a hostile
//! server on 127.0.0.1: another issuer, a key set on another origin, error statuses, an
//! oversized document, a key set that cannot be fetched (reported, and not fetched again
//! within the interval), and a token response without an ID token. Each is a typed error.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use httpmock::Method::GET;
use httpmock::MockServer;
use oauth_core::{AccessToken, ClientSecret, Token};
use oauth_jwt::{FetchError, IdTokenError, SigningKey};
use ringcentral_oauth::{RingCentralClient, SignInError};
use serde_json::{Map, Value, json};

const DISCOVERY: &str = "/.well-known/openid-configuration";

fn client(server: &MockServer) -> RingCentralClient {
    RingCentralClient::builder("rc-app")
        .client_secret(ClientSecret::new("0123456789abcdef0123456789abcdef"))
        .base_url(server.base_url())
        .build()
        .unwrap()
}

/// A token whose response carried an RS256 ID token (valid in form; its key is never found
/// here).
fn token_with_id_token() -> Token {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc-server/keys/client-rs256.pem");
    let key = SigningKey::from_pem(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .with_kid("k1");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({"iss": "x", "sub": "1", "aud": "rc-app", "exp": now + 60, "iat": now});
    let mut extra = Map::new();
    extra.insert(
        "id_token".into(),
        Value::String(oauth_jwt::sign(&key, &claims).unwrap()),
    );
    Token::new(AccessToken::new("at"), SystemTime::now()).with_extra(extra)
}

async fn discovery_error(server: &MockServer) -> FetchError {
    match client(server)
        .verify_id_token(&token_with_id_token(), None)
        .await
    {
        Err(SignInError::Discovery(e)) => e,
        other => panic!("expected a discovery error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_discovery_document_must_name_the_platform_and_keep_its_keys_there() {
    let server = MockServer::start_async().await;
    let mut mock = server.mock(|when, then| {
        when.method(GET).path(DISCOVERY);
        then.status(200).json_body(json!({
            "issuer": "https://platform.ringcentral.com",
            "jwks_uri": server.url("/restapi/oauth/jwks"),
        }));
    });
    assert!(matches!(
        discovery_error(&server).await,
        FetchError::Mismatch(_)
    ));
    mock.delete_async().await;

    mock = server.mock(|when, then| {
        when.method(GET).path(DISCOVERY);
        then.status(200).json_body(json!({
            "issuer": server.base_url(),
            "jwks_uri": "https://keys.example/jwks",
        }));
    });
    assert_eq!(
        discovery_error(&server).await,
        FetchError::Mismatch("jwks_uri is on another origin")
    );
    mock.delete_async().await;

    mock = server.mock(|when, then| {
        when.method(GET).path(DISCOVERY);
        then.status(404).body("<html>not here</html>");
    });
    let e = discovery_error(&server).await;
    assert_eq!(
        e,
        FetchError::Status {
            what: "discovery document",
            status: 404
        }
    );
    assert!(!e.to_string().contains("html"));
    mock.delete_async().await;

    server.mock(|when, then| {
        when.method(GET).path(DISCOVERY);
        then.status(200)
            .body(format!(r#"{{"issuer": "{}"}}"#, "x".repeat(300 * 1024)));
    });
    assert!(matches!(
        discovery_error(&server).await,
        FetchError::TooLarge { .. }
    ));
}

#[tokio::test]
async fn a_key_set_that_cannot_be_fetched_is_reported_and_not_fetched_again_at_once() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path(DISCOVERY);
        then.status(200).json_body(json!({
            "issuer": server.base_url(),
            "jwks_uri": server.url("/restapi/oauth/jwks"),
            "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
        }));
    });
    let keys = server.mock(|when, then| {
        when.method(GET).path("/restapi/oauth/jwks");
        then.status(503);
    });
    let client = client(&server);
    let expected = IdTokenError::KeySet(FetchError::Status {
        what: "key set",
        status: 503,
    });
    for _ in 0..3 {
        match client.verify_id_token(&token_with_id_token(), None).await {
            Err(SignInError::IdToken(e)) => assert_eq!(e, expected),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(keys.calls_async().await, 1, "one fetch within the interval");
}

#[tokio::test]
async fn a_token_without_an_id_token_is_the_missing_error() {
    let server = MockServer::start_async().await;
    let token = Token::new(AccessToken::new("at"), SystemTime::now());
    match client(&server).verify_id_token(&token, None).await {
        Err(SignInError::IdToken(IdTokenError::Missing)) => {}
        other => panic!("{other:?}"),
    }
}
