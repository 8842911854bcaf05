//! The RingCentral fake against the wire tests (`ringcentral.rs`): the client run through each
//! fake operation decodes what it decodes from the real answers there, and the raw answers have
//! the real fields and JSON types.

use std::time::Duration;

use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, Error, ErrorCode, JwtAssertion, JwtBearerGrant,
    RefreshTokenGrant, Token, TokenRevocation, TransportKind,
};
use oauth_sdk_tests::shape::{assert_same_shape, raw_client};
use oauth_test_kit::{FakeConfig, Fault};
use ringcentral_oauth::AuthorizeParams;
use ringcentral_oauth::mock::{self, FakeRingCentral};
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";

/// The code flow through the fake, as an application runs it.
async fn log_in(fake: &FakeRingCentral) -> Token {
    let client = fake.client();
    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    let grant = request.verify_redirect(redirect.as_str()).unwrap();
    client.exchange_code(&grant).await.unwrap()
}

fn server_error(e: &Error) -> &oauth_core::ServerError {
    match e {
        Error::Server(s) => s,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn code_exchange_decodes_like_the_real_answer() {
    let fake = FakeRingCentral::start();
    let now = oauth_core::Clock::now(&*fake.clock());
    let token = log_in(&fake).await;
    assert!(token.access_token().secret().starts_with("fake-at-"));
    assert!(token.refresh_token().is_some());
    assert_eq!(token.expires_at(), Some(now + Duration::from_secs(3600)));
    assert_eq!(
        token.refresh_token_expires_at(),
        Some(now + Duration::from_secs(604_800))
    );
    assert_eq!(token.token_type(), &oauth_core::TokenType::Bearer);
    assert_eq!(token.scopes(), ["ReadAccounts"]);
    assert!(token.extra().contains_key("owner_id"));
    assert!(token.extra().contains_key("endpoint_id"));
    let counts = fake.counts();
    assert_eq!(
        (counts.authorize, counts.code_exchange, counts.issued),
        (1, 1, 1)
    );
}

/// Field names and JSON types of the real answer in `ringcentral.rs` (`token_body`).
fn real_token_body() -> Value {
    json!({
        "access_token": "rc-access-1",
        "token_type": "bearer",
        "expires_in": 3600,
        "refresh_token": "rc-refresh-1",
        "refresh_token_expires_in": 604800,
        "scope": "ReadAccounts CallControl",
        "owner_id": "256440016",
        "endpoint_id": "8zXq6oaLT7WvwWITlGiA1A",
    })
}

async fn raw_refresh(fake: &FakeRingCentral, refresh_token: &str) -> (u16, Value) {
    let response = raw_client()
        .post(format!("{}/restapi/oauth/token", fake.base_url()))
        .basic_auth(mock::CLIENT_ID, Some(mock::CLIENT_SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn raw_answers_have_the_real_fields_and_types() {
    let fake = FakeRingCentral::start();
    let token = log_in(&fake).await;
    let refresh = token.refresh_token().unwrap().secret().to_owned();
    let (status, body) = raw_refresh(&fake, &refresh).await;
    assert_eq!(status, 200);
    assert_same_shape(&body, &real_token_body(), &[]);
    // The reuse is answered with the error body of `ringcentral_error_shape_is_typed`.
    let (status, body) = raw_refresh(&fake, &refresh).await;
    assert_eq!(status, 400);
    let real = json!({"error": "invalid_grant", "error_description": "Token is revoked",
        "errors": [{"errorCode": "OAU-211", "message": "Token is revoked",
                    "parameterName": "refresh_token"}]});
    assert_same_shape(&body, &real, &[]);
    assert_eq!(body["errors"][0]["errorCode"], "OAU-211");
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_is_the_real_invalid_grant() {
    let fake = FakeRingCentral::start();
    let client = fake.client();
    let first = log_in(&fake).await;
    let old = first.refresh_token().unwrap().clone();
    let second = client.refresh(&old).await.unwrap();
    assert_ne!(second.refresh_token().unwrap().secret(), old.secret());
    assert_ne!(
        second.access_token().secret(),
        first.access_token().secret()
    );

    let e = client.refresh(&old).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(s.code, Some(ErrorCode::InvalidGrant));
    assert_eq!(s.details[0].code.as_deref(), Some("OAU-211"));
    assert!(e.is_permanent());
    assert!(
        !format!("{e:?}{e}").contains(old.secret()),
        "no token in the error"
    );
    // The new one still works, once.
    client
        .refresh(second.refresh_token().unwrap())
        .await
        .unwrap();
    assert_eq!(fake.counts().refresh, 3);
}

#[tokio::test]
async fn codes_are_bound_to_verifier_redirect_uri_and_one_use() {
    let fake = FakeRingCentral::start();
    let client = fake.client();
    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    let grant = request.verify_redirect(redirect.as_str()).unwrap();

    let wrong_verifier = AuthorizationGrant {
        pkce_verifier: Some(oauth_core::PkceVerifier::new("x".repeat(43))),
        ..grant.clone()
    };
    let e = client.exchange_code(&wrong_verifier).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    // A failed attempt uses the code up, as real servers do.
    let e = client.exchange_code(&grant).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));

    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    let grant = request.verify_redirect(redirect.as_str()).unwrap();
    let elsewhere = AuthorizationGrant {
        redirect_uri: Some("https://evil.example/cb".into()),
        ..grant
    };
    let e = client.exchange_code(&elsewhere).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));

    // The state comes back as sent; a forged one is refused by the client.
    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let mut redirect = fake.authorize(request.url().as_str()).unwrap();
    redirect.set_query(Some("code=c&state=forged"));
    assert!(request.verify_redirect(redirect.as_str()).is_err());
}

#[tokio::test]
async fn codes_expire_with_the_clock() {
    let fake = FakeRingCentral::start();
    let client = fake.client();
    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    let grant = request.verify_redirect(redirect.as_str()).unwrap();
    fake.clock().advance(Duration::from_secs(61));
    let e = client.exchange_code(&grant).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
}

#[tokio::test]
async fn public_clients_identify_in_the_body_and_wrong_secrets_are_invalid_client() {
    let public = FakeRingCentral::start_with(FakeConfig::new("rc-public", None)).unwrap();
    let token = log_in(&public).await;
    public
        .client()
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap();

    let fake = FakeRingCentral::start();
    let wrong = fake
        .client_builder()
        .client_secret(oauth_core::ClientSecret::new("wrong"))
        .build()
        .unwrap();
    let e = wrong
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidClient));
}

