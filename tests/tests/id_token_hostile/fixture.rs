//! The provider of the hostile tests: its key set served by httpmock on 127.0.0.1, a verifier
//! over it with a manual clock, the key its good tokens are signed with, and token makers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use httpmock::Method::GET;
use httpmock::MockServer;
use oauth_core::{ClientSecret, IdToken, ManualClock};
use oauth_jwt::{Algorithm, IdTokenError, IdTokenVerifier, JwksCache, SigningKey};
use serde_json::{Value, json};

pub const ISSUER: &str = "https://platform.ringcentral.com";
pub const CLIENT: &str = "rc-app";
pub const SECRET: &str = "client secret of thirty-two bytes or more";
pub const NOW: u64 = 1_800_000_000;

pub struct Fixture {
    _server: MockServer,
    pub verifier: IdTokenVerifier,
    pub keys: JwksCache,
    pub clock: Arc<ManualClock>,
    pub key: SigningKey,
    /// The RSA public key's modulus, as an attacker would know it.
    pub public_n: Vec<u8>,
}

impl Fixture {
    pub async fn start() -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc-server/keys");
        let pem = std::fs::read_to_string(path.join("client-rs256.pem")).unwrap();
        let jwk: Value = serde_json::from_str(
            &std::fs::read_to_string(path.join("client-rs256.jwk.json")).unwrap(),
        )
        .unwrap();
        let server = MockServer::start_async().await;
        let (n, e) = (jwk["n"].clone(), jwk["e"].clone());
        server.mock(move |when, then| {
            when.method(GET).path("/restapi/oauth/jwks");
            then.status(200).json_body(json!({"keys": [
                {"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": n, "e": e},
            ]}));
        });
        let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW)));
        let url = url::Url::parse(&server.url("/restapi/oauth/jwks")).unwrap();
        let keys = JwksCache::with_settings(
            oauth_core::HttpSettings::new("id-token-hostile")
                .build()
                .unwrap(),
            url,
            Duration::from_secs(60),
            clock.clone(),
        );
        let verifier = IdTokenVerifier::new(ISSUER, CLIENT, keys.clone())
            .algorithms(&[Algorithm::Rs256, Algorithm::Hs256])
            .client_secret(ClientSecret::new(SECRET))
            .clock(clock.clone());
        Self {
            _server: server,
            verifier,
            keys,
            clock,
            key: SigningKey::from_pem(&pem).unwrap().with_kid("k1"),
            public_n: URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap(),
        }
    }

    pub async fn verify(&self, token: &str, nonce: Option<&str>) -> Result<(), IdTokenError> {
        let result = self.verifier.verify(&IdToken::new(token), nonce).await;
        if let Err(e) = &result {
            // No error shows the token or a piece of it.
            let shown = format!("{e:?} {e}");
            for part in token.split('.').filter(|p| p.len() > 8) {
                assert!(!shown.contains(part), "{shown}");
            }
        }
        result.map(|_| ())
    }
}

pub fn claims() -> Value {
    json!({"iss": ISSUER, "sub": "400131", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 5,
           "nonce": "n-1", "account_id": "37439510", "email": "a@example.com"})
}

pub fn rs256(fx: &Fixture, claims: &Value) -> String {
    oauth_jwt::sign(&fx.key, claims).unwrap()
}

/// A token with the given header and claims, signed with HMAC-SHA256 under `key`.
pub fn hmac_token(header: &Value, claims: &Value, key: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key),
        input.as_bytes(),
    );
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag))
}

pub fn with(claims: Value, name: &str, value: Value) -> Value {
    let mut c = claims;
    c[name] = value;
    c
}
