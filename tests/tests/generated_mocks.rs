//! The typed httpmock mocks generated from each spec (`generated_mock.rs`, feature `mock`)
//! match what the provider clients send, form bodies included (the xtask's patch), and
//! answer in the spec's types.

use std::sync::Arc;

use httpmock::MockServer;
use oauth_core::{
    AccessToken, ClientCredentialsGrant, ClientSecret, RefreshToken, RefreshTokenGrant,
    TokenIntrospection,
};
use oauth_sdk_tests::clock;
use serde::Deserialize;
use serde_json::json;

/// A spec type from its JSON (the generated types have required fields and secrets).
fn typed<T: for<'de> Deserialize<'de>>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
async fn ringcentral_form_bodies_match_field_by_field() {
    use ringcentral_oauth::generated_mock::MockServerExt;
    use ringcentral_oauth::{RingCentralClient, types};
    let server = MockServer::start_async().await;
    let request: types::GetTokenRequest =
        typed(json!({"grant_type": "refresh_token", "refresh_token": "rt-1"}));
    let answer: types::TokenInfo = typed(json!({
        "access_token": "at-2", "token_type": "bearer", "expires_in": 3600,
        "refresh_token": "rt-2"
    }));
    let mock = server.get_token(|when, then| {
        when.body(&request);
        then.ok(&answer);
    });
    let client = RingCentralClient::builder("rc-id")
        .client_secret(ClientSecret::new("rc-secret"))
        .base_url(server.base_url())
        .clock(clock())
        .build()
        .unwrap();
    let token = client.refresh(&RefreshToken::new("rt-1")).await.unwrap();
    assert_eq!(token.access_token().secret(), "at-2");
    // Another refresh token does not match the typed body.
    assert!(client.refresh(&RefreshToken::new("rt-9")).await.is_err());
    mock.assert_calls(1);
}

#[tokio::test]
async fn procore_json_bodies_match_and_answers_decode() {
    use procore_oauth::generated_mock::MockServerExt;
    use procore_oauth::{ProcoreClient, types};
    let server = MockServer::start_async().await;
    let request: types::TokenRequest = typed(json!({
        "grant_type": "client_credentials", "client_id": "pc-id", "client_secret": "pc-secret"
    }));
    let answer: types::TokenResponse = typed(json!({
        "access_token": "pc-service-1", "token_type": "bearer", "expires_in": 5400,
        "created_at": 1_800_000_000u64
    }));
    let mock = server.oauth_token_post(|when, then| {
        when.body(&request);
        then.ok(&answer);
    });
    let client = ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new("pc-secret"))
        .base_url(server.base_url())
        .clock(Arc::new(
            oauth_core::ManualClock::new(oauth_sdk_tests::t0()),
        ))
        .build()
        .unwrap();
    let token = client.client_credentials().await.unwrap();
    assert_eq!(token.access_token().secret(), "pc-service-1");
    assert!(token.refresh_token().is_none());
    mock.assert();
}

#[tokio::test]
async fn calcom_path_parameters_and_headers_match() {
    use calcom_oauth::generated_mock::MockServerExt;
    use calcom_oauth::{CalcomClient, types};
    let server = MockServer::start_async().await;
    let answer: types::KeysResponseDto = typed(json!({
        "status": "success", "data": {"accessToken": "a-2", "refreshToken": "r-2"}
    }));
    let body: types::RefreshTokenInput = typed(json!({"refreshToken": "r-1"}));
    let mock = server.o_auth_flow_controller_refresh_access_token(|when, then| {
        when.client_id("cal-id")
            .x_cal_secret_key("cal-secret")
            .body(&body);
        then.ok(&answer);
    });
    let client = CalcomClient::builder("cal-id")
        .client_secret(ClientSecret::new("cal-secret"))
        .base_url(server.base_url())
        .clock(clock())
        .build()
        .unwrap();
    let token = client.refresh(&RefreshToken::new("r-1")).await.unwrap();
    assert_eq!(token.refresh_token().unwrap().secret(), "r-2");
    mock.assert();
}

#[tokio::test]
async fn sunshine_error_answers_are_typed_too() {
    use sunshine_conversations_oauth::generated_mock::MockServerExt;
    use sunshine_conversations_oauth::{SunshineClient, types};
    let server = MockServer::start_async().await;
    let error: types::ErrorResponse =
        typed(json!({"errors": [{"code": "unauthorized", "title": "Invalid token"}]}));
    let mock = server.get_token_info(|when, then| {
        when.authorization("Bearer sc-access");
        then.client_error(401, &error);
    });
    let client = SunshineClient::builder("sc-id")
        .client_secret(ClientSecret::new("sc-secret"))
        .base_url(server.base_url())
        .clock(clock())
        .build()
        .unwrap();
    let e = client
        .token_info(&AccessToken::new("sc-access"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    let oauth_core::Error::Server(s) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(s.details[0].code.as_deref(), Some("unauthorized"));
    mock.assert();
}
