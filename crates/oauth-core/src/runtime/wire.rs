//! Lenient scalars for what real servers send: numbers that sometimes arrive as strings.
//!
//! The specs map `expires_in`, `created_at` and friends to these types (`x-rust-type`), so the
//! generated clients accept `3600`, `3600.0` and `"3600"` alike. A number too large for a
//! `u64` (`1e19`, `"1e400"`, `"99999999999999999999"`) saturates at `u64::MAX` rather than
//! failing the whole answer (which would lose the refresh token in it); the conversions to
//! [`Duration`] and [`SystemTime`] then clamp it (see [`crate::runtime::time`]). Negative numbers and
//! anything that is not a number are a decode error.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Reads a non-negative number given as an integer, a float or a numeric string.
fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct Lenient;

    impl Visitor<'_> for Lenient {
        type Value = u64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative number or a numeric string")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom("a negative number"))
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<u64, E> {
            Ok(u64::try_from(v).unwrap_or(u64::MAX))
        }

        fn visit_i128<E: de::Error>(self, v: i128) -> Result<u64, E> {
            if v < 0 {
                Err(E::custom("a negative number"))
            } else {
                Ok(u64::try_from(v).unwrap_or(u64::MAX))
            }
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            if v.is_nan() || v < 0.0 {
                Err(E::custom("a negative number or not a number"))
            } else {
                // `as` saturates (infinity and anything past 2^64 become u64::MAX) and drops
                // the fraction: what a lifetime in whole seconds wants.
                Ok(v as u64)
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            let v = v.trim();
            if let Ok(n) = v.parse::<u64>() {
                return Ok(n);
            }
            // Only decimal notation: `f64::from_str` also takes `inf` and `NaN`.
            let decimal = !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
            match v.parse::<f64>() {
                Ok(f) if decimal => self.visit_f64(f),
                _ => Err(E::custom("a string that is not a number")),
            }
        }
    }

    deserializer.deserialize_any(Lenient)
}

macro_rules! lenient_number {
    ($(#[$doc:meta])* $name:ident, $description:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                lenient_u64(deserializer).map(Self)
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "description": $description,
                    "anyOf": [
                        { "type": "integer", "minimum": 0 },
                        { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$" }
                    ]
                })
            }
        }
    };
}

lenient_number! {
    /// A duration in whole seconds (`expires_in`).
    Seconds, "A duration in seconds."
}

lenient_number! {
    /// A point in time in seconds since the unix epoch (Procore's `created_at`).
    EpochSeconds, "Seconds since the unix epoch."
}

lenient_number! {
    /// A point in time in milliseconds since the unix epoch (Cal.com's `accessTokenExpiresAt`).
    EpochMillis, "Milliseconds since the unix epoch."
}

impl Seconds {
    /// As a [`Duration`], clamped to [`time::MAX_LIFETIME`](crate::runtime::time::MAX_LIFETIME).
    #[inline]
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.0).min(crate::runtime::time::MAX_LIFETIME)
    }
}

impl EpochSeconds {
    /// As a [`SystemTime`], saturating at [`time::latest`](crate::runtime::time::latest).
    pub fn time(self) -> SystemTime {
        crate::runtime::time::from_unix_secs(self.0)
    }
}

impl EpochMillis {
    /// As a [`SystemTime`], saturating at [`time::latest`](crate::runtime::time::latest).
    pub fn time(self) -> SystemTime {
        crate::runtime::time::from_unix_ms(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accepts_numbers_floats_and_numeric_strings() {
        for text in ["3600", "3600.0", "\"3600\"", "\" 3600 \"", "\"3600.9\""] {
            let s: Seconds = serde_json::from_str(text).unwrap();
            assert_eq!(s, Seconds(3600), "{text}");
        }
    }

    #[test]
    fn seconds_rejects_negative_and_non_numeric() {
        for text in [
            "-1", "-0.5", "-1e400", "\"-3\"", "\"soon\"", "\"inf\"", "\"NaN\"", "true", "null",
            "\"\"",
        ] {
            assert!(serde_json::from_str::<Seconds>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn huge_numbers_saturate_and_convert_without_panicking() {
        for text in [
            "18446744073709551615",
            "18446744073709551616",
            "1e19",
            "1e308",
            "\"1e400\"",
            "\"99999999999999999999999\"",
        ] {
            let s: Seconds = serde_json::from_str(text).unwrap();
            assert!(s.0 >= 10_000_000_000_000_000_000, "{text}");
            assert_eq!(s.duration(), crate::runtime::time::MAX_LIFETIME, "{text}");
            let e: EpochSeconds = serde_json::from_str(text).unwrap();
            assert_eq!(e.time(), crate::runtime::time::latest(), "{text}");
            let m: EpochMillis = serde_json::from_str(text).unwrap();
            assert!(m.time() <= crate::runtime::time::latest(), "{text}");
        }
        // Past f64: serde_json itself refuses the number, a typed error all the same.
        assert!(serde_json::from_str::<Seconds>("1e400").is_err());
    }

    #[test]
    fn epoch_millis_converts_to_time() {
        use std::time::UNIX_EPOCH;
        let t: EpochMillis = serde_json::from_str("1700000000123").unwrap();
        assert_eq!(
            t.time().duration_since(UNIX_EPOCH).unwrap(),
            Duration::from_millis(1_700_000_000_123)
        );
    }
}
