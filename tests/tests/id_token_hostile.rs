//! Hostile ID tokens against `oauth_jwt::IdTokenVerifier`, with the provider's key set served
//! on 127.0.0.1: fixed cases (wrong signature, `alg: none`, HS256 signed with the public key,
//! wrong `iss`/`aud`/`azp`/`nonce`, expired, issued in the future, malformed base64 and JSON,
//! huge parts, `crit`, unknown `kid` and the key set's refetch limit), and property tests
//! (arbitrary text, any one-character change of a valid token, and claims against a model
//! of the checks). Each is a typed error naming its check, never a panic, and no error shows
//! the token.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use httpmock::Method::GET;
use httpmock::MockServer;
use oauth_core::{ClientSecret, IdToken, ManualClock};
use oauth_jwt::{Algorithm, IdTokenError, IdTokenVerifier, JwksCache, Part, SigningKey};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

const ISSUER: &str = "https://platform.ringcentral.com";
const CLIENT: &str = "rc-app";
const SECRET: &str = "client secret of thirty-two bytes or more";
const NOW: u64 = 1_800_000_000;

struct Fixture {
    _server: MockServer,
    verifier: IdTokenVerifier,
    keys: JwksCache,
    clock: Arc<ManualClock>,
    key: SigningKey,
    /// The RSA public key's modulus, as an attacker would know it.
    public_n: Vec<u8>,
}

