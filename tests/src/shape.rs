//! JSON shapes, to check that a fake answers with the fields and JSON types the wire tests'
//! fixtures (the providers' real answers) have.

use std::collections::BTreeMap;

use serde_json::Value;

/// Each field of a JSON object (nested objects as `a.b`) with its JSON type; arrays by their
/// first element (`a[]`).
pub fn shape(value: &Value) -> BTreeMap<String, &'static str> {
    let mut out = BTreeMap::new();
    walk("", value, &mut out);
    out
}

fn walk(prefix: &str, value: &Value, out: &mut BTreeMap<String, &'static str>) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(items) => {
            if let Some(first) = items.first() {
                walk(&format!("{prefix}[]"), first, out);
            }
            "array"
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                walk(&path, field, out);
            }
            "object"
        }
    };
    if !prefix.is_empty() {
        out.insert(prefix.to_owned(), kind);
    }
}

/// Fails unless `answer` has exactly the fields and types of `real`, except `real`'s fields
/// named in `absent` (fields the fake never sends, e.g. forward-compatibility probes).
pub fn assert_same_shape(answer: &Value, real: &Value, absent: &[&str]) {
    let mut expected = shape(real);
    for name in absent {
        expected.retain(|k, _| k != name && !k.starts_with(&format!("{name}.")));
    }
    assert_eq!(
        shape(answer),
        expected,
        "the fake's answer drifted from the real shape: {answer}"
    );
}

/// A plain HTTP client for raw requests to a fake: oauth-core's own settings (its TLS provider
/// installed, redirects not followed).
pub fn raw_client() -> reqwest::Client {
    oauth_core::ClientOptions::new("http://127.0.0.1", "oauth-sdk-tests")
        .connect()
        .expect("loopback client options are valid")
        .http
}
