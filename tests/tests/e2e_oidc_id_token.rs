//! RingCentral as an OpenID Connect provider, end to end against the oidc-provider test server
//! (`tests/oidc-server`): sign-in (code + PKCE + nonce) with each of the three client
//! authentication methods RingCentral names, the ID token verified (RS256 against the key
//! set, HS256 with the client secret); refresh and revocation authenticated by JWT; a replayed
//! client assertion refused; and the server's signing key rotated, the next ID token verified
//! after exactly one more key set fetch.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oauth_core::{ClientSecret, ErrorCode, ManualClock, RefreshTokenGrant, TokenRevocation};
use oauth_jwt::{ClientAssertionSigner, SigningKey};
use oauth_sdk_tests::browser::{Browser, REDIRECT_URI};
use oauth_sdk_tests::{OidcServer, RESERVED_SECRET};
use ringcentral_oauth::types::{ClientAssertionType, GetTokenRequest, GrantType};
use ringcentral_oauth::{
    AuthorizeParams, ClientAuthentication, RingCentralClient, RingCentralClientBuilder, SignedIn,
};

/// The test server's client_secret_jwt secret (`tests/oidc-server/server.mjs`).
const SECRET_JWT_SECRET: &str = "e2e client_secret_jwt secret, 32+ bytes long";

fn key_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("oidc-server/keys")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The test server's clients, one per client authentication method (and key type).
fn clients(server: &OidcServer) -> Vec<(&'static str, RingCentralClientBuilder)> {
    let rs256_pem = SigningKey::from_pem(&key_file("client-rs256.pem"))
        .unwrap()
        .with_kid("client-rs256");
    let rs256_jwk = SigningKey::from_jwk(&key_file("client-rs256.jwk.json")).unwrap();
    let es256_jwk = SigningKey::from_jwk(&key_file("client-es256.jwk.json")).unwrap();
    let es256_pem = SigningKey::from_pem(&key_file("client-es256.pem"))
        .unwrap()
        .with_kid("client-es256");
    let private_key = |key| {
        RingCentralClient::builder("e2e-private-key-jwt")
            .client_authentication(ClientAuthentication::PrivateKeyJwt(key))
            .base_url(server.base_url())
    };
    vec![
        (
            "client_secret_basic",
            RingCentralClient::builder("e2e-client")
                .client_secret(ClientSecret::new(RESERVED_SECRET))
                .base_url(server.base_url()),
        ),
        (
            "client_secret_jwt",
            RingCentralClient::builder("e2e-secret-jwt")
                .client_secret(ClientSecret::new(SECRET_JWT_SECRET))
                .client_authentication(ClientAuthentication::ClientSecretJwt)
                .base_url(server.base_url()),
        ),
        ("private_key_jwt", private_key(rs256_pem)),
        ("private_key_jwt", private_key(rs256_jwk)),
        ("private_key_jwt", private_key(es256_pem)),
        ("private_key_jwt", private_key(es256_jwk)),
    ]
}

/// Signs `user` in through the server's login form and checks what every sign-in must give.
async fn sign_in(server: &OidcServer, client: &RingCentralClient, user: &str) -> SignedIn {
    let mut params = AuthorizeParams::new(REDIRECT_URI);
    params.scope = Some("email profile".into());
    let request = client.sign_in_request(&params);
    let query: std::collections::BTreeMap<_, _> =
        request.url().query_pairs().into_owned().collect();
    assert_eq!(query["scope"], "openid email profile");
    assert_eq!(query["code_challenge_method"], "S256");
    let nonce = query["nonce"].clone();
    assert!(nonce.len() >= 22, "a random nonce: {nonce}");

    let back = Browser::new()
        .authorize(server.base_url(), request.url(), user)
        .await;
    let grant = request.verify_redirect(&back).expect("a verified redirect");
    assert_eq!(grant.nonce(), nonce);
    let signed_in = client.sign_in(&grant).await.expect("signed in");
    let claims = &signed_in.id_token;
    assert_eq!(claims.subject, user);
    assert_eq!(claims.issuer, server.base_url());
    assert_eq!(claims.audience, [client.client_id()]);
    assert_eq!(claims.nonce.as_deref(), Some(nonce.as_str()));
    assert_eq!(claims.account_id.as_deref(), Some("37439510"));
    assert_eq!(
        claims.email.as_deref(),
        Some(&*format!("{user}@example.com"))
    );
    assert_eq!(claims.email_verified, Some(true));
    assert_eq!(claims.family_name.as_deref(), Some("Example"));
    assert!(claims.expires_at > SystemTime::now());
    signed_in
}

#[tokio::test]
async fn every_client_authentication_method_signs_in_refreshes_and_revokes() {
    let server = OidcServer::start(30);
    for (method, builder) in clients(&server) {
        let client = builder.build().unwrap();
        assert_eq!(client.client_authentication_method(), method);
        let signed_in = sign_in(&server, &client, "alice").await;

        // Refresh: a JWT client signs a new assertion (a reused one would be refused).
        let old = signed_in
            .token
            .refresh_token()
            .expect("a refresh token")
            .clone();
        let refreshed = client
            .refresh(&old)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        let newer = refreshed.refresh_token().expect("rotated").clone();
        assert_ne!(newer.secret(), old.secret());
        let again = client
            .refresh(&newer)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        // The refresh's ID token verifies too (no nonce there).
        let claims = client.verify_id_token(&again, None).await.unwrap();
        assert_eq!(claims.subject, "alice");

        // Revocation, authenticated the same way, ends the grant.
        client
            .revoke(&again)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        let e = client
            .refresh(again.refresh_token().unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            e.oauth_code(),
            Some(&ErrorCode::InvalidGrant),
            "{method}: {e:?}"
        );
    }
}

