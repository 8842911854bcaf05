//! Property tests over hostile input to the core: lifetime and epoch numbers of any size, sign
//! and type; their round trip through the stored form; scrubbing of secrets of any bytes in any
//! of the forms servers write them; and bounded, printable server text.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_core::runtime::scrub::{
    MAX_SERVER_TEXT, MIN_SECRET_CHARS, REDACTED, Secrets, server_text,
};
use oauth_core::runtime::time::{MAX_LIFETIME, latest, to_unix_ms};
use oauth_core::runtime::wire::{EpochMillis, EpochSeconds, Seconds};
use oauth_core::{AccessToken, RefreshToken, Token};
use proptest::prelude::*;
use serde_json::{Value, json};

#[path = "support/hostile_json.rs"]
#[allow(dead_code)]
mod hostile_json;
use hostile_json::{assert_scrubbed, encodings, hostile_number};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1024,
        // Integration tests have no lib.rs beside them for proptest's regression files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Number text serde_json parses as a number, of any magnitude.
fn number_text() -> impl Strategy<Value = String> {
    "-?[0-9]{1,40}(\\.[0-9]{1,8})?([eE][-+]?[0-9]{1,3})?"
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn lenient_numbers_never_panic_and_stay_in_range(value in hostile_number()) {
        if let Ok(s) = serde_json::from_value::<Seconds>(value.clone()) {
            prop_assert!(s.duration() <= MAX_LIFETIME);
        }
        if let Ok(e) = serde_json::from_value::<EpochSeconds>(value.clone()) {
            prop_assert!(e.time() <= latest());
        }
        if let Ok(m) = serde_json::from_value::<EpochMillis>(value) {
            prop_assert!(m.time() <= latest());
        }
    }

    #[test]
    fn number_text_of_any_magnitude_decodes_or_fails_typed(text in number_text()) {
        let negative = text.parse::<f64>().is_ok_and(|f| f < 0.0);
        match serde_json::from_str::<Seconds>(&text) {
            Ok(s) => {
                prop_assert!(!negative, "{text} accepted");
                prop_assert!(s.duration() <= MAX_LIFETIME);
            }
            // Refused: a negative value, or past f64 (serde_json's "number out of range").
            Err(e) => prop_assert!(e.is_data() || e.is_syntax(), "{e}"),
        }
        let quoted = Value::String(text.clone());
        if let Ok(m) = serde_json::from_value::<EpochMillis>(quoted) {
            prop_assert!(!negative);
            prop_assert!(m.time() <= latest());
        }
    }

    /// Whatever the lifetimes, a token's times stay ordered and bounded, and read back from the
    /// stored form exactly.
    #[test]
    fn lifetimes_and_epochs_round_trip_through_the_stored_form(
        received_ms in prop_oneof![0u64..=4_102_444_800_000, any::<u64>()],
        expires_in in any::<Option<u64>>(),
        refresh_expires_in in any::<Option<u64>>(),
        expires_at_ms in any::<Option<u64>>(),
        from_wire in any::<bool>(),
    ) {
        let received = oauth_core::runtime::time::from_unix_ms(received_ms);
        let mut token = Token::new(AccessToken::new("a"), received)
            .with_refresh_token(Some(RefreshToken::new("r")))
            .with_refresh_token_expires_in(refresh_expires_in.map(Duration::from_secs));
        token = if from_wire {
            token.with_expires_in(expires_in.map(|s| Seconds(s).duration()))
        } else {
            token.with_expires_at(expires_at_ms.map(|ms| EpochMillis(ms).time()))
        };
        for at in [token.expires_at(), token.refresh_token_expires_at()].into_iter().flatten() {
            prop_assert!(at >= UNIX_EPOCH && at <= latest());
            prop_assert!(at <= oauth_core::runtime::time::after(token.received_at(), MAX_LIFETIME));
        }
        let json = serde_json::to_string(&token.exposing_secrets()).unwrap();
        let back: Token = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.received_at(), token.received_at());
        prop_assert_eq!(back.expires_at(), token.expires_at());
        prop_assert_eq!(back.refresh_token_expires_at(), token.refresh_token_expires_at());
        prop_assert_eq!(back.refresh_token().unwrap().secret(), "r");
    }

    /// What a store holds (any millisecond values) reads back and writes again unchanged up to
    /// the latest representable time.
    #[test]
    fn stored_times_read_back_unchanged(
        received in any::<u64>(),
        expires in any::<Option<u64>>(),
        refresh_expires in any::<Option<u64>>(),
    ) {
        let mut stored = json!({"access_token": "a", "received_at_ms": received});
        if let Some(ms) = expires {
            stored["expires_at_ms"] = ms.into();
        }
        if let Some(ms) = refresh_expires {
            stored["refresh_token_expires_at_ms"] = ms.into();
        }
        let token: Token = serde_json::from_value(stored).unwrap();
        let again = serde_json::to_value(token.exposing_secrets()).unwrap();
        let max = to_unix_ms(latest());
        prop_assert_eq!(&again["received_at_ms"], &json!(received.min(max)));
        prop_assert_eq!(again.get("expires_at_ms").and_then(Value::as_u64), expires.map(|v| v.min(max)));
        prop_assert_eq!(
            again.get("refresh_token_expires_at_ms").and_then(Value::as_u64),
            refresh_expires.map(|v| v.min(max))
        );
        let _ = token.expires_within(SystemTime::now(), Duration::MAX);
    }
}

