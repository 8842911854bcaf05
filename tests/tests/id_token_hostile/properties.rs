//! Property tests: arbitrary text, any one-character change of a valid token, and signed
//! claims against a model of the checks.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

use crate::fixture::{CLIENT, Fixture, NOW, claims, rs256};

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
