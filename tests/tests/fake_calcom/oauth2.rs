//! The OAuth 2.0 flow of the Cal.com fake against its wire tests (`calcom_oauth2.rs`): bare
//! RFC 6749 bodies, Cal.com's reason as `error_description`, PKCE, rotation, the two client
//! kinds, and a `TokenSource` over the flow.

use std::time::Duration;

use calcom_oauth::mock::{self, FakeCalcom};
use calcom_oauth::{AuthorizeParams, CalcomOAuth2Client, ClientKind};
use oauth_core::{AuthorizationCodeGrant, RefreshTokenGrant};
use oauth_core::{
    AuthorizationGrant, AuthorizationRequest, ClientSecret, Clock, Error, ErrorCode, PkceVerifier,
    Token, TokenType,
};
use oauth_lifecycle::{TokenSource, store::MemoryStore};
use oauth_sdk_tests::server_error;
use oauth_sdk_tests::shape::{assert_same_shape, raw_client};
use oauth_test_kit::{Fault, GrantError};
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb?tab=cal";

fn request(client: &CalcomOAuth2Client) -> AuthorizationRequest {
    let params = AuthorizeParams::new(CB)
        .scope("BOOKING_READ")
        .scope("PROFILE_READ");
    client.authorization_request(&params)
}

/// The grant the browser brings back after the fake's consent.
fn consented(fake: &FakeCalcom, request: AuthorizationRequest) -> AuthorizationGrant {
    let redirect = fake.authorize(request.url().as_str()).expect("consent");
    request.verify_redirect(redirect.as_str()).expect("a code")
}

async fn login(fake: &FakeCalcom, client: &CalcomOAuth2Client) -> Token {
    client
        .exchange_code(&consented(fake, request(client)))
        .await
        .unwrap()
}

/// Status, RFC 6749 code and `error_description` of a refusal.
fn refusal(e: &Error) -> (u16, Option<&ErrorCode>, Option<&str>) {
    let s = server_error(e);
    (s.status, s.code.as_ref(), s.description.as_deref())
}

#[tokio::test]
async fn login_with_pkce_then_each_refresh_token_works_once() {
    let fake = FakeCalcom::start();
    let now = fake.clock().now();
    for kind in [ClientKind::Public, ClientKind::Confidential] {
        let client = fake.oauth2_client(kind);
        let request = request(&client);
        let redirect = fake.authorize(request.url().as_str()).unwrap();
        // Cal.com keeps the redirect URI's own query and adds the code and state.
        assert!(
            redirect.as_str().starts_with(&format!("{CB}&code=")),
            "{redirect}"
        );
        let grant = request.verify_redirect(redirect.as_str()).unwrap();
        let token = client.exchange_code(&grant).await.unwrap();
        assert_eq!(token.expires_at(), Some(now + Duration::from_secs(1800)));
        assert_eq!(token.scopes(), ["BOOKING_READ", "PROFILE_READ"]);
        assert_eq!(token.token_type(), &TokenType::Bearer);
        // Today's answer carries no refresh token expiry.
        assert_eq!(token.refresh_token_expires_at(), None);

        let old = token.refresh_token().unwrap();
        let next = client.refresh(old).await.unwrap();
        assert_ne!(next.refresh_token().unwrap().secret(), old.secret());
        assert_eq!(next.scopes(), ["BOOKING_READ", "PROFILE_READ"]);
        let e = client.refresh(old).await.unwrap_err();
        assert_eq!(
            refusal(&e),
            (
                400,
                Some(&ErrorCode::InvalidGrant),
                Some("refresh_token_revoked")
            )
        );
        assert!(server_error(&e).details.is_empty());
        assert!(e.is_permanent(), "{kind:?}");
        client.refresh(next.refresh_token().unwrap()).await.unwrap();
    }
    let counts = fake.counts();
    assert_eq!(
        (counts.authorize, counts.code_exchange, counts.refresh),
        (2, 2, 6)
    );
    assert_eq!((counts.issued, counts.reused), (6, 2));
}