/// A secret of any characters (at least [`MIN_SECRET_CHARS`]), reserved ones (`%`, `+`, `\`, `"`, `/`, space, controls, non
/// ASCII) made frequent.
fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        "[%+\\\\\"/ &=:;?#@\\[\\]a-zA-Z0-9é€😀\\u{0}\\u{1f}\\u{7f}]{4,24}",
        any::<String>().prop_filter("long enough", |s| s.chars().count() >= MIN_SECRET_CHARS),
    ]
}

fn collect_texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_texts(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                collect_texts(v, out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn scrubbing_removes_every_secret_in_every_form(
        secrets in prop::collection::vec(secret(), 1..4),
        around in prop::collection::vec(any::<String>(), 4),
        forms in prop::collection::vec(0usize..8, 4),
    ) {
        let mut text = around[0].clone();
        for (i, secret) in secrets.iter().enumerate() {
            text.push_str(&encodings(secret)[forms[i]]);
            text.push_str(&around[i + 1]);
        }
        let scrub = Secrets::new(secrets.clone());
        let scrubbed = scrub.scrub(&text);
        assert_scrubbed(&scrubbed, &secrets)?;
        prop_assert!(scrubbed.contains(REDACTED));
    }

    /// Through a JSON error body, as the execution hook does it: the server's JSON escaping
    /// is undone by parsing, and keys are scrubbed as well as values.
    #[test]
    fn scrubbing_a_json_body_removes_every_secret(
        secret in secret(),
        before in any::<String>(),
        form in 0usize..8,
    ) {
        let echoed = format!("{before}{}!", encodings(&secret)[form]);
        let body = json!({
            "error": "invalid_grant",
            "error_description": echoed,
            "errors": [{"message": echoed}],
            "fields": {echoed.clone(): [echoed]},
        });
        let mut value: Value = serde_json::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
        Secrets::new([secret.clone()]).scrub_json(&mut value);
        // Keys too may have been scrubbed: every string and key is collected.
        let mut texts = Vec::new();
        collect_texts(&value, &mut texts);
        for text in texts {
            assert_scrubbed(&text, std::slice::from_ref(&secret))?;
        }
    }

    #[test]
    fn text_without_secrets_is_left_alone(text in any::<String>(), secret in "[a-z]{12}") {
        prop_assume!(!text.contains(&secret));
        let scrubbed = Secrets::new([secret]).scrub(&text).into_owned();
        prop_assert_eq!(scrubbed, text);
    }

    #[test]
    fn server_text_is_bounded_and_printable(text in any::<String>()) {
        let kept = server_text(&text);
        prop_assert!(kept.chars().count() <= MAX_SERVER_TEXT + 1);
        let unsafe_char = |c: char| {
            c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
        };
        let printable = !kept.chars().any(unsafe_char);
        prop_assert!(printable, "{:?}", kept);
        let clean = !text.chars().any(unsafe_char);
        if clean && text.chars().count() <= MAX_SERVER_TEXT {
            prop_assert_eq!(kept, text);
        } else if clean {
            let cut: String = text.chars().take(MAX_SERVER_TEXT).collect();
            prop_assert_eq!(kept, format!("{cut}…"));
        }
    }

    #[test]
    fn secrets_too_short_to_keep_are_left(text in any::<String>(), secret in ".{1,3}") {
        prop_assert_eq!(Secrets::new([secret]).scrub(&text).into_owned(), text);
    }
}