#[tokio::test]
async fn jwt_bearer_issues_a_refreshable_token() {
    let fake = FakeRingCentral::start();
    let client = fake.client();
    let token = client
        .jwt_bearer(&JwtAssertion::new(
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        ))
        .await
        .unwrap();
    client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap();
    let e = client
        .jwt_bearer(&JwtAssertion::new("not-a-jwt"))
        .await
        .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert_eq!(fake.counts().jwt_bearer, 2);
}

#[tokio::test]
async fn revocation_ends_the_grant() {
    let fake = FakeRingCentral::start();
    let client = fake.client();
    let token = log_in(&fake).await;
    client.revoke(&token).await.unwrap();
    let e = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert_eq!(fake.counts().revocation, 1);
    assert_eq!(fake.grants().live_grants(), 0);
}

#[tokio::test]
async fn authorize_with_post_and_get_answer_the_redirect_with_code_and_state() {
    let fake = FakeRingCentral::start();
    let client = fake.client();
    let (request, location) = client
        .authorize_with_post(&AuthorizeParams::new(CB))
        .await
        .unwrap();
    let grant = request.verify_redirect(location.as_str()).unwrap();
    client.exchange_code(&grant).await.unwrap();

    let request = client.authorization_request(&AuthorizeParams::new(CB));
    let response = raw_client()
        .get(request.url().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(CB), "{location}");
    let grant = request.verify_redirect(&location).unwrap();
    client.exchange_code(&grant).await.unwrap();
    assert_eq!(fake.counts().authorize, 2);
}

#[tokio::test]
async fn injected_faults_look_like_real_failures() {
    let fake = FakeRingCentral::start();
    let client = fake
        .client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let token = log_in(&fake).await;
    let refresh = token.refresh_token().unwrap();

    fake.fail_next(1, Fault::Status(503));
    let e = client.refresh(refresh).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert!(e.is_transient());

    fake.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(7),
        },
    );
    let e = client.refresh(refresh).await.unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_transient());

    fake.fail_next(1, Fault::Hang);
    let e = client.refresh(refresh).await.unwrap_err();
    assert!(
        matches!(&e, Error::Transport(t) if t.kind == TransportKind::Timeout),
        "{e:?}"
    );

    fake.fail_next(1, Fault::DropConnection);
    let e = client.refresh(refresh).await.unwrap_err();
    assert!(matches!(&e, Error::Transport(_)), "{e:?}");
    assert!(e.is_transient());

    // None of them reached the grant logic: the refresh token is still good.
    client.refresh(refresh).await.unwrap();
    let counts = fake.counts();
    assert_eq!((counts.faults, counts.refresh), (4, 1));
}

#[tokio::test]
async fn a_json_token_request_is_refused_as_the_real_server_does() {
    let fake = FakeRingCentral::start();
    let response = raw_client()
        .post(format!("{}/restapi/oauth/token", fake.base_url()))
        .json(&json!({"grant_type": "refresh_token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}