#[tokio::test]
async fn raw_answers_are_todays_bare_bodies() {
    let fake = FakeCalcom::start();
    let token = login(&fake, &fake.oauth2_client(ClientKind::Public)).await;
    let url = format!("{}/v2/auth/oauth2/token", fake.base_url());
    let old = token.refresh_token().unwrap().secret().to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", mock::OAUTH2_CLIENT_ID),
        ("refresh_token", old.as_str()),
    ];
    let response = raw_client().post(&url).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    // `bare()` of calcom_oauth2.rs.
    let real = json!({"access_token": "a", "token_type": "bearer", "refresh_token": "r",
        "expires_in": 1800, "scope": "BOOKING_READ PROFILE_READ"});
    assert_same_shape(&body, &real, &[]);
    assert_eq!(
        (&body["token_type"], &body["expires_in"], &body["scope"]),
        (&real["token_type"], &real["expires_in"], &real["scope"])
    );

    // Each refusal, exactly (the old token again, this time as JSON: Cal.com takes both).
    let json_body = json!({"grant_type": "refresh_token", "client_id": mock::OAUTH2_CLIENT_ID,
        "refresh_token": old});
    let with_scope = json!({"grant_type": "refresh_token", "client_id": mock::OAUTH2_CLIENT_ID,
        "refresh_token": "x", "scope": "BOOKING_READ"});
    for (body, status, error, description) in [
        (json_body, 400, "invalid_grant", "refresh_token_revoked"),
        (
            with_scope,
            400,
            "invalid_request",
            "scope property is wrong,property scope should not exist ",
        ),
        (
            json!({"grant_type": "refresh_token", "refresh_token": "x"}),
            400,
            "invalid_request",
            "client_id is required",
        ),
        (
            json!({"grant_type": "password", "client_id": mock::OAUTH2_CLIENT_ID}),
            400,
            "invalid_request",
            "grant_type must be 'authorization_code' or 'refresh_token'",
        ),
        (
            json!({"grant_type": "refresh_token", "client_id": "nobody", "refresh_token": "x"}),
            401,
            "invalid_client",
            "client_not_found",
        ),
        (
            json!({"grant_type": "refresh_token", "client_id": mock::OAUTH2_CLIENT_ID,
                   "refresh_token": "not-a-token"}),
            400,
            "invalid_grant",
            "invalid_refresh_token",
        ),
    ] {
        let response = raw_client().post(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), status, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer,
            json!({"error": error, "error_description": description}),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused_and_spends_the_code() {
    let fake = FakeCalcom::start();
    let client = fake.oauth2_client(ClientKind::Public);
    let grant = consented(&fake, request(&client));
    let wrong = AuthorizationGrant {
        pkce_verifier: Some(PkceVerifier::new(
            "another-verifier-of-43-characters-or-more",
        )),
        ..grant.clone()
    };
    let e = client.exchange_code(&wrong).await.unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            400,
            Some(&ErrorCode::InvalidGrant),
            Some("pkce_verification_failed")
        )
    );
    assert!(e.is_permanent());
    let e = client.exchange_code(&grant).await.unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            400,
            Some(&ErrorCode::InvalidGrant),
            Some("code_invalid_or_expired")
        )
    );

    // A confidential client may leave the verifier out of the form, not out of the check.
    let client = fake.oauth2_client(ClientKind::Confidential);
    let grant = consented(&fake, request(&client));
    let without = AuthorizationGrant {
        pkce_verifier: None,
        ..grant.clone()
    };
    let e = client.exchange_code(&without).await.unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            400,
            Some(&ErrorCode::InvalidRequest),
            Some("pkce_missing_parameters_or_invalid_method")
        )
    );
    // Another redirect URI than the authorization request's.
    let grant = consented(&fake, request(&client));
    let elsewhere = AuthorizationGrant {
        redirect_uri: Some("https://app.example/other".into()),
        ..grant
    };
    let e = client.exchange_code(&elsewhere).await.unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            400,
            Some(&ErrorCode::InvalidGrant),
            Some("redirect_uri_mismatch")
        )
    );
}

