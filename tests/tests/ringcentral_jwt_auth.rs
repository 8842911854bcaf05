//! RingCentral's JWT client authentication on the wire: the exact assertion (header and
//! claims, its signature checked), the form body, no `Authorization: Basic`, a fresh
//! assertion for every request (a token source's renewals included), configuration errors,
//! and no key in `Debug` output or configuration errors.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::{
    ClientSecret, ManualClock, RefreshToken, RefreshTokenGrant, Token, TokenRevocation,
};
use oauth_jwt::SigningKey;
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::MemoryStore;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use ringcentral_oauth::{
    AssertionAudience, ClientAuthentication, Environment, RingCentralClient,
    RingCentralClientBuilder,
};
use serde_json::{Value, json};

const SECRET_32: &str = "0123456789abcdef0123456789abcdef";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn builder(server: &MockServer, clock: &Arc<ManualClock>) -> RingCentralClientBuilder {
    RingCentralClient::builder("rc-app")
        .base_url(server.base_url())
        .clock(clock.clone())
}

/// One request as the endpoint saw it: its form fields, and whether it had `Authorization`.
type Seen = (BTreeMap<String, String>, bool);

/// A token endpoint that keeps every request's form body and headers, and answers a token.
fn recording_token_endpoint(server: &MockServer) -> Arc<Mutex<Vec<Seen>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    server.mock(move |when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .is_true(move |req| {
                let form = url::form_urlencoded::parse(req.body_ref())
                    .into_owned()
                    .collect::<BTreeMap<_, _>>();
                let basic = req.headers().contains_key("authorization");
                keep.lock().unwrap().push((form, basic));
                true
            });
        then.status(200).json_body(json!({
            "access_token": "at", "token_type": "bearer", "expires_in": 3600,
            "refresh_token": "rt-next", "refresh_token_expires_in": 604800
        }));
    });
    seen
}

/// The header and claims of a compact JWS (its signature checked by the caller).
fn decode(jwt: &str) -> (Value, Value, Vec<u8>, String) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let json = |p: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    (
        json(parts[0]),
        json(parts[1]),
        signature,
        format!("{}.{}", parts[0], parts[1]),
    )
}

fn check_claims(claims: &Value, audience: &str) {
    assert_eq!(claims["iss"], "rc-app");
    assert_eq!(claims["sub"], "rc-app");
    assert_eq!(claims["aud"], audience);
    assert_eq!(claims["iat"], 1_800_000_000u64);
    assert_eq!(claims["exp"], 1_800_000_060u64, "a short expiry: 60 s");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(claims["jti"].as_str().unwrap())
            .unwrap()
            .len(),
        16
    );
    assert_eq!(
        claims.as_object().unwrap().len(),
        6,
        "exactly these claims: {claims}"
    );
}

#[tokio::test]
async fn client_secret_jwt_sends_an_hs256_assertion_and_no_basic_header() {
    let server = MockServer::start_async().await;
    let seen = recording_token_endpoint(&server);
    let clock = Arc::new(ManualClock::new(t0()));
    let client = builder(&server, &clock)
        .client_secret(ClientSecret::new(SECRET_32))
        .client_authentication(ClientAuthentication::ClientSecretJwt)
        .build()
        .unwrap();
    client.refresh(&RefreshToken::new("rt-0")).await.unwrap();
    client.refresh(&RefreshToken::new("rt-1")).await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let mut jtis = Vec::new();
    for (form, authorization) in seen.iter() {
        assert!(!authorization, "no Authorization header with a JWT");
        let keys: Vec<&str> = form.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "client_assertion",
                "client_assertion_type",
                "grant_type",
                "refresh_token"
            ]
        );
        assert_eq!(form["client_assertion_type"], ASSERTION_TYPE);
        let (header, claims, sig, input) = decode(&form["client_assertion"]);
        assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
        check_claims(
            &claims,
            &format!("{}/restapi/oauth/token", server.base_url()),
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET_32.as_bytes());
        ring::hmac::verify(&key, input.as_bytes(), &sig).expect("HS256 over the client secret");
        jtis.push(claims["jti"].clone());
    }
    assert_ne!(jtis[0], jtis[1], "a fresh jti per request");
}

#[tokio::test]
async fn private_key_jwt_es256_with_kid_and_the_issuer_as_audience() {
    let server = MockServer::start_async().await;
    let seen = recording_token_endpoint(&server);
    let rng = ring::rand::SystemRandom::new();
    let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
    let public = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng)
        .unwrap()
        .public_key()
        .as_ref()
        .to_vec();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
    );
    let key = SigningKey::from_pem(&pem).unwrap().with_kid("my-key-1");
    let clock = Arc::new(ManualClock::new(t0()));
    let client = builder(&server, &clock)
        .client_authentication(ClientAuthentication::PrivateKeyJwt(key))
        .assertion_audience(AssertionAudience::Issuer)
        .build()
        .unwrap();
    assert_eq!(client.client_authentication_method(), "private_key_jwt");
    client.refresh(&RefreshToken::new("rt-0")).await.unwrap();

    let (form, authorization) = seen.lock().unwrap()[0].clone();
    assert!(!authorization);
    assert!(
        !form.contains_key("client_id"),
        "the assertion identifies the client"
    );
    let (header, claims, sig, input) = decode(&form["client_assertion"]);
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "JWT", "kid": "my-key-1"})
    );
    check_claims(&claims, server.base_url().as_str());
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public)
        .verify(input.as_bytes(), &sig)
        .expect("ES256 with the private key");
}

