//! Hostile ID tokens against `oauth_jwt::IdTokenVerifier`, with the provider's key set served
//! on 127.0.0.1: fixed cases (wrong signature, `alg: none`, HS256 signed with the public key,
//! wrong `iss`/`aud`/`azp`/`nonce`, expired, issued in the future, malformed base64 and JSON,
//! huge parts, `crit`, unknown `kid` and the key set's refetch limit), and property tests
//! (arbitrary text, any one-character change of a valid token, and claims against a model
//! of the checks). Each is a typed error naming its check, never a panic, and no error shows
//! the token.

mod fixture;
mod properties;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_core::IdToken;
use oauth_jwt::{Algorithm, IdTokenError, IdTokenVerifier, Part};
use serde_json::json;

use fixture::{CLIENT, Fixture, ISSUER, NOW, SECRET, claims, hmac_token, rs256, with};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_verifications_share_one_key_set_fetch() {
    let fx = Fixture::start().await;
    let token = IdToken::new(rs256(&fx, &claims()));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (verifier, token) = (fx.verifier.clone(), token.clone());
        tasks.spawn(async move { verifier.verify(&token, Some("n-1")).await.map(|_| ()) });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    assert_eq!(
        fx.keys.fetch_count(),
        1,
        "the first caller fetches, the others wait for it"
    );
}