#[tokio::test]
async fn clients_are_authenticated_as_cal_com_does() {
    let fake = FakeCalcom::start();
    let token = login(&fake, &fake.oauth2_client(ClientKind::Public)).await;
    let refresh_token = token.refresh_token().unwrap();
    let wrong = fake
        .oauth2_client_builder(ClientKind::Confidential)
        .client_secret(ClientSecret::new("wrong"))
        .build()
        .unwrap();
    let e = wrong.refresh(refresh_token).await.unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            401,
            Some(&ErrorCode::InvalidClient),
            Some("invalid_client_credentials")
        )
    );
    // The public client's token presented by the confidential one.
    let other = fake.oauth2_client(ClientKind::Confidential);
    let e = other.refresh(refresh_token).await.unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            400,
            Some(&ErrorCode::InvalidGrant),
            Some("client_id_mismatch")
        )
    );
    let stranger = CalcomOAuth2Client::builder("nobody")
        .base_url(fake.base_url())
        .app_url(fake.base_url())
        .build()
        .unwrap();
    let e = stranger.refresh(refresh_token).await.unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            401,
            Some(&ErrorCode::InvalidClient),
            Some("client_not_found")
        )
    );
    // Cal.com's page shows an unknown client instead of redirecting.
    assert_eq!(
        fake.authorize(request(&stranger).url().as_str()),
        Err(GrantError::InvalidClient)
    );
    // None of these spent the token.
    fake.oauth2_client(ClientKind::Public)
        .refresh(refresh_token)
        .await
        .unwrap();
}

#[tokio::test]
async fn pkce_refusals_go_back_to_the_app_and_the_page_answers_over_http() {
    let fake = FakeCalcom::start();
    let client = fake.oauth2_client(ClientKind::Public);
    let request = request(&client);
    for (drop, method, reason) in [
        ("code_challenge", None, "pkce_required"),
        ("", Some("plain"), "invalid_code_challenge_method"),
    ] {
        let mut url = request.url().clone();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != drop)
            .map(|(k, v)| match (k.as_str(), method) {
                ("code_challenge_method", Some(m)) => (k, m.to_owned()),
                _ => (k, v),
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        let redirect = fake.authorize(url.as_str()).unwrap();
        let query: Vec<(String, String)> = redirect.query_pairs().into_owned().collect();
        assert!(
            query.contains(&("error".into(), "invalid_request".into()))
                && query.contains(&("error_description".into(), reason.into())),
            "{redirect}"
        );
        let e = request
            .clone()
            .verify_redirect(redirect.as_str())
            .unwrap_err();
        assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidRequest));
    }
    assert_eq!(fake.counts().authorize, 0);

    // The page itself, on the fake (the client's web app URL): a 302 with the code.
    let response = raw_client()
        .get(request.url().as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    let grant = request.verify_redirect(location).unwrap();
    client.exchange_code(&grant).await.unwrap();
}

#[tokio::test]
async fn a_token_source_survives_an_outage_and_needs_reauthorization_after_removal() {
    let fake = FakeCalcom::start();
    let client = fake.oauth2_client(ClientKind::Public);
    let token = login(&fake, &client).await;
    let first = token.access_token().secret().to_owned();
    let source = TokenSource::builder(client, MemoryStore::new(), "user-1")
        .initial_token(token)
        .clock(fake.clock())
        .build()
        .await
        .unwrap();
    assert_eq!(
        source.access_token().await.unwrap().access_token().secret(),
        first
    );
    fake.clock().advance(Duration::from_secs(1800));
    fake.fail_next(1, Fault::Status(503));
    let second = source.access_token().await.unwrap();
    assert_ne!(second.access_token().secret(), first);
    let counts = fake.counts();
    assert_eq!((counts.faults, counts.refresh), (1, 1));

    fake.revoke_all();
    fake.clock().advance(Duration::from_secs(1800));
    let e = source.access_token().await.unwrap_err();
    let Error::NeedsReauthorization(cause) = &e else {
        panic!("expected needs-re-authorization, got {e:?}");
    };
    assert_eq!(
        refusal(cause),
        (
            400,
            Some(&ErrorCode::InvalidGrant),
            Some("refresh_token_revoked")
        )
    );
}

#[tokio::test]
async fn throttling_on_the_token_path_is_the_global_envelope() {
    let fake = FakeCalcom::start();
    let client = fake.oauth2_client(ClientKind::Confidential);
    let token = login(&fake, &client).await;
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
    // The throttled request spent nothing.
    client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap();
}