impl Fixture {
    async fn start() -> Self {
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

    async fn verify(&self, token: &str, nonce: Option<&str>) -> Result<(), IdTokenError> {
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

fn claims() -> Value {
    json!({"iss": ISSUER, "sub": "400131", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 5,
           "nonce": "n-1", "account_id": "37439510", "email": "a@example.com"})
}

fn rs256(fx: &Fixture, claims: &Value) -> String {
    oauth_jwt::sign(&fx.key, claims).unwrap()
}

/// A token with the given header and claims, signed with HMAC-SHA256 under `key`.
fn hmac_token(header: &Value, claims: &Value, key: &[u8]) -> String {
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

fn with(claims: Value, name: &str, value: Value) -> Value {
    let mut c = claims;
    c[name] = value;
    c
}

#[tokio::test]
async fn valid_tokens_pass_and_each_broken_check_is_named() {
    let fx = Fixture::start().await;
    let good = rs256(&fx, &claims());
    fx.verify(&good, Some("n-1")).await.unwrap();
    let claims_back = fx
        .verifier
        .verify(&IdToken::new(good.as_str()), Some("n-1"))
        .await
        .unwrap();
    assert_eq!(claims_back.subject, "400131");
    assert_eq!(claims_back.account_id.as_deref(), Some("37439510"));
    // HS256 keyed with the client secret, as RingCentral may sign them.
    let hs = hmac_token(&json!({"alg": "HS256"}), &claims(), SECRET.as_bytes());
    fx.verify(&hs, Some("n-1")).await.unwrap();

    let check = |r: Result<(), IdTokenError>| r.unwrap_err().check();
    let (head, rest) = good.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    // The claims of another token under this token's signature.
    let other_payload = URL_SAFE_NO_PAD.encode(with(claims(), "sub", json!("1")).to_string());
    let swapped = format!("{head}.{other_payload}.{signature}");
    assert_eq!(
        fx.verify(&swapped, Some("n-1")).await,
        Err(IdTokenError::BadSignature)
    );

    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        other_payload
    );
    assert_eq!(check(fx.verify(&none, None).await), "alg");
    // Algorithm confusion: HS256 "signed" with the RSA public key. Verified with the client
    // secret only, so it fails.
    let confused = hmac_token(
        &json!({"alg": "HS256", "kid": "k1"}),
        &claims(),
        &fx.public_n,
    );
    assert_eq!(
        fx.verify(&confused, Some("n-1")).await,
        Err(IdTokenError::BadSignature)
    );
    let no_secret = IdTokenVerifier::new(ISSUER, CLIENT, fx.keys.clone())
        .algorithms(&[Algorithm::Rs256, Algorithm::Hs256])
        .clock(fx.clock.clone());
    let e = no_secret
        .verify(&IdToken::new(confused.as_str()), None)
        .await
        .unwrap_err();
    assert_eq!(e, IdTokenError::NoSecretForHmac);
    let rs_only = IdTokenVerifier::new(ISSUER, CLIENT, fx.keys.clone()).clock(fx.clock.clone());
    let e = rs_only
        .verify(&IdToken::new(hs.as_str()), None)
        .await
        .unwrap_err();
    assert_eq!(e.check(), "alg");

    let cases = [
        (with(claims(), "iss", json!("https://evil.example")), "iss"),
        (with(claims(), "aud", json!("another-app")), "aud"),
        (with(claims(), "aud", json!([CLIENT, "another-app"])), "azp"),
        (
            with(
                with(claims(), "aud", json!([CLIENT, "x"])),
                "azp",
                json!("x"),
            ),
            "azp",
        ),
        (with(claims(), "exp", json!(NOW - 61)), "exp"),
        (with(claims(), "iat", json!(NOW + 61)), "iat"),
        (with(claims(), "nonce", json!("n-2")), "nonce"),
        (with(claims(), "exp", json!("tomorrow")), "claims"),
        (with(claims(), "sub", json!(null)), "claims"),
    ];
    for (bad, expected) in cases {
        let token = rs256(&fx, &bad);
        assert_eq!(
            check(fx.verify(&token, Some("n-1")).await),
            expected,
            "{bad}"
        );
    }
    // Within the skew, and several audiences with our azp, pass.
    let lenient = with(
        with(claims(), "exp", json!(NOW - 59)),
        "aud",
        json!([CLIENT, "x"]),
    );
    fx.verify(
        &rs256(&fx, &with(lenient, "azp", json!(CLIENT))),
        Some("n-1"),
    )
    .await
    .unwrap();
    // A token without a nonce fails when the request sent one.
    let mut no_nonce = claims();
    no_nonce.as_object_mut().unwrap().remove("nonce");
    assert_eq!(
        fx.verify(&rs256(&fx, &no_nonce), Some("n-1")).await,
        Err(IdTokenError::Nonce)
    );
}

#[tokio::test]
async fn malformed_and_oversized_tokens_are_format_and_size_errors() {
    let fx = Fixture::start().await;
    let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
    let good = rs256(&fx, &claims());
    let (head, rest) = good.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "format"),
        ("a.b".into(), "format"),
        (format!("{good}.x"), "format"),
        (format!("{head}=.{payload}.{signature}"), "format"),
        (format!("{head}.{payload}.{signature}+"), "format"),
        (
            format!("{}.{payload}.{signature}", b64("{alg: RS256}")),
            "format",
        ),
        (format!("{}.{payload}.{signature}", b64("[]")), "format"),
        (
            format!(
                "{}.{payload}.{signature}",
                b64(r#"{"alg":"RS256","crit":["exp"]}"#)
            ),
            "format",
        ),
        (
            format!(
                "{}.{payload}.{signature}",
                b64(&format!(r#"{{"alg":"RS256","x":"{}"}}"#, "a".repeat(2000)))
            ),
            "size",
        ),
        (format!("{head}.{}.{signature}", "A".repeat(20_000)), "size"),
    ];
    for (token, expected) in cases {
        let e = fx.verify(&token, Some("n-1")).await.unwrap_err();
        assert_eq!(e.check(), expected, "{e:?}");
    }
    // The payload is only read once the signature verified; a signed payload that is no JSON
    // object is a format error naming the payload.
    let not_json = oauth_jwt::sign(&fx.key, &json!("just a string")).unwrap();
    assert_eq!(
        fx.verify(&not_json, None).await,
        Err(IdTokenError::Malformed {
            part: Part::Payload,
            problem: "not a JSON object of claims"
        })
    );
}

#[tokio::test]
async fn unknown_kids_refetch_the_key_set_at_most_once_per_interval() {
    let fx = Fixture::start().await;
    fx.verify(&rs256(&fx, &claims()), Some("n-1"))
        .await
        .unwrap();
    assert_eq!(fx.keys.fetch_count(), 1);
    let unknown = oauth_jwt::sign(&fx.key.clone().with_kid("k9"), &claims()).unwrap();
    let e = fx.verify(&unknown, Some("n-1")).await.unwrap_err();
    assert_eq!(
        e,
        IdTokenError::UnknownKey {
            kid: Some("k9".into())
        }
    );
    assert_eq!(fx.keys.fetch_count(), 1, "no refetch within the interval");
    fx.clock.advance(Duration::from_secs(61));
    assert_eq!(fx.verify(&unknown, None).await.unwrap_err().check(), "kid");
    assert_eq!(fx.keys.fetch_count(), 2, "one refetch after it");
    for _ in 0..20 {
        assert_eq!(fx.verify(&unknown, None).await.unwrap_err().check(), "kid");
    }
    assert_eq!(
        fx.keys.fetch_count(),
        2,
        "a flood of unknown kids fetches nothing more"
    );
}

/// Runs `cases` property cases on one fixture (one runtime, one key set server).
fn run<S: Strategy>(
    cases: u32,
    strategy: S,
    test: impl Fn(&Fixture, &tokio::runtime::Runtime, S::Value) -> Result<(), TestCaseError>,
) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fx = rt.block_on(Fixture::start());
    TestRunner::new(Config {
        cases,
        ..Config::default()
    })
    .run(&strategy, |value| test(&fx, &rt, value))
    .unwrap();
}

#[test]
fn arbitrary_text_is_refused_without_a_panic() {
    let parts = "[A-Za-z0-9_-]{0,80}";
    let strategy = prop_oneof![
        ".{0,300}",
        (parts, parts, parts).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
        (any::<Vec<u8>>(), any::<Vec<u8>>()).prop_map(|(h, p)| {
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(h),
                URL_SAFE_NO_PAD.encode(p)
            )
        }),
    ];
    run(256, strategy, |fx, rt, token| {
        prop_assert!(rt.block_on(fx.verify(&token, Some("n-1"))).is_err());
        Ok(())
    });
}

#[test]
fn any_one_character_change_of_a_valid_token_is_refused() {
    let alphabet: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
            .chars()
            .collect();
    run(
        256,
        (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
        |fx, rt, (at, with)| {
            let good = rs256(fx, &claims());
            let mut chars: Vec<char> = good.chars().collect();
            let i = at.index(chars.len());
            let c = *with.get(&alphabet);
            prop_assume!(chars[i] != c);
            chars[i] = c;
            let token: String = chars.into_iter().collect();
            prop_assert!(
                rt.block_on(fx.verify(&token, Some("n-1"))).is_err(),
                "{}",
                token
            );
            Ok(())
        },
    );
}

#[test]
fn signed_claims_pass_exactly_when_every_check_does() {
    let strategy = (
        any::<bool>(),
        0..3usize,
        -400i64..400,
        -400i64..400,
        prop::option::of(prop_oneof![Just("n-1"), Just("n-2")]),
    );
    run(
        256,
        strategy,
        |fx, rt, (iss_ok, aud, exp_offset, iat_offset, nonce)| {
            let mut c = claims();
            if !iss_ok {
                c["iss"] = json!("https://platform.ringcentral.biz");
            }
            c["aud"] = [json!(CLIENT), json!("other"), json!([CLIENT, "other"])][aud].clone();
            c["exp"] = json!(NOW as i64 + exp_offset);
            c["iat"] = json!(NOW as i64 + iat_offset);
            match nonce {
                Some(n) => c["nonce"] = json!(n),
                None => {
                    c.as_object_mut().unwrap().remove("nonce");
                }
            }
            // The model: the first failing check in the verifier's order, with 60 s of skew.
            let expected = if !iss_ok {
                Some("iss")
            } else if aud == 1 {
                Some("aud")
            } else if aud == 2 {
                Some("azp")
            } else if exp_offset < -60 {
                Some("exp")
            } else if iat_offset > 60 {
                Some("iat")
            } else if nonce != Some("n-1") {
                Some("nonce")
            } else {
                None
            };
            let result = rt.block_on(fx.verify(&rs256(fx, &c), Some("n-1")));
            prop_assert_eq!(result.err().map(|e| e.check()), expected, "{}", c);
            Ok(())
        },
    );
}
