//! Strategies and checks for hostile input, shared by the core's property tests and the
//! providers' (which include this file with `#[path]`).

use oauth_core::runtime::scrub::REDACTED;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

/// A JSON scalar as a hostile server might put in a lifetime or epoch field: integers of any
/// size (the edges made frequent) and sign, floats, numeric strings of any magnitude, other
/// strings, booleans and null.
pub fn hostile_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => any::<u64>().prop_map(Value::from),
        3 => prop_oneof![
            Just(u64::MAX),
            Just(u64::MAX - 1),
            Just(i64::MAX as u64),
            Just(i64::MAX as u64 + 1),
            0u64..=10_000_000_000_000,
        ]
        .prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        2 => any::<f64>().prop_map(|f| json!(f)),
        1 => (0u32..400).prop_map(|e| Value::String(format!("1e{e}"))),
        1 => "[-+ ]?[0-9]{0,30}(\\.[0-9]{0,6})?([eE][-+]?[0-9]{1,4})?[ ]?".prop_map(Value::String),
        1 => any::<String>().prop_map(Value::String),
        1 => prop_oneof![
            Just(Value::String("inf".into())),
            Just(Value::String("NaN".into())),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ],
    ]
}

/// A hostile scalar, or now and then an array or object of them.
pub fn hostile_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        9 => hostile_scalar(),
        1 => hostile_scalar().prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{0,3}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        }),
    ]
}

/// Any JSON document, to shape a whole body.
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![hostile_number(), "[a-zA-Z_]{0,12}".prop_map(Value::String),];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,14}",
                    Just("access_token".to_owned()),
                    Just("expires_in".to_owned()),
                    Just("data".to_owned()),
                    Just("error".to_owned()),
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The forms in which a server may write `secret` back.
pub fn encodings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_owned();
    let ascii_json: String = secret
        .encode_utf16()
        .map(|u| match u {
            0x20..=0x7e if u != 0x22 && u != 0x5c && u != 0x2f => char::from(u as u8).to_string(),
            _ => format!("\\u{u:04X}"),
        })
        .collect();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let pct_upper: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    let pct_lower: String = secret.bytes().map(|b| format!("%{b:02x}")).collect();
    let uri_component: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let slashed = json.replace('/', "\\/");
    vec![
        secret.to_owned(),
        json,
        slashed,
        ascii_json,
        form,
        pct_upper,
        pct_lower,
        uri_component,
    ]
}

/// Every piece of `scrubbed` between two replacements is free of every form of every secret.
pub fn assert_scrubbed(scrubbed: &str, secrets: &[String]) -> Result<(), TestCaseError> {
    for piece in scrubbed.split(REDACTED) {
        for secret in secrets {
            for form in encodings(secret) {
                prop_assert!(
                    !piece.contains(&form),
                    "{form:?} (of {secret:?}) left in {piece:?} of {scrubbed:?}"
                );
            }
        }
    }
    Ok(())
}
