//! The Procore fake against the wire tests (`procore.rs`): decoded results and raw shapes of
//! every operation, rotation, revocation and faults.

use std::time::Duration;

use oauth_core::{
    AuthorizationCodeGrant, ClientCredentialsGrant, Clock, ErrorCode, RefreshTokenGrant, Token,
    TokenIntrospection, TokenRevocation,
};
use oauth_sdk_tests::shape::{assert_same_shape, raw_client};
use oauth_test_kit::Fault;
use procore_oauth::mock::{self, FakeProcore};
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";

async fn log_in(fake: &FakeProcore) -> Token {
    let client = fake.client();
    let request = client.authorization_request(CB);
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    client
        .exchange_code(&request.verify_redirect(redirect.as_str()).unwrap())
        .await
        .unwrap()
}

async fn raw_token(fake: &FakeProcore, body: Value) -> (u16, Value) {
    let response = raw_client()
        .post(format!("{}/oauth/token", fake.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn code_exchange_counts_expiry_from_created_at_like_the_real_answer() {
    let fake = FakeProcore::start();
    let now = fake.clock().now();
    let token = log_in(&fake).await;
    assert_eq!(token.expires_at(), Some(now + Duration::from_secs(5400)));
    assert_eq!(token.token_type(), &oauth_core::TokenType::Bearer);
    assert_eq!(token.scopes(), ["public"]);
    assert!(token.extra().contains_key("created_at"));
    assert!(token.refresh_token().is_some());
}

#[tokio::test]
async fn raw_answers_have_the_real_fields_and_types() {
    let fake = FakeProcore::start();
    let token = log_in(&fake).await;
    let (status, body) = raw_token(
        &fake,
        json!({"grant_type": "refresh_token", "client_id": mock::CLIENT_ID,
               "client_secret": mock::CLIENT_SECRET,
               "refresh_token": token.refresh_token().unwrap().secret()}),
    )
    .await;
    assert_eq!(status, 200);
    // `token_body` of procore.rs, without its forward-compatibility probe.
    let real = json!({"access_token": "pc-access-1", "token_type": "bearer", "expires_in": 5400,
        "refresh_token": "pc-refresh-1", "created_at": 1_799_999_990u64, "scope": "public"});
    assert_same_shape(&body, &real, &[]);

    let (status, body) = raw_token(
        &fake,
        json!({"grant_type": "client_credentials", "client_id": mock::CLIENT_ID,
               "client_secret": mock::CLIENT_SECRET}),
    )
    .await;
    assert_eq!(status, 200);
    let real = json!({"access_token": "pc-service-1", "token_type": "bearer",
        "expires_in": 5400, "created_at": 1_800_000_000u64});
    assert_same_shape(&body, &real, &[]);

    let response = raw_client()
        .get(format!("{}/oauth/token/info", fake.base_url()))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let info: Value = response.json().await.unwrap();
    let real = json!({"resource_owner_id": 1, "scopes": ["public"], "expires_in_seconds": "5378",
        "application": {"uid": "pc-id", "name": "My app"}, "created_at": 1440460991});
    assert_same_shape(&info, &real, &[]);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_is_doorkeepers_invalid_grant() {
    let fake = FakeProcore::start();
    let client = fake.client();
    let token = log_in(&fake).await;
    let old = token.refresh_token().unwrap().clone();
    let next = client.refresh(&old).await.unwrap();
    assert_ne!(next.refresh_token().unwrap().secret(), old.secret());
    let e = client.refresh(&old).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert!(e.is_permanent());
    assert_eq!(fake.counts().refresh, 2);
}

#[tokio::test]
async fn redirect_uri_must_match_and_secrets_are_checked() {
    let fake = FakeProcore::start();
    let client = fake.client();
    let request = client.authorization_request(CB);
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    let mut grant = request.verify_redirect(redirect.as_str()).unwrap();
    grant.redirect_uri = Some("urn:ietf:wg:oauth:2.0:oob".into());
    let e = client.exchange_code(&grant).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));

    let wrong = fake
        .client_builder()
        .client_secret(oauth_core::ClientSecret::new("wrong"))
        .build()
        .unwrap();
    let e = wrong.client_credentials().await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidClient));
}

#[tokio::test]
async fn client_credentials_token_info_and_revocation() {
    let fake = FakeProcore::start();
    let client = fake.client();
    let service = client.client_credentials().await.unwrap();
    assert!(service.refresh_token().is_none());
    assert!(service.scopes().is_empty());

    let token = log_in(&fake).await;
    let info = client.token_info(token.access_token()).await.unwrap();
    assert_eq!(info.resource_owner_id, Some(4242));
    assert_eq!(info.scopes, ["public"]);
    assert_eq!(
        info.expires_in_seconds.map(|s| s.duration()),
        Some(Duration::from_secs(5400))
    );
    assert_eq!(
        info.application.unwrap().uid.as_deref(),
        Some(mock::CLIENT_ID)
    );

    client.revoke(&token).await.unwrap();
    let e = client.token_info(token.access_token()).await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidToken));
    let e = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    // An unknown token is revoked all the same (RFC 7009 §2.2).
    client.revoke(&token).await.unwrap();
    let counts = fake.counts();
    assert_eq!((counts.client_credentials, counts.revocation), (1, 2));
}

#[tokio::test]
async fn faults_come_in_procores_general_shape() {
    let fake = FakeProcore::start();
    let client = fake.client();
    fake.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(3),
        },
    );
    let e = client.client_credentials().await.unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    fake.fail_next(1, Fault::Status(502));
    let e = client.client_credentials().await.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert!(e.is_transient());
    client.client_credentials().await.unwrap();
}
