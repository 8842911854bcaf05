//! The Sunshine Conversations fake against the wire tests (`sunshine_conversations.rs`):
//! tokens without expiry or refresh token, `{app}` token info, `{errors: [{code, title}]}`.

use oauth_core::{AuthorizationCodeGrant, Error, Token, TokenIntrospection, TokenRevocation};
use oauth_sdk_tests::shape::{assert_same_shape, raw_client};
use oauth_test_kit::Fault;
use serde_json::{Value, json};
use sunshine_conversations_oauth::mock::{self, FakeSunshine};

async fn log_in(fake: &FakeSunshine, redirect_uri: Option<&str>) -> Token {
    let client = fake.client();
    let request = client.authorization_request(redirect_uri);
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    client
        .exchange_code(&request.verify_redirect(redirect.as_str()).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn tokens_never_expire_and_come_without_refresh_token() {
    let fake = FakeSunshine::start();
    let token = log_in(&fake, None).await;
    assert_eq!(token.expires_at(), None);
    assert!(token.refresh_token().is_none());
    assert_eq!(token.token_type(), &oauth_core::TokenType::Bearer);
    let token = log_in(&fake, Some("https://app.example/cb")).await;
    let app = fake
        .client()
        .token_info(token.access_token())
        .await
        .unwrap()
        .app
        .unwrap();
    assert_eq!(app.subdomain.as_deref(), Some("fake-app"));
    assert!(app.id.is_some());
}

#[tokio::test]
async fn raw_answers_have_the_real_fields_and_types() {
    let fake = FakeSunshine::start();
    let client = fake.client();
    let request = client.authorization_request(None);
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    let code = redirect
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let exchange = |code: String| {
        let fake = &fake;
        async move {
            let response = raw_client()
                .post(format!("{}/oauth/token", fake.base_url()))
                .json(&json!({"code": code, "grant_type": "authorization_code",
                    "client_id": mock::CLIENT_ID, "client_secret": mock::CLIENT_SECRET}))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, body) = exchange(code.clone()).await;
    assert_eq!(status, 200);
    assert_same_shape(
        &body,
        &json!({"access_token": "t", "token_type": "Bearer"}),
        &[],
    );
    let (status, body) = exchange(code).await;
    assert_eq!(status, 400);
    assert_same_shape(
        &body,
        &json!({"errors": [{"code": "invalid_grant", "title": "Invalid authorization code"}]}),
        &[],
    );
}

#[tokio::test]
async fn removing_the_integration_makes_the_token_fail_with_sunshines_401() {
    let fake = FakeSunshine::start();
    let client = fake.client();
    let token = log_in(&fake, None).await;
    client.revoke(&token).await.unwrap();
    let e = client.token_info(token.access_token()).await.unwrap_err();
    assert!(revoked(&e), "{e:?}");
    // Revoking again: Sunshine's 401 for an unknown token.
    let e = client.revoke(&token).await.unwrap_err();
    assert!(matches!(&e, Error::Server(s) if s.status == 401), "{e:?}");

    let token = log_in(&fake, None).await;
    fake.revoke_all();
    let e = client.token_info(token.access_token()).await.unwrap_err();
    assert!(revoked(&e), "{e:?}");
    assert_eq!(fake.counts().code_exchange, 2);
}

/// Sunshine's answer for a token it no longer knows: a 401 with its own `unauthorized` entry
/// (a token, not a grant with a refresh token: `is_permanent` speaks of refreshes).
fn revoked(e: &Error) -> bool {
    matches!(e, Error::Server(s) if s.status == 401
        && s.details.first().and_then(|d| d.code.as_deref()) == Some("unauthorized"))
}

#[tokio::test]
async fn outages_are_transient_in_sunshines_shape() {
    let fake = FakeSunshine::start();
    let client = fake.client();
    let token = log_in(&fake, None).await;
    fake.fail_next(2, Fault::Status(503));
    for _ in 0..2 {
        let e = client.token_info(token.access_token()).await.unwrap_err();
        assert_eq!(e.status(), Some(503));
        assert!(e.is_transient());
    }
    client.token_info(token.access_token()).await.unwrap();
    assert_eq!(fake.counts().faults, 2);
}
