//! The Cal.com fake against the wire tests: the platform flow here (`calcom.rs`: the `{status,
//! data}` envelope in camelCase, expiries in epoch milliseconds, the error envelope with
//! exception names, rotation), the OAuth 2.0 flow in [`oauth2`] (`calcom_oauth2.rs`).

#[path = "fake_calcom/oauth2.rs"]
mod oauth2;

use std::time::Duration;

use calcom_oauth::mock::{self, FakeCalcom};
use oauth_core::{AuthorizationCodeGrant, Clock, Error, RefreshTokenGrant};
use oauth_sdk_tests::shape::{assert_same_shape, raw_client};
use oauth_test_kit::Fault;
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";

fn server_error(e: &Error) -> &oauth_core::ServerError {
    match e {
        Error::Server(s) => s,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn authorize_exchange_and_refresh_decode_like_the_real_answers() {
    let fake = FakeCalcom::start();
    let now = fake.clock().now();
    let client = fake.client();
    let redirect = client.authorize(CB, Some(&fake.session())).await.unwrap();
    assert!(
        redirect
            .location()
            .as_str()
            .starts_with(&format!("{CB}?code="))
    );
    let token = client.exchange_code(redirect.grant()).await.unwrap();
    assert_eq!(token.expires_at(), Some(now + Duration::from_secs(3600)));
    assert_eq!(
        token.refresh_token_expires_at(),
        Some(now + Duration::from_secs(365 * 24 * 3600))
    );
    let next = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap();
    assert_ne!(
        next.refresh_token().unwrap().secret(),
        token.refresh_token().unwrap().secret()
    );
    let counts = fake.counts();
    assert_eq!(
        (counts.authorize, counts.code_exchange, counts.refresh),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn raw_answers_have_the_real_envelopes() {
    let fake = FakeCalcom::start();
    let client = fake.client();
    let redirect = client.authorize(CB, Some(&fake.session())).await.unwrap();
    let token = client.exchange_code(redirect.grant()).await.unwrap();
    let refresh = |refresh_token: String| {
        let fake = &fake;
        async move {
            let response = raw_client()
                .post(format!(
                    "{}/v2/oauth/{}/refresh",
                    fake.base_url(),
                    mock::CLIENT_ID
                ))
                .header("x-cal-secret-key", mock::CLIENT_SECRET)
                .json(&json!({"refreshToken": refresh_token}))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let old = token.refresh_token().unwrap().secret().to_owned();
    let (status, body) = refresh(old.clone()).await;
    assert_eq!(status, 200);
    // `keys()` of calcom.rs.
    let real = json!({"status": "success", "data": {"accessToken": "a", "refreshToken": "r",
        "accessTokenExpiresAt": 1_800_003_599_123u64, "refreshTokenExpiresAt": 1_831_536_000_000u64}});
    assert_same_shape(&body, &real, &[]);
    let (status, body) = refresh(old).await;
    assert_eq!(status, 400);
    let real = json!({"status": "error", "timestamp": "2027-01-15T08:00:00.000Z",
        "path": "/v2/oauth/x/refresh",
        "error": {"code": "BadRequestException", "message": "Invalid refresh token"}});
    assert_same_shape(&body, &real, &[]);
    assert_eq!(body["error"]["code"], "BadRequestException");
    assert_eq!(
        body["path"],
        format!("/v2/oauth/{}/refresh", mock::CLIENT_ID)
    );
}

#[tokio::test]
async fn refusals_are_permanent_server_errors_with_calcoms_message() {
    let fake = FakeCalcom::start();
    let client = fake.client();
    // No session: 401.
    let e = client.authorize(CB, None).await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    let redirect = client.authorize(CB, Some(&fake.session())).await.unwrap();
    let token = client.exchange_code(redirect.grant()).await.unwrap();
    // A code works once.
    let e = client.exchange_code(redirect.grant()).await.unwrap_err();
    assert_eq!(server_error(&e).status, 400);
    assert!(e.is_permanent());
    // A used refresh token: Cal.com's 400 "Invalid refresh token".
    let old = token.refresh_token().unwrap();
    client.refresh(old).await.unwrap();
    let e = client.refresh(old).await.unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 400);
    assert_eq!(s.description.as_deref(), Some("Invalid refresh token"));
    assert_eq!(s.details[0].code.as_deref(), Some("BadRequestException"));
    assert!(e.is_permanent());
    // A wrong secret: 401.
    let wrong = fake
        .client_builder()
        .client_secret(oauth_core::ClientSecret::new("wrong"))
        .build()
        .unwrap();
    let e = wrong.refresh(old).await.unwrap_err();
    assert_eq!(e.status(), Some(401));
}

#[tokio::test]
async fn throttling_is_calcoms_429_envelope() {
    let fake = FakeCalcom::start();
    let client = fake.client();
    let redirect = client.authorize(CB, Some(&fake.session())).await.unwrap();
    let token = client.exchange_code(redirect.grant()).await.unwrap();
    fake.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(60),
        },
    );
    let e = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();
    let s = server_error(&e);
    assert_eq!(s.status, 429);
    assert_eq!(s.details[0].code.as_deref(), Some("ThrottlerException"));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
    assert!(e.is_transient());
}