#[tokio::test]
async fn a_replayed_client_assertion_is_refused() {
    let server = OidcServer::start(30);
    let client = RingCentralClient::builder("e2e-secret-jwt")
        .client_secret(ClientSecret::new(SECRET_JWT_SECRET))
        .client_authentication(ClientAuthentication::ClientSecretJwt)
        .base_url(server.base_url())
        .build()
        .unwrap();
    let token = sign_in(&server, &client, "bob").await.token;

    // One assertion, sent twice through the generated operation (the client itself never
    // reuses one): the server takes it once, then refuses it as a replay.
    let key = SigningKey::hs256(&ClientSecret::new(SECRET_JWT_SECRET)).unwrap();
    let audience = format!("{}/restapi/oauth/token", server.base_url());
    let assertion = ClientAssertionSigner::new("e2e-secret-jwt", audience, key)
        .sign(SystemTime::now())
        .unwrap();
    let request = |refresh_token| GetTokenRequest {
        grant_type: GrantType::RefreshToken,
        refresh_token: Some(refresh_token),
        client_assertion_type: Some(
            ClientAssertionType::UrnIetfParamsOauthClientAssertionTypeJwtBearer,
        ),
        client_assertion: Some(assertion.clone()),
        access_token_ttl: None,
        refresh_token_ttl: None,
        assertion: None,
        client_id: None,
        code: None,
        code_verifier: None,
        endpoint_id: None,
        redirect_uri: None,
        scope: None,
    };
    let first = client
        .generated()
        .get_token(None, &request(token.refresh_token().unwrap().clone()))
        .await
        .expect("the first use of the assertion is accepted")
        .into_inner();
    let replay = client
        .generated()
        .get_token(None, &request(first.refresh_token.unwrap()))
        .await
        .unwrap_err();
    let e =
        oauth_core::runtime::response::map_error::<ringcentral_oauth::types::TokenInfo, _>(replay);
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidClient), "{e:?}");
    assert!(!format!("{e:?}{e}").contains(assertion.secret()));
}

#[tokio::test]
async fn a_rotated_signing_key_is_found_with_one_more_key_set_fetch() {
    let server = OidcServer::start_with_env(30, &[("E2E_SIGNING_KID", "before")]);
    let port = server.base_url().rsplit(':').next().unwrap().to_owned();
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let client = RingCentralClient::builder("e2e-client")
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .base_url(server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    sign_in(&server, &client, "carol").await;
    sign_in(&server, &client, "carol").await;
    let keys = client.id_token_verifier().await.unwrap().keys().clone();
    assert_eq!(
        keys.fetch_count(),
        1,
        "the key set is fetched once and cached"
    );

    // The same issuer (same port) with a new signing key: the next ID token names a kid the
    // cached set lacks. Past the refetch interval, one fetch finds it.
    drop(server);
    let server = OidcServer::start_with_env(
        30,
        &[("E2E_SIGNING_KID", "after"), ("E2E_OIDC_PORT", &port)],
    );
    clock.advance(keys.min_refetch_interval() + Duration::from_secs(1));
    sign_in(&server, &client, "carol").await;
    assert_eq!(keys.fetch_count(), 2);
    sign_in(&server, &client, "carol").await;
    assert_eq!(keys.fetch_count(), 2, "the new key is cached");
}

#[tokio::test]
async fn the_plain_request_with_openid_is_verified_only_by_verify_id_token_with_its_nonce() {
    use oauth_core::AuthorizationCodeGrant;
    let server = OidcServer::start(30);
    let client = RingCentralClient::builder("e2e-client")
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .base_url(server.base_url())
        .build()
        .unwrap();
    let nonce = oauth_core::CsrfState::new_random().secret().to_owned();
    let mut params = AuthorizeParams::new(REDIRECT_URI);
    params.scope = Some("openid".into());
    params.nonce = Some(nonce.clone());
    let request = client.authorization_request(&params);
    let back = Browser::new()
        .authorize(server.base_url(), request.url(), "dave")
        .await;
    let grant = request.verify_redirect(&back).unwrap();
    // The exchange keeps the ID token without checking it (the documented gap)...
    let token = client.exchange_code(&grant).await.unwrap();
    assert!(token.extra().get("id_token").is_some());
    // ...and verify_id_token with the request's nonce is what checks it.
    let claims = client.verify_id_token(&token, Some(&nonce)).await.unwrap();
    assert_eq!(claims.subject, "dave");
    let e = client
        .verify_id_token(&token, Some("another request's nonce"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ringcentral_oauth::SignInError::IdToken(oauth_jwt::IdTokenError::Nonce)
        ),
        "{e:?}"
    );
}
