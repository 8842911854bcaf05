//! Strategies for hostile JSON, shared by the core's property tests and the providers' (which
//! include this file with `#[path]`).

use proptest::prelude::*;
use serde_json::{Value, json};

/// A JSON value as a hostile server might put in a lifetime or epoch field: integers and floats
/// of any size and sign, numeric and other strings, and any other shape.
pub fn hostile_number() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        (0u32..400).prop_map(|e| Value::String(format!("1e{e}"))),
        "[-+ ]?[0-9]{0,30}(\\.[0-9]{0,6})?([eE][-+]?[0-9]{1,4})?[ ]?".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
        Just(Value::String("inf".into())),
        Just(Value::String("NaN".into())),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
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