#[tokio::test]
async fn revoke_authenticates_with_an_assertion_in_the_form() {
    let server = MockServer::start_async().await;
    let revoke = server.mock(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/revoke")
            .header_missing("authorization")
            .form_urlencoded_tuple("token", "rt-0")
            .form_urlencoded_tuple("client_assertion_type", ASSERTION_TYPE)
            .form_urlencoded_tuple_exists("client_assertion")
            .form_urlencoded_tuple_missing("client_id");
        then.status(200);
    });
    let clock = Arc::new(ManualClock::new(t0()));
    let client = builder(&server, &clock)
        .client_secret(ClientSecret::new(SECRET_32))
        .client_authentication(ClientAuthentication::ClientSecretJwt)
        .build()
        .unwrap();
    let token = Token::new(oauth_core::AccessToken::new("at"), t0())
        .with_refresh_token(Some(RefreshToken::new("rt-0")));
    client.revoke(&token).await.unwrap();
    revoke.assert_async().await;
}

#[tokio::test]
async fn a_token_source_signs_a_fresh_assertion_for_each_renewal() {
    let server = MockServer::start_async().await;
    let seen = recording_token_endpoint(&server);
    let clock = Arc::new(ManualClock::new(t0()));
    let client = builder(&server, &clock)
        .client_secret(ClientSecret::new(SECRET_32))
        .client_authentication(ClientAuthentication::ClientSecretJwt)
        .build()
        .unwrap();
    let expired = Token::new(
        oauth_core::AccessToken::new("old"),
        t0() - Duration::from_secs(7200),
    )
    .with_expires_in(Some(Duration::from_secs(3600)))
    .with_refresh_token(Some(RefreshToken::new("rt-0")));
    let source = TokenSource::builder(client, MemoryStore::new(), "k")
        .initial_token(expired)
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    source.access_token().await.unwrap();
    clock.advance(Duration::from_secs(3600));
    source.access_token().await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "two renewals");
    let claims: Vec<Value> = seen
        .iter()
        .map(|(f, _)| decode(&f["client_assertion"]).1)
        .collect();
    assert_ne!(claims[0]["jti"], claims[1]["jti"]);
    assert_eq!(
        claims[1]["iat"], 1_800_003_600u64,
        "signed at the renewal, not reused"
    );
}

#[test]
fn configuration_errors_are_clear_and_keys_never_show() {
    let build = |b: RingCentralClientBuilder| b.build().map(|_| ()).unwrap_err().to_string();
    let base = || RingCentralClient::builder("rc-app");
    let short = build(
        base()
            .client_secret(ClientSecret::new("only-16-bytes!!!"))
            .client_authentication(ClientAuthentication::ClientSecretJwt),
    );
    assert!(
        short.contains("at least 32 bytes") && short.contains("16"),
        "{short}"
    );
    assert!(!short.contains("only-16"), "{short}");
    let none = build(base().client_authentication(ClientAuthentication::ClientSecretJwt));
    assert!(none.contains("needs a client secret"), "{none}");

    let client = base()
        .client_secret(ClientSecret::new(SECRET_32))
        .client_authentication(ClientAuthentication::ClientSecretJwt)
        .environment(Environment::Segregated)
        .build()
        .unwrap();
    let shown = format!("{client:?}");
    assert!(
        shown.contains("client_secret_jwt") && !shown.contains(SECRET_32),
        "{shown}"
    );
    assert!(
        shown.contains("https://platform.ringcentral.biz"),
        "{shown}"
    );
    assert_eq!(
        Environment::Segregated.base_url(),
        "https://platform.ringcentral.biz"
    );
}

#[tokio::test]
async fn private_key_jwt_rs256_from_a_pkcs1_pem() {
    let server = MockServer::start_async().await;
    let seen = recording_token_endpoint(&server);
    let keys = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc-server/keys");
    let read = |name: &str| std::fs::read_to_string(keys.join(name)).unwrap();
    let key = SigningKey::from_pem(&read("client-rs256.pkcs1.pem"))
        .unwrap()
        .with_kid("client-rs256");
    let clock = Arc::new(ManualClock::new(t0()));
    let client = builder(&server, &clock)
        .client_authentication(ClientAuthentication::PrivateKeyJwt(key))
        .build()
        .unwrap();
    client.refresh(&RefreshToken::new("rt-0")).await.unwrap();

    let (form, authorization) = seen.lock().unwrap()[0].clone();
    assert!(!authorization);
    let (header, claims, sig, input) = decode(&form["client_assertion"]);
    assert_eq!(
        header,
        json!({"alg": "RS256", "typ": "JWT", "kid": "client-rs256"})
    );
    check_claims(
        &claims,
        &format!("{}/restapi/oauth/token", server.base_url()),
    );
    // Checked with the public half of the same key, as its JWK gives it.
    let jwk: Value = serde_json::from_str(&read("client-rs256.jwk.json")).unwrap();
    let part = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
    signature::RsaPublicKeyComponents {
        n: part("n"),
        e: part("e"),
    }
    .verify(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        input.as_bytes(),
        &sig,
    )
    .expect("RS256 with the private key");
}
